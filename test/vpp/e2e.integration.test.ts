/**
 * End to end, each part in its own process on loopback, as a user runs them: `gridthings
 * directory`, `gridthings site --directory …` and `gridthings vpp --directory …`. The VPP knows
 * the site only through the directory. Time is compressed with --speed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliProcess, urlOnLine } from "../support/cli.ts";
import { freePort } from "../support/ports.ts";
import { findBinary } from "../support/external-clients.ts";

interface Status {
  frequencyHz: number | null;
  mode: string;
  fleetCommandW: number;
  ensemble: Record<string, number>;
  batteries: Array<{ id: string; active: boolean; targetW: number | null }>;
  metering: { meters: number; connected: boolean; reconnects: number } | null;
}

const SMALL = "tds/sites/small.site.json";

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

function tokenOf(dataDir: string, role: string): string {
  const file = JSON.parse(readFileSync(join(dataDir, "tokens.json"), "utf8")) as { tokens: Array<{ token: string; roles: string[] }> };
  return (file.tokens.find((t) => t.roles.includes(role)) as { token: string }).token;
}

async function json<T>(url: string, token?: string): Promise<T> {
  const r = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

async function physicsHz(thingsUrl: string): Promise<number> {
  return (await json<{ frequencyHz: number }>(`${thingsUrl}/sim-control/properties/physics`)).frequencyHz;
}

function mustUrl(p: CliProcess, label: string): string {
  const url = urlOnLine(p.stdout, label);
  if (!url) throw new Error(`no "${label}" URL in: ${p.stdout}`);
  return url;
}

async function startStack(dataDir: string, siteArgs: string[], vppArgs: string[]) {
  const started: CliProcess[] = [];
  try {
    const directory = new CliProcess(["directory", "--port", "0", "--orchestrator-port", "0", "--data-dir", dataDir]);
    started.push(directory);
    await directory.waitFor("/.well-known/wot");
    const frontDoor = mustUrl(directory, "Front door").replace(/\/$/, "");
    const site = new CliProcess(["site", "--directory", frontDoor, "--things-port", "0", "--coap-port", "0", "--modbus-port", "0", "--meter-modbus-port", "0", "--site", SMALL, "--data-dir", dataDir, ...siteArgs]);
    started.push(site);
    await site.waitFor("Simulation ");
    const things = mustUrl(site, "Device Things").replace(/\/<thing>$/, "");
    const vpp = new CliProcess(["vpp", "--directory", frontDoor, "--port", "0", "--site", SMALL, "--data-dir", dataDir, ...vppArgs]);
    started.push(vpp);
    await vpp.waitFor("Directory ");
    const vppUrl = mustUrl(vpp, "VPP  ").replace(/\/vpp$/, "");
    return { directory, site, vpp, frontDoor, things, vppUrl };
  } catch (e) {
    // No process left behind when start-up fails half way.
    for (const p of started.reverse()) await p.stop("SIGTERM");
    throw e;
  }
}

describe("VPP end to end: directory, site and VPP in separate processes", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "vpp-e2e-"));
  let stack: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    stack = await startStack(dataDir, ["--mqtt-port", "0", "--speed", "10", "--ttl", "600"], ["--control-ms", "200", "--metering", "off"]);
  }, 60_000);

  afterAll(async () => {
    const codes = [];
    for (const p of [stack?.vpp, stack?.site, stack?.directory]) if (p) codes.push(await p.stop("SIGTERM"));
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes.every((c) => c === 0)).toBe(true);
  }, 30_000);

  it("a load step drives the frequency below 59.98 Hz, batteries are dispatched, and it returns inside ±0.02 Hz; a killed battery's share moves to the others", async () => {
    const status = () => json<Status>(`${stack.vppUrl}/vpp/status`);
    await until("the ensemble", async () => {
      const s = await status();
      return s.ensemble.battery === 3 && s.frequencyHz !== null ? s : undefined;
    }, 20_000);
    const operator = tokenOf(dataDir, "operator");
    const act = (action: string, body: unknown) =>
      fetch(`${stack.things}/sim-control/actions/${action}`, { method: "POST", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await act("injectLoadStep", { powerW: 100_000 })).status).toBeLessThan(300);

    await until("the frequency below 59.98 Hz", async () => ((await physicsHz(stack.things)) < 59.98 ? true : undefined), 10_000);
    const dispatched = await until("a dispatch", async () => {
      const s = await status();
      return s.fleetCommandW > 50_000 ? s : undefined;
    }, 15_000);
    expect(dispatched.batteries.filter((b) => (b.targetW ?? 0) > 0).length).toBe(3);
    // Back inside the band and staying there for several samples.
    let inside = 0;
    await until("the frequency back inside ±0.02 Hz", async () => {
      inside = Math.abs((await physicsHz(stack.things)) - 60) <= 0.02 ? inside + 1 : 0;
      return inside >= 5 ? true : undefined;
    }, 30_000);
    expect(stack.vpp.stdout).toMatch(/vpp dispatch .* f=59\.\d+ Hz → fleet/);

    // Every command is in the object memory, authorized and audited.
    const commands = await json<Array<{ thingId: string; body: { subject: string; affordance: string; sequence: number } }>>(`${stack.vppUrl}/vpp/memory?kind=command`, operator);
    expect(commands.filter((c) => c.body.affordance === "target_output_kw").length).toBeGreaterThanOrEqual(3);
    expect(commands.every((c) => c.body.subject === "operator")).toBe(true);
    // The orchestrator's balancing cycle is run again after the dispatch (grid balancing).
    expect(commands.some((c) => c.body.affordance === "rebalance")).toBe(true);
    expect((await fetch(`${stack.vppUrl}/vpp/memory?kind=command`)).status).toBe(401);

    // Kill bess-north-2: it stops delivering and its TD leaves the directory (what TTL expiry does).
    const before = await status();
    const victim = before.batteries.find((b) => b.id.endsWith(":bess-north-2"))!;
    const othersBefore = before.batteries.filter((b) => b.id !== victim.id).reduce((s, b) => s + (b.targetW ?? 0), 0);
    expect((await act("injectDeviceFault", { deviceId: "bess-north-2", code: "KILLED", critical: false })).status).toBeLessThan(300);
    const writer = tokenOf(dataDir, "writer");
    expect((await fetch(`${stack.frontDoor}/things/${encodeURIComponent(victim.id)}`, { method: "DELETE", headers: { authorization: `Bearer ${writer}` } })).status).toBe(204);
    const after = await until("the battery to leave the ensemble and its share to move", async () => {
      const s = await status();
      if (s.ensemble.battery !== 2) return undefined;
      const others = s.batteries.reduce((sum, b) => sum + (b.targetW ?? 0), 0);
      return others > othersBefore + 0.8 * (victim.targetW ?? 0) ? s : undefined;
    }, 20_000);
    expect(after.batteries.map((b) => b.id)).not.toContain(victim.id);
    inside = 0;
    await until("the frequency inside ±0.02 Hz without the killed battery", async () => {
      inside = Math.abs((await physicsHz(stack.things)) - 60) <= 0.02 ? inside + 1 : 0;
      return inside >= 5 ? true : undefined;
    }, 30_000);
    expect(stack.vpp.stdout).toContain("ensemble  battery bess-north-2 left");

    // The VPP is a Thing too: found in the directory by its type, read through its TD's forms.
    const tds = await json<Array<{ "@type": string[]; properties: Record<string, { forms: Array<{ href: string }> }> }>>(`${stack.frontDoor}/things`);
    const vppTd = tds.find((t) => t["@type"].includes("gt:VirtualPowerPlant"));
    expect(vppTd).toBeDefined();
    const regulation = await json<{ mode: string; activeBatteries: number }>(vppTd!.properties.regulation!.forms[0]!.href);
    expect(regulation.activeBatteries).toBe(2);
  }, 120_000);
});

describe("VPP end to end: a broker restart loses no billing interval", () => {
  let mosquitto: string | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "vpp-e2e-broker-"));
  let broker: ChildProcess | undefined;
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let port = 0;

  const startBroker = async () => {
    writeFileSync(join(dataDir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dataDir}/\nmax_queued_messages 100000\nmax_inflight_messages 1000\n`);
    broker = spawn(mosquitto as string, ["-c", join(dataDir, "mosquitto.conf")], { stdio: "ignore" });
    await until("mosquitto", async () => {
      const { connect } = await import("node:net");
      return new Promise<true | undefined>((resolve) => {
        const s = connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
        s.on("error", () => resolve(undefined));
      });
    }, 10_000);
  };
  const stopBroker = async () => {
    const b = broker;
    broker = undefined;
    if (!b || b.exitCode !== null) return;
    const exited = new Promise((r) => b.once("exit", r));
    b.kill("SIGTERM");
    await exited;
  };

  beforeAll(async () => {
    mosquitto = await findBinary("mosquitto", "/usr/sbin/mosquitto");
    if (!mosquitto) return;
    port = await freePort();
    await startBroker();
    stack = await startStack(dataDir, ["--mqtt-url", `mqtt://127.0.0.1:${port}`, "--speed", "100", "--ttl", "600"], ["--control-ms", "500"]);
  }, 60_000);

  afterAll(async () => {
    for (const p of [stack?.vpp, stack?.site, stack?.directory]) if (p) await p.stop("SIGTERM");
    await stopBroker();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("every 15-minute interval of a meter is billed across the restart", async (ctx) => {
    if (!mosquitto || !stack) return ctx.skip("mosquitto is not installed");
    const s = stack;
    const operator = tokenOf(dataDir, "operator");
    const status = () => json<Status>(`${s.vppUrl}/vpp/status`);
    await until("the meter stream", async () => ((await status()).metering?.connected ? true : undefined), 30_000);
    const meter = "meter-f-n1a-0001";
    const csv = async () => {
      const day = ((await status()) as unknown as { simTime: string }).simTime.slice(0, 10);
      const r = await fetch(`${s.vppUrl}/vpp/billing/${meter}/${day}.csv`, { headers: { authorization: `Bearer ${operator}` } });
      expect(r.status).toBe(200);
      return (await r.text()).trim().split("\n").slice(1).map((l) => l.split(","));
    };
    // Two intervals billed, then the broker goes down for ~3 simulated minutes and comes back.
    await until("two billed intervals", async () => ((await csv()).length >= 2 ? true : undefined), 40_000);
    await stopBroker();
    await new Promise((r) => setTimeout(r, 2000));
    await startBroker();
    const rows = await until("two more intervals after the restart", async () => {
      const r = await csv();
      return r.length >= 5 ? r : undefined;
    }, 60_000);
    const originals = rows.filter((r) => r[5] === "original").map((r) => [Date.parse(r[1] as string), Date.parse(r[2] as string)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < originals.length; i++) expect(originals[i]![0]).toBe(originals[i - 1]![1]);
    expect((await status()).metering?.reconnects ?? 0).toBeGreaterThanOrEqual(1);
    // The load aggregates are published as a Thing, registered in the directory.
    const reader = tokenOf(dataDir, "reader");
    const tds = await json<Array<{ title: string; properties: Record<string, { forms: Array<{ href: string }> }> }>>(`${s.frontDoor}/things`, reader);
    const agg = tds.find((t) => t.title === "load-aggregation");
    expect(agg).toBeDefined();
    expect(typeof (await json<number>(agg!.properties.totalDemand!.forms[0]!.href))).toBe("number");
  }, 150_000);
});
