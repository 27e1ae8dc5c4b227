import { describe, expect, it } from "vitest";
import { isCodedError } from "../../src/errors/coded-error.ts";
import { MG, node, reading, BASE_READINGS } from "./fixtures.ts";
import { engineWithTree } from "./engine-fixture.ts";

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isCodedError(e)) return { code: e.code, details: e.details as Record<string, unknown> };
    throw e;
  }
  throw new Error("did not throw");
}

describe("circuit compatibility", () => {
  it("rebalance_load translates to exactly one scoped cycle with LEGACY_ALIAS_TRANSLATION_APPLIED", () => {
    const { engine } = engineWithTree();
    engine.ingestTelemetry(MG, BASE_READINGS);
    const c = engine.rebalanceCircuit("asset-gc2", { actor: "legacy", source: "HTTP" }, "POST /api/circuit/{circuit_id}/rebalance_load");
    expect(c.node_id).toBe("gc2");
    expect(c.reason_codes).toEqual(["LEGACY_ALIAS_TRANSLATION_APPLIED"]);
    const types = engine.drain().map((e) => e.type);
    expect(types.filter((t) => t === "microgrid.cycle_completed")).toHaveLength(1);
    expect(types).toContain("compatibility.circuit_alias_applied");
  });

  it("an unknown circuit is 409 CIRCUIT_ALIAS_NOT_RESOLVABLE and audited", () => {
    const { engine } = engineWithTree();
    const e = codeOf(() => engine.rebalanceCircuit("nope", { actor: "a", source: "s" }, "p"));
    expect(e.code).toBe("CIRCUIT_ALIAS_NOT_RESOLVABLE");
    expect(e.details).toMatchObject({ reason_code: "CIRCUIT_ALIAS_NOT_RESOLVABLE", expected_version: null, actual_version: null });
    expect(engine.drain().map((x) => x.type)).toEqual(["compatibility.circuit_alias_failed"]);
  });

  it("a circuit mapped in two microgrids is not resolvable (not exactly one)", () => {
    const { engine } = engineWithTree();
    engine.writeTopology("mg-2", { version: 0, depot_id: "d2", nodes: [{ ...node("x", null, "GRID_CONNECTION"), microgrid_id: "mg-2", attached_asset_id: "asset-gc1" }], updated_by: "t" });
    expect(codeOf(() => engine.rebalanceCircuit("asset-gc1", { actor: "a", source: "s" }, "p")).code).toBe("CIRCUIT_ALIAS_NOT_RESOLVABLE");
    expect(codeOf(() => engine.setTouLimits("asset-gc1", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", max_limit_watts: 1 }] }, "op")).code).toBe("LEGACY_POLICY_SCOPE_AMBIGUOUS");
  });

  it("TOU limits become a TOU_LIMIT envelope; a non-managed circuit fails translation", () => {
    const { engine, clock } = engineWithTree();
    const r = engine.setTouLimits("asset-gc1", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", max_limit_watts: 9000 }] }, "op");
    expect(r.envelope).toMatchObject({ envelope_type: "TOU_LIMIT", constraint_type: "CONSUMPTION_CAP", node_id: "gc1", status: "PENDING" });
    const again = engine.setTouLimits("asset-gc1", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", max_limit_watts: 9000 }] }, "op");
    expect(again.duplicate).toBe(true);
    const next = engine.setTouLimits("asset-gc1", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T15:00:00Z", max_limit_watts: 7000 }] }, "op");
    expect(engine.envelope(r.envelope.envelope_id).status).toBe("WITHDRAWN");
    expect((engine.touLimits("asset-gc1").envelopes as unknown[]).length).toBe(1);
    clock.set("2026-01-01T13:30:00Z");
    engine.evaluateLifecycle();
    expect(engine.getEffectiveCircuitCapacity("asset-gc1").constraint_ref).toBe(next.envelope.envelope_id);
    // cir1's CIRCUIT asset is not a managed first-level grid connection
    expect(codeOf(() => engine.setTouLimits("asset-cir1", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", max_limit_watts: 1 }] }, "op")).code).toBe("LIMIT_SCOPE_TRANSLATION_FAILED");
    expect(codeOf(() => engine.setTouLimits("nope", { blocks: [] }, "op")).code).toBe("LIMIT_SCOPE_TRANSLATION_FAILED");
  });

  it("scheduled periodic rebalance resolves at dispatch time and skips with an auditable error", () => {
    const { engine } = engineWithTree();
    engine.ingestTelemetry(MG, BASE_READINGS);
    expect(engine.scheduledRebalance({ circuit_id: "asset-gc1" })?.node_id).toBe("gc1");
    expect(engine.scheduledRebalance({ circuit_id: "gone" })).toBeNull();
    expect(engine.drain().find((e) => e.type === "scheduler.rebalance_skipped")?.payload).toMatchObject({ circuit_id: "gone", reason_code: "CIRCUIT_ALIAS_NOT_RESOLVABLE" });
    expect(engine.scheduledRebalance({ microgrid_id: MG })?.node_id).toBeNull();
  });

  it("an envelope change on a managed grid connection projects and a rebalance reads the projected cap", () => {
    const { engine } = engineWithTree();
    engine.ingestTelemetry(MG, [...BASE_READINGS, reading("cp1", 20000)]);
    engine.submitEnvelope({ microgrid_id: MG, node_id: "gc1", envelope_type: "OVERRIDE", constraint_type: "CONSUMPTION_CAP", effective_from: "2026-01-01T11:00:00Z", effective_to: "2026-01-01T13:00:00Z", source_ref: "o", blocks: [{ block_from: "2026-01-01T11:00:00Z", block_to: "2026-01-01T13:00:00Z", max_limit_watts: 6000 }] });
    engine.evaluateLifecycle();
    const c = engine.rebalance({ microgrid_id: MG, actor: "t", source: "t" });
    expect(c.outcome).toBe("CURTAILED");
    expect(c.breaches[0]).toMatchObject({ node_id: "gc1", resolved_limit_watts: 6000 });
  });

  it("resync adds managed grid connections, refuses to drop one with children, and validates input", () => {
    const { engine } = engineWithTree();
    const r = engine.resync("depot-test", [
      { circuit_id: "asset-gc1", name: "F1", default_capacity_watts: 50000, fail_safe_capacity_watts: 10000, gap_policy: "CIRCUIT_DEFAULT" },
      { circuit_id: "asset-gc2", name: "F2", default_capacity_watts: 40000, fail_safe_capacity_watts: 8000, gap_policy: "FAIL_SAFE" },
      { circuit_id: "feeder-3", name: "F3", default_capacity_watts: 30000, fail_safe_capacity_watts: 5000, gap_policy: "CIRCUIT_DEFAULT" },
    ], "op");
    expect(r.added).toEqual(["gc-feeder-3"]);
    expect(codeOf(() => engine.resync("depot-test", [], "op")).details.violated_rule).toBe("REMOVED_FEEDER_HAS_NO_CHILDREN");
    expect(codeOf(() => engine.resync("nope", [], "op")).code).toBe("DEPOT_NOT_FOUND");
    const dropped = engine.resync("depot-test", [
      { circuit_id: "asset-gc1", name: "F1", default_capacity_watts: 50000, fail_safe_capacity_watts: 10000, gap_policy: "CIRCUIT_DEFAULT" },
      { circuit_id: "asset-gc2", name: "F2", default_capacity_watts: 40000, fail_safe_capacity_watts: 8000, gap_policy: "FAIL_SAFE" },
    ], "op");
    expect(dropped.removed).toEqual(["gc-feeder-3"]);
  });
});

describe("translation audit", () => {
  it("a failed TOU translation stays in the outbox", () => {
    const { engine } = engineWithTree();
    expect(codeOf(() => engine.setTouLimits("nope", { blocks: [{ block_from: "2026-01-01T13:00:00Z", block_to: "2026-01-01T14:00:00Z", max_limit_watts: 1 }] }, "op")).code).toBe("LIMIT_SCOPE_TRANSLATION_FAILED");
    expect(engine.drain().map((e) => [e.type, e.payload.reason_code])).toEqual([["compatibility.circuit_alias_failed", "LIMIT_SCOPE_TRANSLATION_FAILED"]]);
  });
});
