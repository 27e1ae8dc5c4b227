/**
 * The `gridthings` CLI as a user runs it: `node src/cli/bin.mjs …` in a child process, with a
 * timeout. `runCli` waits for the exit; `startCli` keeps a long-running command and collects its
 * output until a line appears, then stops it with a signal.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = "src/cli/bin.mjs";

/** The environment without our own GRIDTHINGS_* settings, so that the caller's shell cannot leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GRIDTHINGS_")) env[k] = v;
  return { ...env, ...extra };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: cleanEnv(options.env), timeout: options.timeoutMs ?? 20_000, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && error.killed) return reject(new Error(`gridthings ${args.join(" ")} did not exit within its timeout; stderr: ${stderr}`));
      if (error && typeof error.code === "string") return reject(error);
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every port 0 (any free port). */
export const ALL_PORTS_FREE = ["--port", "0", "--things-port", "0", "--coap-port", "0", "--mqtt-port", "0", "--modbus-port", "0", "--meter-modbus-port", "0"];

export class CliProcess {
  stdout = "";
  stderr = "";
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.on("data", (c: Buffer) => void (this.stdout += c.toString("utf8")));
    this.child.stderr?.on("data", (c: Buffer) => void (this.stderr += c.toString("utf8")));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Resolves when stdout contains `text`; rejects if the process exits first or after the timeout. */
  async waitFor(text: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`gridthings exited (${this.child.exitCode}) before printing "${text}"; stderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`gridthings did not print "${text}" within ${timeoutMs} ms; stdout: ${this.stdout}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends the signal; resolves with the exit code, or undefined if the process hung (then killed). */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<number | null | undefined> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const code = await Promise.race([this.exited, hung]);
    clearTimeout(timer);
    if (code === undefined) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
    return code;
  }
}

/** `label   http://…` lines of the start-up banner: the first URL on the line that starts with `label`. */
export function urlOnLine(stdout: string, label: string): string | undefined {
  const line = stdout.split("\n").find((l) => l.trimStart().startsWith(label));
  return line ? /\b(?:https?|mqtt|coap):\/\/[^\s/]+(?:\/[^\s]*)?/.exec(line)?.[0] : undefined;
}
