/**
 * Ordinary clients from outside the project (curl, coap-client, mosquitto_sub/pub, mbpoll) and a
 * Mosquitto broker process, for integration tests. A missing binary skips the test with a reason,
 * except in CI (`CI` set), where `.ci/run` installs them and a missing one fails the test.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { access, constants, mkdtemp, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { tmpdir } from "node:os";
import { freePort, portOpen } from "./ports.ts";

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The first of `names` found on PATH (Debian ships coap-client as coap-client-notls etc.). */
export async function findBinary(...names: string[]): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...dirs, "/usr/sbin", "/sbin"]) {
    for (const name of names) {
      const path = join(dir, name);
      try {
        await access(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The binary's path, or undefined after skipping the test when it is absent outside CI. In CI an
 * absent binary throws: `.ci/run` must have installed it.
 */
export async function requireBinary(ctx: { skip: (note?: string) => void }, pkg: string, ...names: string[]): Promise<string> {
  const path = await findBinary(...names);
  if (path) return path;
  const why = `${names.join(" / ")} not installed (Debian package ${pkg}; .ci/run installs it)`;
  if (process.env.CI) throw new Error(`${why}: required in CI`);
  ctx.skip(why);
  throw new Error(why); // not reached: skip() throws
}

/** Runs a client with a timeout; resolves with its exit code and output whatever the code. */
export function runClient(file: string, args: readonly string[], timeoutMs = 10_000): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: "utf8", maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code === "string") return reject(error);
      if (error && error.killed) return reject(new Error(`${file} ${args.join(" ")} timed out after ${timeoutMs} ms; stderr: ${stderr}`));
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

export interface CurlReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with curl (`-i`: status line and headers come back with the body). */
export async function curl(curlPath: string, args: readonly string[]): Promise<CurlReply> {
  const run = await runClient(curlPath, ["-sS", "-i", "--max-time", "8", ...args]);
  if (run.code !== 0) throw new Error(`curl failed (${run.code}): ${run.stderr}`);
  const split = run.stdout.indexOf("\r\n\r\n");
  const head = split < 0 ? run.stdout : run.stdout.slice(0, split);
  const body = split < 0 ? "" : run.stdout.slice(split + 4);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

export interface MosquittoBroker {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `mosquitto -c <generated conf>` on a free loopback port; stop() ends that process only. */
export async function startMosquitto(mosquittoPath: string): Promise<MosquittoBroker> {
  const dir = await mkdtemp(join(tmpdir(), "gridthings-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  await writeFile(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stderr", "log_type error", "log_type warning", ""].join("\n"));
  const child: ChildProcess = spawn(mosquittoPath, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 5000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `modbus+tcp://host:port/<unit>/<address>?quantity=n` → its parts (the form layout of our TDs). */
export function parseModbusHref(href: string): { host: string; port: number; unitId: number; address: number; quantity: number } {
  const u = new URL(href);
  const [unit, address] = u.pathname.split("/").filter(Boolean);
  return { host: u.hostname, port: Number(u.port), unitId: Number(unit), address: Number(address), quantity: Number(u.searchParams.get("quantity") ?? "1") };
}
