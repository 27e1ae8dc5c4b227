import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/options.ts";
import { DEVICE_KINDS } from "../../src/site/runtime.ts";
import { cleanEnv, PROJECT_ROOT, runCli } from "../support/cli.ts";

describe("gridthings --help", () => {
  it("lists the commands and every environment variable with its flag", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["start", "site", "directory", "device"]) expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    for (const kind of DEVICE_KINDS) expect(run.stdout).toContain(kind);
    for (const s of SETTINGS) expect(run.stdout).toMatch(new RegExp(`${s.env}\\s+${s.flag}\\b`));
  });

  it("start --help lists every flag with its default and environment variable", async () => {
    const run = await runCli(["start", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: gridthings start");
    const flat = run.stdout.replace(/\s+/g, " ");
    for (const s of SETTINGS) {
      expect(flat).toContain(`${s.flag} <`);
      expect(flat).toContain(`env ${s.env}`);
      if (s.default !== undefined) expect(flat).toContain(`default ${s.default}`);
    }
  });

  it("device --help names the device kinds", async () => {
    const run = await runCli(["device", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--id <id...>");
    for (const kind of DEVICE_KINDS) expect(run.stdout).toContain(kind);
  });

  it("output piped into a reader that is gone (| head -0): a quiet exit 0, no EPIPE stack", async () => {
    const child = spawn(process.execPath, ["src/cli/bin.mjs", "depot-sim", "--list"], { cwd: PROJECT_ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.destroy(); // the reader is gone before the first line
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
  });
});
