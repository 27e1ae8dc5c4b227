import { describe, expect, it } from "vitest";
import { REASON_CODE_PRECEDENCE } from "../../src/microgrid/types.ts";
import { BASE_READINGS, cycle, envelope, limit, node, reading, tree, type CycleCase } from "./fixtures.ts";

interface Row extends CycleCase {
  name: string;
  outcome: "APPLIED" | "CURTAILED" | "REJECTED";
  reasons: string[];
  allocations?: Record<string, number>;
  breachRefs?: Record<string, string>;
}

const without = (id: string) => BASE_READINGS.filter((r) => r.node_id !== id);

// One row per scenario, OpenEMS/evcc style: inputs, expected outcome, ordered reason codes, set-points.
const ROWS: Row[] = [
  // Everything measured, nothing capped: every charge point gets what it asks for.
  { name: "no limits", outcome: "APPLIED", reasons: [], allocations: { cp1: 3000, cp2: 3000, cp3: 4000 } },
  // A leaf asks more than its own cap: curtailed to the cap.
  { name: "node cap", limits: [limit("cp1", 2000)], outcome: "CURTAILED", reasons: ["NODE_CAP_EXCEEDED"], allocations: { cp1: 2000, cp2: 3000 } },
  // Each charge point below its own cap, their circuit above its aggregate cap: shared proportionally.
  {
    name: "aggregate cap, every child below its own cap",
    limits: [limit("cp1", 7000), limit("cp2", 7000), limit("cir1", 4000)],
    outcome: "CURTAILED", reasons: ["AGGREGATE_CAP_EXCEEDED"], allocations: { cp1: 2000, cp2: 2000 }, breachRefs: { cir1: "lim-cir1-CONSUMPTION_CAP" },
  },
  // The ancestor breaches and so does a child: ancestor before node in the codes, ancestor cap binds first.
  {
    name: "ancestor and node caps",
    readings: [...without("cp1"), reading("cp1", 8000)],
    limits: [limit("cp1", 5000), limit("cir1", 6000)],
    outcome: "CURTAILED", reasons: ["ANCESTOR_CAP_EXCEEDED", "NODE_CAP_EXCEEDED"], allocations: { cp1: 3750, cp2: 2250 },
  },
  // Grid connection caps consumption; fixed load and both branches share it.
  {
    name: "grid-connection aggregate with fixed load",
    limits: [limit("gc1", 5000)],
    outcome: "CURTAILED", reasons: ["AGGREGATE_CAP_EXCEEDED"], allocations: { cp1: 2000, cp2: 2000, cp3: 4000 },
  },
  // NET_CAP offsets PV: 7000 consumption − 2000 PV = 5000 net, within 6000.
  { name: "net cap offsets generation", limits: [limit("gc1", 6000, "NET_CAP")], outcome: "APPLIED", reasons: [] },
  // The same figure as a CONSUMPTION_CAP does not offset PV.
  { name: "consumption cap is gross", limits: [limit("gc1", 6000)], outcome: "CURTAILED", reasons: ["AGGREGATE_CAP_EXCEEDED"] },
  // Uncontrolled load alone is above the cap: no feasible allocation → rejected, nothing applied.
  { name: "infeasible fixed load", limits: [limit("load1", 500)], outcome: "REJECTED", reasons: ["NODE_CAP_EXCEEDED"], allocations: { cp1: 0, cp2: 0, cp3: 0 } },
  // Generation above GENERATION_CAP cannot be fixed by curtailing loads.
  { name: "generation cap", limits: [limit("pv1", 1000, "GENERATION_CAP")], outcome: "REJECTED", reasons: ["NODE_CAP_EXCEEDED"] },
  // Stale telemetry, own cap known: the cap is reserved (fail safe), the node gets no more than it last drew.
  {
    name: "stale telemetry with fallback",
    readings: [...without("cp2"), reading("cp2", 1000, 600)],
    limits: [limit("cp2", 2500)],
    outcome: "APPLIED", reasons: ["TELEMETRY_STALE_FALLBACK_USED"], allocations: { cp2: 1000 },
  },
  // Stale telemetry makes the aggregate tighter than measured values would: lower allocation.
  {
    name: "fallback demand lowers allocation",
    readings: [...without("cp2"), reading("cp2", 500, 600)],
    limits: [limit("cp2", 4000), limit("cir1", 5000)],
    outcome: "CURTAILED", reasons: ["AGGREGATE_CAP_EXCEEDED", "TELEMETRY_STALE_FALLBACK_USED"], allocations: { cp1: 1000, cp2: 500 },
  },
  // Missing telemetry, no cap and no last reading: no valid fallback.
  { name: "no valid fallback", readings: without("cp3"), outcome: "REJECTED", reasons: ["TELEMETRY_STALE_FALLBACK_USED", "TELEMETRY_INSUFFICIENT"] },
  // PV without telemetry: generation is never assumed (fail safe), no missing input.
  { name: "pv missing assumed zero", readings: without("pv1"), outcome: "APPLIED", reasons: ["TELEMETRY_STALE_FALLBACK_USED"] },
  // A pinned topology version that is not the current one.
  { name: "version conflict", input: { expected_topology_version: 2 }, outcome: "REJECTED", reasons: ["TOPOLOGY_VERSION_CONFLICT"] },
  // A parent that does not exist (orphan) in the cycle's topology.
  { name: "orphan topology", nodes: [...tree(), node("x", "missing", "CHARGE_POINT")], outcome: "REJECTED", reasons: ["TOPOLOGY_INVALID"] },
  // A cycle in the parent pointers.
  { name: "cyclic topology", nodes: [...tree(), node("a", "b", "VIRTUAL"), node("b", "a", "VIRTUAL")], outcome: "REJECTED", reasons: ["TOPOLOGY_INVALID"] },
  // A first-level node that is not a GRID_CONNECTION.
  { name: "first level not a grid connection", nodes: [...tree(), node("v", null, "VIRTUAL")], outcome: "REJECTED", reasons: ["TOPOLOGY_INVALID"] },
  // Legacy circuit path: the translation code comes last.
  { name: "alias applied", input: { circuit_alias: { circuit_id: "asset-gc1", path: "POST /api/circuit/{circuit_id}/rebalance_load" } }, outcome: "APPLIED", reasons: ["LEGACY_ALIAS_TRANSLATION_APPLIED"] },
  // Everything at once: codes in the seed's precedence order.
  {
    name: "precedence",
    readings: [...without("cp1"), reading("cp1", 9000), reading("cp2", 100, 600)],
    limits: [limit("cp1", 5000), limit("cir1", 6000), limit("cp2", 1000), limit("gc2", 1000)],
    input: { circuit_alias: { circuit_id: "asset-gc1", path: "x" } },
    outcome: "CURTAILED", reasons: ["ANCESTOR_CAP_EXCEEDED", "AGGREGATE_CAP_EXCEEDED", "NODE_CAP_EXCEEDED", "TELEMETRY_STALE_FALLBACK_USED", "LEGACY_ALIAS_TRANSLATION_APPLIED"],
  },
  // An active OVERRIDE envelope below the baseline wins (most restrictive) and is the constraint_ref.
  {
    name: "envelope tighter than baseline",
    limits: [limit("cp1", 7000)], envelopes: [envelope("env-1", "cp1", "OVERRIDE", 1500)],
    outcome: "CURTAILED", reasons: ["NODE_CAP_EXCEEDED"], allocations: { cp1: 1500 }, breachRefs: { cp1: "env-1" },
  },
  // A withdrawn envelope no longer constrains.
  { name: "withdrawn envelope ignored", envelopes: [envelope("env-2", "cp1", "OVERRIDE", 1500, { status: "WITHDRAWN" })], outcome: "APPLIED", reasons: [] },
  // A node in MAINTENANCE draws and gets nothing; its missing telemetry is not required.
  {
    name: "maintenance subtree excluded",
    nodes: tree().map((n) => (n.node_id === "gc2" ? { ...n, status: "MAINTENANCE" as const } : n)), readings: without("cp3"),
    outcome: "APPLIED", reasons: [], allocations: { cp3: 0 },
  },
  // A fresh interior meter above the sum of its children: the excess is unmanaged load under the cap.
  {
    name: "interior meter residual",
    readings: [...BASE_READINGS, reading("gc1", 9000)], limits: [limit("gc1", 9000)],
    outcome: "CURTAILED", reasons: ["AGGREGATE_CAP_EXCEEDED"], allocations: { cp1: 2000, cp2: 2000 },
  },
];

