/**
 * End to end, each part in its own process on loopback, as a user runs them: `gridthings
 * directory`, `gridthings site --directory …` and `gridthings vpp --directory …`. The VPP knows
 * the site only through the directory. Time is compressed with --speed.
 *
 * The battery that gets killed, bess-north-2, runs as a fourth process: `gridthings device bess
 * --id bess-north-2 --inverter <site's Modbus gateway>` is its controller, serving its Thing and
 * registering it with a 6 s TTL. The physics stays in the site process (one swing equation for the
 * whole area), where `--external-thing bess-north-2` keeps only its inverter: the SunSpec-style
 * registers, with a setpoint revert timer (WSetRvrtTms) the controller feeds. SIGKILL on the
 * controller is a real death: nothing deregisters, the TD expires, and the inverter falls back to
 * 0 W on its own, as a real one does when its controller goes silent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliProcess, urlOnLine } from "../support/cli.ts";
import { closePlainClient, connectPlainClient } from "../../src/modbus/plain-client.ts";
import { decodeRegister } from "../../src/modbus/register-codec.ts";
import { findRegister } from "../../src/modbus/register-map.ts";
import { loadRegisterMap } from "../../src/modbus/register-map-file.ts";
import { freePort } from "../support/ports.ts";
import { findBinary } from "../support/external-clients.ts";
import { until } from "../support/until.ts";

interface Status {
  lastDecision?: unknown;
  simTime?: string | null;
  frequencyHz: number | null;
  steps: number;
  timeouts: number;
  mode: string;
  fleetCommandW: number;
  ensemble: Record<string, number>;
  batteries: Array<{ id: string; active: boolean; targetW: number | null }>;
  metering: { meters: number; connected: boolean; reconnects: number } | null;
}

const SMALL = "tds/sites/small.site.json";


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

/** The setpoint the site's inverter of a battery holds, read from its Modbus registers (kW). */
async function inverterSetpointKw(modbus: string, unitId: number): Promise<number> {
  const [host, port] = modbus.split(":") as [string, string];
  const register = findRegister(await loadRegisterMap("bess-sunspec.map.json"), "ActivePowerSetpoint");
  const client = await connectPlainClient(host, Number(port), unitId);
  try {
    return decodeRegister(register, (await client.readHoldingRegisters(register.address, 2)).data);
  } finally {
    await closePlainClient(client);
  }
}

async function startStack(dataDir: string, siteArgs: string[], vppArgs: string[], ownProcess?: { battery: string; ttl: string }) {
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
    const modbus = /^Modbus TCP\s+(\S+)/m.exec(site.stdout)?.[1] ?? "";
    let battery: CliProcess | undefined;
    if (ownProcess) {
      battery = new CliProcess(["device", "bess", "--id", ownProcess.battery, "--inverter", modbus, "--directory", frontDoor, "--things-port", "0", "--site", SMALL, "--data-dir", dataDir, "--ttl", ownProcess.ttl, ...siteArgs.filter((a, i, all) => a === "--speed" || all[i - 1] === "--speed")]);
      started.push(battery);
      await battery.waitFor("bess controller running.");
    }
    const vpp = new CliProcess(["vpp", "--directory", frontDoor, "--port", "0", "--site", SMALL, "--data-dir", dataDir, ...vppArgs]);
    started.push(vpp);
    await vpp.waitFor("Directory ");
    const vppUrl = mustUrl(vpp, "VPP  ").replace(/\/vpp$/, "");
    return { directory, site, battery, vpp, frontDoor, things, modbus, vppUrl };
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
    stack = await startStack(dataDir, ["--mqtt-port", "0", "--speed", "10", "--ttl", "600", "--external-thing", "bess-north-2"], ["--control-ms", "200", "--metering", "off"], { battery: "bess-north-2", ttl: "6" });
  }, 90_000);

  afterAll(async () => {
    const codes = [];
    await stack?.battery?.stop("SIGKILL");
    for (const p of [stack?.vpp, stack?.site, stack?.directory]) if (p) codes.push(await p.stop("SIGTERM"));
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes.every((c) => c === 0)).toBe(true);
  }, 30_000);

  it("a load step drives the frequency below 59.98 Hz, batteries are dispatched, and it returns inside ±0.02 Hz; a battery process killed mid-run expires from the directory and its share moves to the others", async () => {
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

    // Kill bess-north-2's controller process (SIGKILL: no deregistration, no goodbye).
    const before = await status();
    const victim = before.batteries.find((b) => b.id.endsWith(":bess-north-2"))!;
    expect(victim.active).toBe(true);
    expect(victim.targetW ?? 0).toBeGreaterThan(0);
    expect(await inverterSetpointKw(stack.modbus, 2)).toBeGreaterThan(0);
    const othersBefore = before.batteries.filter((b) => b.id !== victim.id).reduce((s, b) => s + (b.targetW ?? 0), 0);
    const tdUrl = `${stack.frontDoor}/things/${encodeURIComponent(victim.id)}`;
    expect((await fetch(tdUrl, { headers: { authorization: `Bearer ${operator}` } })).status).toBe(200);
    expect(await stack.battery!.stop("SIGKILL")).toBeNull();
    // The inverter, its controller gone silent, falls back to 0 W by itself.
    await until("the inverter's setpoint to revert to 0 W", async () => ((await inverterSetpointKw(stack.modbus, 2)) === 0 ? true : undefined), 20_000);
    // The TD expires from the directory when its TTL passes (6 s, refreshed at half; purged on read).
    await until("the TD to expire from the directory", async () => ((await fetch(tdUrl, { headers: { authorization: `Bearer ${operator}` } })).status === 404 ? true : undefined), 30_000);
    // The VPP drops it without a restart, and the two others take its share.
    // (A probe that throws says what it saw: the timeout message carries the last of it.)
    const after = await until("the battery to leave the ensemble and its share to move", async () => {
      const s = await status();
      if (s.ensemble.battery !== 2) throw new Error(`the ensemble has ${s.ensemble.battery} batteries: ${s.batteries.map((b) => b.id).join(", ")}`);
      const others = s.batteries.reduce((sum, b) => sum + (b.targetW ?? 0), 0);
      const want = othersBefore + 0.8 * (victim.targetW ?? 0);
      if (others <= want) throw new Error(`the others' targets sum to ${others} W, want above ${want} W (before ${othersBefore} W, victim ${victim.targetW} W); simTime ${s.simTime}, f=${s.frequencyHz} Hz, mode ${s.mode}, fleet ${s.fleetCommandW} W, steps ${s.steps}, timeouts ${s.timeouts}; batteries ${JSON.stringify(s.batteries)}; last decision ${JSON.stringify(s.lastDecision)}; last dispatches:\n${stack.vpp.stdout.split("\n").filter((l) => /dispatch|ensemble/.test(l)).slice(-6).join("\n")}`);
      return s;
    }, 60_000);
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
  }, 240_000);
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
