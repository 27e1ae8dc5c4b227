/**
 * `gridthings start` and `gridthings device` as processes: every port 0, a temporary data
 * directory, the banner's URLs answered, and a clean exit on SIGTERM and SIGINT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ALL_PORTS_FREE, CliProcess, PROJECT_ROOT, urlOnLine } from "../support/cli.ts";

const SITE = ["--site", "tds/sites/small.site.json"];

/** TD URLs of the banner's Thing lines: `  <title>   http://…/<title>   [protocols]`. */
function tdUrls(stdout: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const m of stdout.matchAll(/^ {2}(\S+)\s+(http:\/\/\S+)\s+\[([^\]]*)\]$/gm)) urls.set(m[1]!, m[2]!);
  return urls;
}

describe("gridthings start with every port 0", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gridthings-start-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(["SIGTERM", "SIGINT"] as const)("prints where everything is, answers HTTP, and on %s exits 0 printing \"stopped\"", async (signal) => {
    const cli = new CliProcess(["start", ...ALL_PORTS_FREE, ...SITE, "--speed", "10", "--data-dir", join(dir, signal)]);
    try {
      await cli.waitFor("Ctrl-C stops.");
      const frontDoor = urlOnLine(cli.stdout, "Front door");
      expect(frontDoor).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(frontDoor).not.toContain(":8080/");
      expect(urlOnLine(cli.stdout, "MQTT broker")).toMatch(/^mqtt:\/\/127\.0\.0\.1:[1-9]\d*$/);
      expect(cli.stdout).toMatch(/^Modbus TCP\s+127\.0\.0\.1:[1-9]\d*\s/m);
      expect(cli.stdout).toMatch(/^Grid meter\s+Modbus stand-in on 127\.0\.0\.1:[1-9]\d*,/m);
      expect(cli.stdout).toMatch(/^Tokens\s+\S+tokens\.json/m);

      const things = tdUrls(cli.stdout);
      const site = JSON.parse(await readFile(join(PROJECT_ROOT, "tds/sites/small.site.json"), "utf8")) as Record<string, unknown>;
      const deviceIds = ["batteries", "pv", "wind"].flatMap((k) => ((site[k] as Array<{ id: string }> | undefined) ?? []).map((d) => d.id));
      expect([...things.keys()]).toEqual(expect.arrayContaining([...deviceIds, "weather", "sim-control", "grid-meter", "meter-f-n1a-0001", "meter-f-s1c-0002"]));
      expect([...things.keys()].filter((t) => t.startsWith("meter-"))).toHaveLength(12);
      // every "<kind> (n):" heading counts the TD lines under it
      const headed = [...cli.stdout.matchAll(/^[a-z-]+ \((\d+)\):$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(things.size).toBe(headed);
      const td = await fetch(things.get("bess-north-1")!);
      expect(td.status).toBe(200);
      expect(((await td.json()) as { title: string }).title).toBe("bess-north-1");
      const directory = await fetch(new URL("things", frontDoor));
      expect(directory.status).toBe(200);
      const wellKnown = await fetch(new URL(".well-known/wot", frontDoor));
      expect(wellKnown.status).toBe(200);
    } finally {
      const code = await cli.stop(signal);
      expect(code, `exit code after ${signal} (undefined = hung and was killed); stderr: ${cli.stderr}`).toBe(0);
    }
    expect(cli.stdout.trimEnd().endsWith("stopped")).toBe(true);
  });

  it("device bess --id bess-north-1 runs that one battery only", async () => {
    const cli = new CliProcess(["device", "bess", "--id", "bess-north-1", ...ALL_PORTS_FREE, ...SITE, "--data-dir", join(dir, "device")]);
    try {
      await cli.waitFor("bess (1):");
      await cli.waitFor("bess-north-1");
      expect(cli.stdout).toContain("bess running.");
      expect(cli.stdout).not.toContain("Front door");
      const things = tdUrls(cli.stdout);
      expect([...things.keys()]).toEqual(["bess-north-1"]);
      const td = (await (await fetch(things.get("bess-north-1")!)).json()) as { properties: Record<string, { forms: Array<{ href: string }> }> };
      expect(td.properties.stateOfCharge!.forms.some((f) => f.href.startsWith("modbus+tcp://127.0.0.1:"))).toBe(true);
      const other = await fetch(things.get("bess-north-1")!.replace("bess-north-1", "bess-north-2"));
      expect(other.status).toBe(404);
    } finally {
      expect(await cli.stop("SIGTERM")).toBe(0);
    }
    expect(cli.stdout).toContain("stopped");
  });
});
