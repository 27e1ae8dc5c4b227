/** Fail-safe limits (D-012): every cap on the path shared equally among the controllable leaves beneath it. */
import { describe, expect, it } from "vitest";
import { ConstraintIndex } from "../../src/microgrid/constraints.ts";
import { safeAllocations } from "../../src/microgrid/safe-allocation.ts";
import type { MicrogridNode, NodeLimit } from "../../src/microgrid/types.ts";
import { limit, MG, node, NOW, tree } from "./fixtures.ts";
import { engineWithTree } from "./engine-fixture.ts";

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

  it("takes the uncontrolled leaves' draw off each cap before sharing it; generation and inactive leaves count nothing", () => {
    const reserve: Record<string, number> = { load1: 6000, pv1: -20000 };
    const at = (nodes: MicrogridNode[], limits: NodeLimit[]) => Object.fromEntries(safeAllocations(nodes, index(limits), T, (n) => reserve[n.node_id] ?? 0).map((s) => [s.node_id, [s.limit_watts, s.reserved_watts]]));
    // gc1 20 kW less load1's 6 kW, shared by cp1 and cp2; PV output is not counted on
    expect(at(tree(), [limit("gc1", 20000)])).toEqual({ cp1: [7000, 6000], cp2: [7000, 6000], cp3: [null, 0] });
    // the circuit's cap holds no uncontrolled leaf: its share is not reduced, and the tighter one wins
    expect(at(tree(), [limit("gc1", 40000), limit("cir1", 10000)])).toEqual({ cp1: [5000, 0], cp2: [5000, 0], cp3: [null, 0] });
    // more uncontrolled draw than the cap: nothing for the chargers
    reserve.load1 = 25000;
    expect(at(tree(), [limit("gc1", 20000)])).toEqual({ cp1: [0, 25000], cp2: [0, 25000], cp3: [null, 0] });
    // an uncontrolled leaf out of service draws nothing
    const offline = tree().map((n) => (n.node_id === "load1" ? { ...n, status: "MAINTENANCE" as const } : n));
    expect(at(offline, [limit("gc1", 20000)])).toEqual({ cp1: [10000, 0], cp2: [10000, 0], cp3: [null, 0] });
    // a nonsense estimate (NaN) counts as nothing rather than poisoning the share
    reserve.load1 = Number.NaN;
    expect(at(tree(), [limit("gc1", 20000)])).toEqual({ cp1: [10000, 0], cp2: [10000, 0], cp3: [null, 0] });
  });

  it("the engine reckons the uncontrolled draw as a cycle would: fresh reading, else the node's own cap, else its last reading", () => {
    const { engine, clock } = engineWithTree();
    const cp1 = () => engine.safeAllocations(MG).find((s) => s.node_id === "cp1");
    // feeder asset-gc1's 50 kW default capacity binds, shared by two chargers
    expect(cp1()).toMatchObject({ limit_watts: 25000, reserved_watts: 0, constraint_ref: "circuit_default:asset-gc1" });
    engine.ingestTelemetry(MG, [
      { node_id: "load1", measured_demand_watts: 12000, observed_at: clock.now().toISOString() },
      { node_id: "pv1", measured_demand_watts: -8000, observed_at: clock.now().toISOString() },
    ]);
    expect(cp1()).toMatchObject({ limit_watts: 19000, reserved_watts: 12000 });
    clock.advance(600); // the reading is stale: with no cap of its own, load1's last reading still counts
    expect(cp1()).toMatchObject({ limit_watts: 19000, reserved_watts: 12000 });
    engine.upsertNodeLimit(MG, { node_id: "load1", constraint_type: "CONSUMPTION_CAP", limit_watts: 16000, source_type: "MANUAL" });
    expect(cp1()).toMatchObject({ limit_watts: 17000, reserved_watts: 16000 }); // stale: its own cap is the bound
    engine.ingestTelemetry(MG, [{ node_id: "load1", measured_demand_watts: 2000, observed_at: clock.now().toISOString() }]);
    expect(cp1()).toMatchObject({ limit_watts: 24000, reserved_watts: 2000 }); // fresh again
  });
});
