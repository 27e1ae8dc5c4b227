import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ALL_PORTS_FREE, PROJECT_ROOT, runCli } from "../support/cli.ts";

describe("gridthings refuses bad input with exit code 2 and a clear message", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gridthings-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // One case per kind of check; every kind's bad values are in test/config/options.test.ts.
  it.each([
    [["start", "--speed", "0"], "--speed", "CONFIG_INVALID"],
    [["start", "--port", "70000"], "--port", "CONFIG_INVALID"],
    [["start", "--mqtt-url", "http://x"], "--mqtt-url", "CONFIG_INVALID"],
    [["site", "--directory", "ftp://x"], "--directory", "CONFIG_INVALID"],
  ])("%j: names the flag", async (args, flag, code) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error ${code}: ${flag} `);
    expect(run.stdout).not.toContain("running");
  });

  it("a bad environment variable: names the variable", async () => {
    const run = await runCli(["site"], { env: { GRIDTHINGS_MODBUS_PORT: "modbus" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error CONFIG_INVALID: GRIDTHINGS_MODBUS_PORT ");
  });

  it("an unknown device kind, an unknown device id, an unknown flag and an unknown command", async () => {
    const kind = await runCli(["device", "toaster"]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('unknown device kind "toaster"');
    const id = await runCli(["device", "bess", "--id", "bess-nowhere", "--site", "tds/sites/small.site.json", "--data-dir", dir, ...ALL_PORTS_FREE]);
    expect(id.code).toBe(2);
    expect(id.stderr).toContain("no bess device with id bess-nowhere");
    const flag = await runCli(["start", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    const command = await runCli(["launch"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'launch'");
  });

  it("a battery controller (--inverter) for another kind, several ids, a bad address, or a battery without Modbus", async () => {
    for (const args of [["device", "pv", "--id", "pv-north-1", "--inverter", "127.0.0.1:5502"], ["device", "bess", "--id", "bess-north-1", "bess-north-2", "--inverter", "127.0.0.1:5502"], ["device", "bess", "--id", "bess-north-2", "--inverter", "nowhere"]]) {
      const run = await runCli([...args, "--site", "tds/sites/small.site.json", "--data-dir", dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--inverter host:port goes with device kind bess and exactly one --id");
    }
    const site = await runCli(["site", "--external-thing", "pv-north-1", "--site", "tds/sites/small.site.json", "--data-dir", dir, ...ALL_PORTS_FREE]);
    expect(site.code).toBe(2);
    expect(site.stderr).toContain("error SITE_FILE_INVALID: external Thing pv-north-1");
  });

  describe("a bad site file", () => {
    const cases: Array<[string, (valid: Record<string, unknown>) => string, string, RegExp]> = [
      ["not JSON", () => '{"id": "broken",', "SITE_FILE_UNREADABLE", /not JSON/],
      ["missing fields", () => JSON.stringify({ id: "bare" }), "SITE_FILE_INVALID", /required property 'grid'/],
      [
        "a duplicate Modbus unit id",
        (valid) => {
          const batteries = (valid.batteries as Array<Record<string, unknown>>).map((b) => ({ ...b, modbusUnitId: 7 }));
          return JSON.stringify({ ...valid, batteries });
        },
        "SITE_FILE_INVALID",
        /unit id 7 is already used by bess-north-1/,
      ],
    ];
    it.each(cases)("%s", async (name, content, code, detail) => {
      const valid = JSON.parse(await readFile(join(PROJECT_ROOT, "tds/sites/small.site.json"), "utf8")) as Record<string, unknown>;
      const file = join(dir, `${name.replace(/\W+/g, "-")}.site.json`);
      await writeFile(file, content(valid));
      const run = await runCli(["start", "--site", file, "--data-dir", dir, ...ALL_PORTS_FREE]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error ${code}: ${file}`);
      expect(run.stderr).toMatch(detail);
    });

    it("a site file that does not exist", async () => {
      const run = await runCli(["site", "--site", join(dir, "nowhere.site.json"), ...ALL_PORTS_FREE]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("error SITE_FILE_UNREADABLE:");
      expect(run.stderr).toContain("ENOENT");
    });
  });
});
