import { describe, expect, it } from "vitest";
import type { OperatingEnvelopeSubmission } from "../../src/microgrid/types.ts";
import { MG } from "./fixtures.ts";
import { engineWithTree } from "./engine-fixture.ts";

const sub = (over: Partial<OperatingEnvelopeSubmission> = {}): OperatingEnvelopeSubmission => ({
  microgrid_id: MG, node_id: "gc1", envelope_type: "OVERRIDE", constraint_type: "CONSUMPTION_CAP",
  effective_from: "2026-01-01T13:00:00Z", effective_to: "2026-01-01T15:00:00Z", source_ref: "ref-1",
  blocks: [
    { block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", target_watts: 30000 },
    { block_from: "2026-01-01T14:00:00Z", block_to: "2026-01-01T15:00:00Z", target_watts: 20000 },
  ],
  ...over,
});

describe("operating envelope lifecycle", () => {
  it("PENDING → ACTIVE → EXPIRED at the scheduled boundaries, block values projected", () => {
    const { engine, clock } = engineWithTree();
    const { envelope } = engine.submitEnvelope(sub());
    expect(envelope.status).toBe("PENDING");
    expect(engine.nextLifecycleInstant()?.toISOString()).toBe("2026-01-01T13:00:00.000Z");
    engine.drain();
    clock.set("2026-01-01T13:00:00Z");
    engine.evaluateLifecycle();
    expect(engine.envelope(envelope.envelope_id).status).toBe("ACTIVE");
    expect(engine.effectiveCircuitCapacities(MG).find((c) => c.circuit_id === "asset-gc1")?.effective_capacity_watts).toBe(30000);
    const events = engine.drain().map((e) => `${e.stream}:${e.type}`);
    expect(events).toContain("envelope_lifecycle:ACTIVE");
    expect(events).toContain("domain:microgrid.operating_envelope_lifecycle_evaluated");
    expect(events).toContain("domain:compatibility.effective_circuit_capacity_changed");
    clock.set("2026-01-01T14:00:00Z");
    engine.evaluateLifecycle();
    expect(engine.effectiveCircuitCapacities(MG).find((c) => c.circuit_id === "asset-gc1")?.effective_capacity_watts).toBe(20000);
    clock.set("2026-01-01T15:00:00Z");
    engine.evaluateLifecycle();
    expect(engine.envelope(envelope.envelope_id).status).toBe("EXPIRED");
    // baseline restored deterministically
    const cap = engine.effectiveCircuitCapacities(MG).find((c) => c.circuit_id === "asset-gc1");
    expect(cap?.effective_capacity_watts).toBe(50000);
    expect(cap?.constraint_ref).toBe("circuit_default:asset-gc1");
    expect(engine.nextLifecycleInstant()).toBeNull();
  });

  it("reads never mutate lifecycle state (FR-032)", () => {
    const { engine, clock } = engineWithTree();
    const { envelope } = engine.submitEnvelope(sub());
    clock.set("2026-01-01T13:30:00Z");
    engine.activeEnvelopes(MG);
    engine.status(MG);
    expect(engine.envelope(envelope.envelope_id).status).toBe("PENDING");
  });

  it("is idempotent by source_ref; different content under the same ref is a 409", () => {
    const { engine } = engineWithTree();
    const a = engine.submitEnvelope(sub());
    const b = engine.submitEnvelope(sub());
    expect(b.duplicate).toBe(true);
    expect(b.envelope.envelope_id).toBe(a.envelope.envelope_id);
    expect(() => engine.submitEnvelope(sub({ node_id: "gc2" }))).toThrow(/source_ref/);
  });

  const bad: Array<[string, Partial<OperatingEnvelopeSubmission>, string]> = [
    ["window reversed", { effective_from: "2026-01-01T16:00:00Z" }, "WINDOW_FROM_BEFORE_TO"],
    ["block outside window", { blocks: [{ block_from: "2026-01-01T12:00:00Z", block_to: "2026-01-01T14:00:00Z", target_watts: 1 }] }, "BLOCK_INSIDE_WINDOW"],
    ["overlapping blocks", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:30:00Z", target_watts: 1 }, { block_from: "2026-01-01T14:00:00Z", block_to: "2026-01-01T15:00:00Z", target_watts: 1 }] }, "BLOCKS_ORDERED_WITHOUT_OVERLAP"],
    ["empty block", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z" }] }, "BLOCK_HAS_A_VALUE"],
    ["min above max", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", min_limit_watts: 5, max_limit_watts: 1 }] }, "BLOCK_MIN_NOT_ABOVE_MAX"],
    ["unknown node", { node_id: "ghost" }, "TARGET_NODE_EXISTS"],
    ["unknown origin control point", { origin_control_point_id: "cp-x" }, "ORIGIN_CONTROL_POINT_EXISTS"],
    ["window in the past", { effective_from: "2025-01-01T00:00:00Z", effective_to: "2025-01-01T01:00:00Z", blocks: [{ block_from: "2025-01-01T00:00:00Z", block_to: "2025-01-01T01:00:00Z", target_watts: 1 }] }, "WINDOW_NOT_IN_PAST"],
  ];
  for (const [name, over, rule] of bad) {
    it(`keeps an invalid envelope as REJECTED (${name})`, () => {
      const { engine } = engineWithTree();
      const { envelope } = engine.submitEnvelope(sub({ ...over, source_ref: `bad-${name}` }));
      expect(envelope.status).toBe("REJECTED");
      expect(envelope.rejection_reason).toBe(rule);
      expect(engine.drain().some((e) => e.stream === "envelope_lifecycle" && e.type === "REJECTED")).toBe(true);
    });
  }

  it("withdrawal restores the baseline and is audited in the lifecycle stream", () => {
    const { engine, clock } = engineWithTree();
    const { envelope } = engine.submitEnvelope(sub());
    clock.set("2026-01-01T13:10:00Z");
    engine.evaluateLifecycle();
    engine.withdrawEnvelope(envelope.envelope_id, "op");
    const changed = engine.projectAfterEnvelopeChange(MG);
    expect(changed.map((c) => [c.circuit_id, c.effective_capacity_watts, c.projection_trigger])).toEqual([["asset-gc1", 50000, "ENVELOPE_CHANGE"]]);
    expect(engine.drain().filter((e) => e.stream === "envelope_lifecycle").map((e) => e.type)).toContain("WITHDRAWN");
    expect(() => engine.withdrawEnvelope("nope", "op")).toThrow(/envelope/);
  });
});

describe("forecast source health, fallback and gap policy (FR-030, FR-031)", () => {
  const forecast = (type: "FORECAST" | "FALLBACK", ref: string, watts: number, node_id = "gc1", from = "2026-01-01T12:00:00Z", to = "2026-01-01T13:00:00Z") =>
    sub({ envelope_type: type, source_ref: ref, node_id, effective_from: from, effective_to: to, blocks: [{ block_from: from, block_to: to, target_watts: watts }] });

  it("healthy source: the forecast value; stale: the fallback; stale without fallback: fail-safe", () => {
    const { engine, clock } = engineWithTree();
    engine.reportForecastSource(MG, "gc1", { last_heartbeat_at: "2026-01-01T12:00:00Z", stale_after_seconds: 60 });
    engine.submitEnvelope(forecast("FORECAST", "f1", 25000));
    engine.submitEnvelope(forecast("FALLBACK", "fb1", 15000, "gc1", "2026-01-01T12:00:00Z", "2026-01-01T12:30:00Z"));
    engine.evaluateLifecycle();
    const cap = () => engine.getEffectiveCircuitCapacity("asset-gc1");
    expect(cap().effective_capacity_watts).toBe(25000);
    clock.advance(120); // heartbeat now 2 minutes old → STALE
    expect(cap()).toMatchObject({ effective_capacity_watts: 15000, forecast_source_state: "STALE", projection_trigger: "REBALANCE_GUARD" });
    clock.set("2026-01-01T12:40:00Z"); // fallback ended
    expect(cap()).toMatchObject({ effective_capacity_watts: 10000, constraint_ref: "circuit_fail_safe:asset-gc1" });
    engine.reportForecastSource(MG, "gc1", { last_heartbeat_at: "2026-01-01T12:40:00Z" });
    expect(cap().effective_capacity_watts).toBe(25000);
    engine.reportForecastSource(MG, "gc1", { offline_at: "2026-01-01T12:40:00Z" });
    expect(cap().forecast_source_state).toBe("OFFLINE");
  });

  it("healthy source with no active block: gap policy (default capacity, or fail-safe when configured)", () => {
    const { engine, clock } = engineWithTree();
    engine.submitEnvelope(forecast("FORECAST", "f1", 25000, "gc1", "2026-01-01T13:00:00Z", "2026-01-01T14:00:00Z"));
    engine.submitEnvelope(forecast("FORECAST", "f2", 25000, "gc2", "2026-01-01T13:00:00Z", "2026-01-01T14:00:00Z"));
    expect(engine.getEffectiveCircuitCapacity("asset-gc1")).toMatchObject({ effective_capacity_watts: 50000, constraint_ref: "circuit_default:asset-gc1" });
    expect(engine.getEffectiveCircuitCapacity("asset-gc2")).toMatchObject({ effective_capacity_watts: 8000, constraint_ref: "circuit_fail_safe:asset-gc2" });
    clock.set("2026-01-01T13:00:00Z");
    expect(engine.getEffectiveCircuitCapacity("asset-gc2").effective_capacity_watts).toBe(25000);
  });

  it("an OVERRIDE tightens the forecast-side limit; the most restrictive wins", () => {
    const { engine } = engineWithTree();
    engine.submitEnvelope(forecast("FORECAST", "f1", 25000));
    engine.submitEnvelope(forecast("OVERRIDE" as "FORECAST", "o1", 12000));
    expect(engine.getEffectiveCircuitCapacity("asset-gc1").effective_capacity_watts).toBe(12000);
  });

  it("rebalance-time reconciliation emits reconciled, never changed, and requests no rebalance", () => {
    const { engine, clock } = engineWithTree();
    engine.submitEnvelope(forecast("OVERRIDE" as "FORECAST", "o1", 12000, "gc1", "2026-01-01T12:00:00Z", "2026-01-01T12:30:00Z"));
    engine.evaluateLifecycle();
    engine.drain();
    clock.set("2026-01-01T12:45:00Z"); // the scheduler has not run yet: drift
    engine.getEffectiveCircuitCapacity("asset-gc1");
    const types = engine.drain().map((e) => e.type);
    expect(types).toEqual(["compatibility.effective_circuit_capacity_reconciled"]);
  });
});
