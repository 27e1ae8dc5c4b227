import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import type { MicrogridNode } from "../../src/microgrid/types.ts";
import { cycle, limit, node, reading } from "./fixtures.ts";

// A random tree: node i > 0 hangs under a random earlier interior node (or is a first-level grid connection).
const treeArb = fc
  .array(fc.record({ parent: fc.nat(), kind: fc.constantFrom("CHARGE_POINT", "CONNECTOR", "CIRCUIT", "VIRTUAL"), demand: fc.integer({ min: 0, max: 30_000 }), cap: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }), root: fc.boolean() }), { minLength: 1, maxLength: 40 })
  .map((specs) => {
    const nodes: MicrogridNode[] = [];
    const interior: string[] = [];
    const demand = new Map<string, number>();
    const caps = new Map<string, number>();
    specs.forEach((s, i) => {
      const id = `n${i}`;
      const isRoot = i === 0 || s.root || interior.length === 0;
      const type = isRoot ? "GRID_CONNECTION" : s.kind;
      nodes.push(node(id, isRoot ? null : (interior[s.parent % interior.length] as string), type as MicrogridNode["node_type"], i));
      if (type === "GRID_CONNECTION" || type === "CIRCUIT" || type === "VIRTUAL") interior.push(id);
      demand.set(id, s.demand);
      if (s.cap !== undefined && type !== "VIRTUAL") caps.set(id, s.cap);
    });
    return { nodes, demand, caps };
  });

describe("balancing properties", () => {
  test.prop([treeArb], { numRuns: 200 })("no cap on any path is exceeded, no node gets more than it asks, and it is deterministic", ({ nodes, demand, caps }) => {
    const parents = new Set(nodes.map((n) => n.parent_node_id));
    const leaves = nodes.filter((n) => !parents.has(n.node_id));
    const readings = leaves.filter((n) => n.node_type !== "GRID_CONNECTION" && n.node_type !== "VIRTUAL").map((n) => reading(n.node_id, demand.get(n.node_id) as number));
    const limits = [...caps].map(([id, w]) => limit(id, w));
    const r = cycle({ nodes, limits, readings });
    expect(JSON.stringify(cycle({ nodes, limits, readings }))).toBe(JSON.stringify(r));
    const alloc = new Map(r.allocation_summary.by_node.map((a) => [a.node_id, a] as const));
    for (const a of alloc.values()) expect(a.allocated_watts >= 0 && a.allocated_watts <= a.requested_watts).toBe(true);
    // subtree sums of fixed load and granted power
    const used = new Map<string, { fixed: number; granted: number }>();
    for (const n of [...nodes].reverse()) {
      const own = readings.find((x) => x.node_id === n.node_id);
      const controllable = n.node_type === "CHARGE_POINT" || n.node_type === "CONNECTOR";
      const u = { fixed: own && !controllable ? own.measured_demand_watts : 0, granted: alloc.get(n.node_id)?.allocated_watts ?? 0 };
      for (const c of nodes.filter((x) => x.parent_node_id === n.node_id)) {
        const cu = used.get(c.node_id) as { fixed: number; granted: number };
        u.fixed += cu.fixed;
        u.granted += cu.granted;
      }
      used.set(n.node_id, u);
    }
    const infeasible = [...caps].some(([id, w]) => (used.get(id) as { fixed: number }).fixed > w);
    expect(r.outcome === "REJECTED").toBe(infeasible);
    if (!infeasible) {
      for (const [id, w] of caps) {
        const u = used.get(id) as { fixed: number; granted: number };
        expect(u.fixed + u.granted, id).toBeLessThanOrEqual(w);
      }
      expect(r.outcome).toBe(r.breaches.length > 0 ? "CURTAILED" : "APPLIED");
    }
    expect([...r.reason_codes]).toEqual([...new Set(r.reason_codes)]);
  });
});
