/** The microgrid view model: tree order and depth, what each node carries, and data the tree rules would refuse. */
import { describe, expect, it } from "vitest";
import { buildMicrogridOverview, type MicrogridReads, type NodeView } from "../../src/console/microgrid/view-model.ts";
import type { CycleResult, MicrogridNode, OperatingEnvelope } from "../../src/microgrid/types.ts";

const NOW = new Date("2026-03-01T10:00:00.000Z");
const node = (node_id: string, parent_node_id: string | null, display_order = 1, node_type: MicrogridNode["node_type"] = "CIRCUIT"): MicrogridNode => ({
  node_id, microgrid_id: "mg", parent_node_id, name: node_id, node_type, attached_asset_type: null, attached_asset_id: null, status: "ACTIVE", display_order,
});
const envelope = (envelope_id: string, node_id: string, status: OperatingEnvelope["status"], from: string, to: string): OperatingEnvelope => ({
  envelope_id, microgrid_id: "mg", origin_control_point_id: null, node_id, envelope_type: "TOU_LIMIT", constraint_type: "CONSUMPTION_CAP", effective_from: from, effective_to: to, source_ref: envelope_id, status, received_at: from, rejection_reason: null,
  blocks: [{ envelope_id, block_from: from, block_to: to, min_limit_watts: null, max_limit_watts: 1000, target_watts: null }],
});
const reads = (over: Partial<MicrogridReads> = {}): MicrogridReads => ({
  microgrid: { microgrid_id: "mg", depot_id: "d", version: 4 },
  nodes: [node("gc", null, 1, "GRID_CONNECTION"), node("b", "gc", 2), node("a", "gc", 1), node("a1", "a", 1, "CHARGE_POINT")],
  limits: [],
  envelopes: [],
  capacities: [],
  telemetry: [],
  cycles: [],
  controlPoints: [],
  ...over,
});
const flat = (ns: NodeView[]): NodeView[] => ns.flatMap((n) => [n, ...flat(n.children)]);

describe("buildMicrogridOverview", () => {
  it("orders children by display_order and gives each its depth", () => {
    const o = buildMicrogridOverview(reads(), NOW);
    expect(flat(o.roots).map((n) => `${n.node_id}@${n.depth}`)).toEqual(["gc@0", "a@1", "a1@2", "b@1"]);
    expect(o.node_count).toBe(4);
    expect(o.window).toBeNull();
    expect(o.freshness_threshold_seconds).toBe(60);
  });

  it("keeps only active limits and live envelopes, and spans the time axis over them and now", () => {
    const o = buildMicrogridOverview(
      reads({
        limits: [
          { node_limit_id: "l1", microgrid_id: "mg", node_id: "a", constraint_type: "CONSUMPTION_CAP", limit_watts: 5, source_type: "MANUAL", status: "ACTIVE", updated_at: "" },
          { node_limit_id: "l2", microgrid_id: "mg", node_id: "a", constraint_type: "NET_CAP", limit_watts: 5, source_type: "MANUAL", status: "INACTIVE", updated_at: "" },
        ],
        envelopes: [
          envelope("late", "a", "PENDING", "2026-03-01T11:00:00.000Z", "2026-03-01T12:00:00.000Z"),
          envelope("now", "a", "ACTIVE", "2026-03-01T09:30:00.000Z", "2026-03-01T10:30:00.000Z"),
          envelope("gone", "a", "EXPIRED", "2026-03-01T08:00:00.000Z", "2026-03-01T09:00:00.000Z"),
          envelope("out", "b", "WITHDRAWN", "2026-03-01T08:00:00.000Z", "2026-03-01T13:00:00.000Z"),
        ],
      }),
      NOW,
    );
    const a = flat(o.roots).find((n) => n.node_id === "a")!;
    expect(a.limits.map((l) => l.node_limit_id)).toEqual(["l1"]);
    expect(a.envelopes.map((e) => e.envelope_id)).toEqual(["now", "late"]);
    expect(flat(o.roots).find((n) => n.node_id === "b")!.envelopes).toEqual([]);
    expect(o.window).toEqual({ from: "2026-03-01T09:30:00.000Z", to: "2026-03-01T12:00:00.000Z" });
  });

  it("says measured, fallback or no own meter, with the reading's age against the cycle's threshold", () => {
    const cycle = { cycle_id: "c1", ended_at: NOW.toISOString(), allocation_summary: { by_node: [] }, audit: { freshness_threshold_seconds: 30, demand: [{ node_id: "b", effective_demand_watts: 50, source_mode: "FALLBACK_DERIVED", measured_demand_watts: null, fallback_demand_watts: 50, observed_at: null, age_seconds: null, freshness_threshold_seconds: 30, inputs_used: ["own_cap:l"] }] } } as unknown as CycleResult;
    const o = buildMicrogridOverview(
      reads({
        cycles: [cycle],
        telemetry: [
          { node_id: "a1", measured_demand_watts: 10, observed_at: "2026-03-01T09:59:40.000Z" },
          { node_id: "gc", measured_demand_watts: 99, observed_at: "2026-03-01T09:58:00.000Z" },
        ],
      }),
      NOW,
    );
    const by = new Map(flat(o.roots).map((n) => [n.node_id, n.demand]));
    expect(o.freshness_threshold_seconds).toBe(30);
    expect(by.get("a1")).toMatchObject({ source_mode: "MEASURED", reading: { age_seconds: 20, fresh: true }, fallback: null });
    expect(by.get("gc")).toMatchObject({ source_mode: "FALLBACK_DERIVED", reading: { age_seconds: 120, fresh: false } });
    expect(by.get("b")).toMatchObject({ source_mode: "FALLBACK_DERIVED", fallback: { cycle_id: "c1", effective_demand_watts: 50, inputs_used: ["own_cap:l"] } });
    expect(by.get("a")!.source_mode).toBeNull(); // interior, no meter: its children's sum
  });

  it("leaves out nodes that hang off nothing or loop among themselves rather than looping forever", () => {
    const o = buildMicrogridOverview(reads({ nodes: [node("gc", null), node("x", "y"), node("y", "x"), node("z", "missing")] }), NOW);
    expect(flat(o.roots).map((n) => n.node_id)).toEqual(["gc"]);
    expect(o.node_count).toBe(1);
  });
});