describe("balancing cycle (table)", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const r = cycle(row);
      expect(r.outcome).toBe(row.outcome);
      expect(r.reason_codes).toEqual(row.reasons);
      for (const [id, w] of Object.entries(row.allocations ?? {})) {
        expect(r.allocation_summary.by_node.find((a) => a.node_id === id)?.allocated_watts, id).toBe(w);
      }
      for (const [id, ref] of Object.entries(row.breachRefs ?? {})) {
        expect(r.breaches.find((b) => b.node_id === id)?.constraint_ref).toBe(ref);
      }
    });
  }

  it("covers every reason code of the precedence table", () => {
    const seen = new Set(ROWS.flatMap((r) => r.reasons));
    for (const code of REASON_CODE_PRECEDENCE) expect(seen.has(code), code).toBe(true);
    expect(new Set(ROWS.map((r) => r.outcome))).toEqual(new Set(["APPLIED", "CURTAILED", "REJECTED"]));
  });

  it("is byte-identical for the same inputs and topology version (NFR-001)", () => {
    const row = ROWS.find((r) => r.name === "precedence") as Row;
    expect(JSON.stringify(cycle(row))).toBe(JSON.stringify(cycle(row)));
  });

  it("breach payloads carry every seed field", () => {
    const r = cycle(ROWS.find((x) => x.name === "fallback demand lowers allocation") as Row);
    const b = r.breaches[0];
    expect(Object.keys(b ?? {}).sort()).toEqual(["breach_id", "constraint_ref", "detected_at", "effective_demand_watts", "microgrid_id", "node_id", "reason_code", "resolved_limit_watts", "source_mode"]);
    expect(b?.source_mode).toBe("FALLBACK_DERIVED");
    expect(Object.keys(r).sort()).toEqual(["allocation_summary", "audit", "breaches", "cycle_id", "ended_at", "microgrid_id", "node_id", "outcome", "reason_codes", "started_at", "topology_version"]);
  });

  it("never allocates above any cap on the path to the root", () => {
    const r = cycle({ readings: [...without("cp1"), reading("cp1", 9000)], limits: [limit("gc1", 7000), limit("cir1", 5000), limit("cp1", 4000)] });
    const a = Object.fromEntries(r.allocation_summary.by_node.map((x) => [x.node_id, x.allocated_watts]));
    expect((a.cp1 ?? 0) <= 4000).toBe(true);
    expect((a.cp1 ?? 0) + (a.cp2 ?? 0) <= 5000).toBe(true);
    expect((a.cp1 ?? 0) + (a.cp2 ?? 0) + 1000 <= 7000).toBe(true);
  });

  it("scoped cycle reports the subtree only", () => {
    const r = cycle({ input: { scope_node_id: "gc2" } });
    expect(r.node_id).toBe("gc2");
    expect(r.allocation_summary.by_node.map((x) => x.node_id)).toEqual(["cp3"]);
  });

  it("unknown scope node is a topology rejection", () => {
    expect(cycle({ input: { scope_node_id: "nope" } }).reason_codes).toEqual(["TOPOLOGY_INVALID"]);
  });
});
