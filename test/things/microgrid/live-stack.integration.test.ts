/**
 * The `gridthings start` path in one process, every port 0, on the small site: front door with
 * periodic rebalancing, the site, the orchestrator Things registered in the directory, and the
 * live telemetry bridge reading the site's Things over WoT. The demo microgrid gets measured
 * telemetry for its feeders, battery and PV, defers its first scheduled cycle until that telemetry
 * arrived (no REJECTED cycle at start-up), completes cycles with an outcome and reason codes, and
 * writes their allocations back to the charge points (audited).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSettings } from "../../../src/config/options.ts";
import { loadTokens, startFrontDoor, startLiveTelemetry, startOrchestrator, startSite, tokenFor, type Stopper } from "../../../src/cli/stack.ts";
import type { StoredRecord } from "../../../src/microgrid-api/storage/storage-port.ts";
import type { MicrogridService } from "../../../src/microgrid-api/service.ts";
import type { LiveSite } from "../../../things/microgrid/live-site.ts";
import { cycleLine } from "../../../things/microgrid/live-site.ts";
import { REASON_CODE_PRECEDENCE } from "../../../src/microgrid/types.ts";
import { until } from "../../support/until.ts";

const MG = "mg-depot-north-1";


describe("live demo stack: site telemetry → microgrid cycles", () => {
  let dir: string;
  const stoppers: Stopper[] = [];
  let service: MicrogridService;
  let live: LiveSite;
  let frontDoor: string;
  const records: StoredRecord[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gridthings-live-"));
    const settings = resolveSettings(
      { port: "0", thingsPort: "0", orchestratorPort: "0", coapPort: "0", mqttPort: "0", modbusPort: "0", meterModbusPort: "0", speed: "20", site: "tds/sites/small.site.json", dataDir: dir },
      {},
    );
    const tokens = await loadTokens(settings);
    const door = await startFrontDoor(settings, tokens.table, { rebalanceIntervalMs: 500 });
    stoppers.push(door);
    frontDoor = door.url;
    service = door.microgrid.service();
    service.onEvent((r) => void records.push(r));
    const directory = { url: door.url, token: tokenFor(tokens.entries, "device") as string };
    const runtime = await startSite(settings, tokens.table, { directory });
    stoppers.push(runtime);
    stoppers.push(await startOrchestrator(settings, tokens.table, service, { mqttUrl: runtime.mqttUrl ?? null, directory }));
    live = await startLiveTelemetry(settings, service, runtime);
    stoppers.push(live);
  }, 60_000);

  afterAll(async () => {
    for (const s of stoppers.reverse()) await s.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("feeds measured telemetry for the feeders' meter sums, grid connections, battery and PV", async () => {
    expect(live.feeds.map((f) => f.bridgePlan?.microgrid_id)).toEqual([MG]);
    const wanted = ["bess-north-1", "gc-f-n1a", "gc-f-n1b", "load-f-n1a", "load-f-n1b", "pv-north-1"];
    const telemetry = await until("telemetry of every mapped node", () => {
      const t = service.latestTelemetry(MG);
      return wanted.every((id) => t.some((r) => r.node_id === id)) ? t : undefined;
    });
    for (const r of telemetry.filter((x) => wanted.includes(x.node_id))) expect(Number.isFinite(r.measured_demand_watts)).toBe(true);
    const pv = telemetry.find((r) => r.node_id === "pv-north-1");
    expect(pv?.measured_demand_watts).toBeLessThanOrEqual(0); // generation is negative demand
  });

  it("completes periodic cycles on that telemetry with an outcome and reason codes in the seed's order", async () => {
    const measuredFrom = service.latestTelemetry(MG).find((r) => r.node_id === "load-f-n1a")?.observed_at as string;
    const record = await until("a cycle after live telemetry", () => records.find((r) => r.type === "microgrid.cycle_completed" && r.microgrid_id === MG && r.at >= measuredFrom));
    const cycle = service.lastCycles(MG, 1)[0];
    expect(cycle).toBeDefined();
    // every node, the charge points and connectors included, has a live source: real allocations
    expect(["APPLIED", "CURTAILED"]).toContain(cycle?.outcome);
    const ranks = (cycle?.reason_codes ?? []).map((c) => (REASON_CODE_PRECEDENCE as readonly string[]).indexOf(c));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(cycle?.audit.source).toBe("ScheduledEventRebalancePeriodic");
    const fallback = cycle?.audit.demand.filter((d) => d.source_mode === "FALLBACK_DERIVED").map((d) => d.node_id) ?? [];
    for (const id of ["load-f-n1a", "load-f-n1b", "bess-north-1", "pv-north-1", "gc-f-n1a", "gc-f-n1b", "cp-a2", "cp-a3", "cp-b1", "cp-b2", "con-a1-1", "con-a1-2"]) expect(fallback).not.toContain(id);
    expect(cycle?.reason_codes).not.toContain("TELEMETRY_STALE_FALLBACK_USED");
    expect(cycleLine(record)).toMatch(new RegExp(`^cycle \\S+ ${MG} (APPLIED|CURTAILED|REJECTED) \\[`));
  });

  it("defers the first scheduled cycle until the site's first telemetry: no cycle at start-up is REJECTED", async () => {
    await until("a completed cycle", () => records.find((r) => r.type === "microgrid.cycle_completed" && r.microgrid_id === MG));
    const first = records.findIndex((r) => r.type === "microgrid.cycle_completed" && r.microgrid_id === MG);
    const deferred = records.findIndex((r) => r.type === "scheduler.rebalance_deferred" && r.microgrid_id === MG);
    expect(deferred).toBeGreaterThanOrEqual(0); // the scheduler ticked before the site had reported
    expect(deferred).toBeLessThan(first);
    expect((records[first]?.payload as { outcome: string }).outcome).not.toBe("REJECTED");
    expect(cycleLine(records[deferred] as StoredRecord)).toMatch(new RegExp(`^cycle \\S+ ${MG} deferred: awaiting the first telemetry of \\d+ node\\(s\\)`));
  });

  it("writes each cycle's allocations back to the charge points with the operator token, audited", async () => {
    expect(live.writers.map((w) => w.allocationTargets.map((t) => t.node_id))).toEqual([["con-a1-1", "con-a1-2", "cp-a2", "cp-a3", "cp-b1", "cp-b2"]]);
    const ok = await until("an allocation written from a cycle", () => {
      const done = service.stream("allocation_writes", { microgrid_id: MG }).filter((r) => r.type === "microgrid.allocation_write_completed" && ["CYCLE_APPLIED", "CYCLE_CURTAILED"].includes(String(r.payload.trigger)));
      return done.length > 0 ? done : undefined;
    });
    expect(ok.every((r) => r.payload.result === "OK")).toBe(true);
  });

  it("registers the orchestrator's TD in the directory", async () => {
    const res = await fetch(new URL(`things/${encodeURIComponent(`urn:gridthings:microgrid:${MG}`)}`, frontDoor));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { title: string }).title).toBe(`microgrid-${MG}`);
  });
});
