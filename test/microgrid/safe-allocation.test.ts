/** Fail-safe limits (D-012): every cap on the path shared equally among the controllable leaves beneath it. */
import { describe, expect, it } from "vitest";
import { ConstraintIndex } from "../../src/microgrid/constraints.ts";
import { safeAllocations } from "../../src/microgrid/safe-allocation.ts";
import type { MicrogridNode, NodeLimit } from "../../src/microgrid/types.ts";
import { limit, node, NOW, tree } from "./fixtures.ts";

const T = Date.parse(NOW);
const index = (limits: NodeLimit[]) => new ConstraintIndex({ limits, envelopes: [], health: [], circuitsByNode: new Map() });
const run = (nodes: MicrogridNode[], limits: NodeLimit[]) => Object.fromEntries(safeAllocations(nodes, index(limits), T).map((s) => [s.node_id, [s.limit_watts, s.constraint_ref]]));

describe("safeAllocations", () => {
  it.each<[string, MicrogridNode[], NodeLimit[], Record<string, [number | null, string | null]>]>([
    // no cap anywhere: nothing to protect, the ratings apply
    ["no caps", tree(), [], { cp1: [null, null], cp2: [null, null], cp3: [null, null] }],
    // a circuit cap shared by its two chargers; cp3 on another grid connection is not affected
    ["circuit cap", tree(), [limit("cir1", 30000)], { cp1: [15000, "lim-cir1-CONSUMPTION_CAP"], cp2: [15000, "lim-cir1-CONSUMPTION_CAP"], cp3: [null, null] }],
    // the tightest share on the path wins: the own cap (8 kW) below the circuit share (15 kW)
    ["own cap tighter", tree(), [limit("cir1", 30000), limit("cp1", 8000)], { cp1: [8000, "lim-cp1-CONSUMPTION_CAP"], cp2: [15000, "lim-cir1-CONSUMPTION_CAP"], cp3: [null, null] }],
    // an ancestor's share (gc1 10 kW / 2) is tighter than the circuit's (30 kW / 2)
    ["ancestor tighter", tree(), [limit("cir1", 30000), limit("gc1", 10000)], { cp1: [5000, "lim-gc1-CONSUMPTION_CAP"], cp2: [5000, "lim-gc1-CONSUMPTION_CAP"], cp3: [null, null] }],
    // a NET_CAP bounds consumption too (no generation is counted on); shares are floored
    ["net cap, floored", tree(), [limit("gc1", 10001, "NET_CAP")], { cp1: [5000, "lim-gc1-NET_CAP"], cp2: [5000, "lim-gc1-NET_CAP"], cp3: [null, null] }],
    // a GENERATION_CAP does not bound charging
    ["generation cap ignored", tree(), [limit("gc2", 1000, "GENERATION_CAP")], { cp1: [null, null], cp2: [null, null], cp3: [null, null] }],
    // an inactive charger, or one under an inactive node, gets 0 (and still counts in the share)
    ["inactive", tree().map((n) => (n.node_id === "cir1" || n.node_id === "cp3" ? { ...n, status: "MAINTENANCE" as const } : n)), [limit("gc2", 9000)], { cp1: [0, null], cp2: [0, null], cp3: [0, null] }],
    // connectors share their charge point's cap; the charge point itself is interior and gets none
    [
      "connectors",
      [node("gc", null, "GRID_CONNECTION"), node("cp", "gc", "CHARGE_POINT"), node("c1", "cp", "CONNECTOR", 1), node("c2", "cp", "CONNECTOR", 2), node("cpx", "gc", "CHARGE_POINT", 2)],
      [limit("cp", 22000), limit("gc", 90000)],
      { c1: [11000, "lim-cp-CONSUMPTION_CAP"], c2: [11000, "lim-cp-CONSUMPTION_CAP"], cpx: [30000, "lim-gc-CONSUMPTION_CAP"] },
    ],
  ])("%s", (_name, nodes, limits, expected) => {
    expect(run(nodes, limits)).toEqual(expected);
  });

  it("the chargers' safe limits never sum above any cap on their path", () => {
    const nodes = tree();
    const limits = [limit("gc1", 17000), limit("cir1", 9000), limit("gc2", 5000)];
    const s = new Map(safeAllocations(nodes, index(limits), T).map((x) => [x.node_id, x.limit_watts as number] as const));
    expect((s.get("cp1") as number) + (s.get("cp2") as number)).toBeLessThanOrEqual(9000);
    expect(s.get("cp3")).toBeLessThanOrEqual(5000);
  });
});
