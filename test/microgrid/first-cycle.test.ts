/**
 * Start-up: a scheduled cycle waits for the site's first telemetry instead of being REJECTED before
 * any reading arrived (await_first_telemetry), at most the freshness window after start.
 */
import { describe, expect, it } from "vitest";
import { MicrogridEngine } from "../../src/microgrid/engine.ts";
import { counterIds, TestClock } from "./engine-fixture.ts";
import { MG, tree } from "./fixtures.ts";

const LEAVES = ["cp1", "cp2", "cp3", "load1", "pv1"];

function engine(clock: TestClock, await_first_telemetry = true) {
  const e = new MicrogridEngine({ now: clock.now, newId: counterIds(), await_first_telemetry });
  e.writeTopology(MG, { version: 0, depot_id: "depot-test", nodes: tree(), updated_by: "test" });
  e.drain();
  return e;
}
const ingest = (e: MicrogridEngine, clock: TestClock, ids: string[]) =>
  e.ingestTelemetry(MG, ids.map((node_id) => ({ node_id, measured_demand_watts: node_id === "pv1" ? -1000 : 1000, observed_at: clock.now().toISOString() })));
const types = (e: MicrogridEngine) => e.drain().map((r) => r.type);

describe("first scheduled cycle", () => {
  it("is deferred, and says so, while measured leaves have no fresh reading", () => {
    const clock = new TestClock();
    const e = engine(clock);
    clock.advance(15);
    expect(e.scheduledRebalance({ microgrid_id: MG })).toBeNull();
    const [deferred, ...rest] = e.drain();
    expect(rest).toEqual([]);
    expect(deferred).toMatchObject({
      stream: "domain",
      type: "scheduler.rebalance_deferred",
      payload: { microgrid_id: MG, reason_code: "AWAITING_FIRST_TELEMETRY", missing_inputs: LEAVES, deferred_until: "2026-01-01T12:01:00.000Z", path: "ScheduledEventRebalancePeriodic" },
    });
    expect(e.lastCycles(MG, 1)).toEqual([]);
    ingest(e, clock, ["cp1", "cp2", "load1"]);
    expect(e.scheduledRebalance({ microgrid_id: MG })).toBeNull();
    expect(e.drain()[0]?.payload).toMatchObject({ missing_inputs: ["cp3", "pv1"] });
  });

  it("runs on measured demand as soon as every measured leaf has reported", () => {
    const clock = new TestClock();
    const e = engine(clock);
    clock.advance(5);
    ingest(e, clock, LEAVES);
    const c = e.scheduledRebalance({ microgrid_id: MG });
    expect(c?.outcome).toBe("APPLIED");
    expect(c?.audit.demand).toEqual([]); // no fallback
    expect(types(e)).not.toContain("scheduler.rebalance_deferred");
  });

  it("runs after the freshness window even with readings missing (the fallback rules then decide)", () => {
    const clock = new TestClock();
    const e = engine(clock);
    ingest(e, clock, ["cp1", "cp2"]);
    clock.advance(60);
    const c = e.scheduledRebalance({ microgrid_id: MG });
    expect(c?.outcome).toBe("REJECTED");
    expect(c?.reason_codes).toContain("TELEMETRY_INSUFFICIENT");
  });

  it("waits only once: after the first scheduled cycle a missing reading no longer defers", () => {
    const clock = new TestClock();
    const e = engine(clock);
    ingest(e, clock, LEAVES);
    expect(e.scheduledRebalance({ microgrid_id: MG })).not.toBeNull();
    clock.advance(30);
    ingest(e, clock, ["cp1"]);
    clock.advance(40); // the other leaves' readings are 70 s old now
    expect(e.scheduledRebalance({ microgrid_id: MG })).not.toBeNull();
    expect(types(e)).not.toContain("scheduler.rebalance_deferred");
  });

  it("ignores inactive nodes and childless grid connections; an operator's request is never deferred; off by default", () => {
    const clock = new TestClock();
    const e = engine(clock);
    e.writeTopology(MG, { version: 1, patch: { upsert: [{ ...tree()[2]!, status: "MAINTENANCE" }] }, updated_by: "test" });
    expect(e.awaitingFirstTelemetry(MG)?.missing).toEqual(["cp2", "cp3", "load1", "pv1"]);
    expect(e.rebalance({ microgrid_id: MG, actor: "operator", source: "POST" }).outcome).toBe("REJECTED"); // 503 as always
    const off = engine(new TestClock(), false);
    expect(off.awaitingFirstTelemetry(MG)).toBeNull();
    expect(off.scheduledRebalance({ microgrid_id: MG })?.outcome).toBe("REJECTED");
  });
});
