/** Apply Allocations, the pure half: which affordance carries each node's allocation, and the writes. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import type { MicrogridNode } from "../../../src/microgrid/types.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { limitWrites, planAllocationTargets, type LimitWrite } from "../../../things/microgrid/allocation-plan.ts";
import { siteThingOf, type SiteThing } from "../../../things/microgrid/telemetry-bridge.ts";

const demo = loadMicrogridDefinitions(join(TDS_DIR, "microgrid")).find((d) => d.microgrid_id === "mg-depot-north-1");
if (!demo) throw new Error("demo depot definition missing");
const nodes = demo.nodes as MicrogridNode[];
const cp = (title: string, maxPowerW: number, connectors: Array<[string, number]>): SiteThing => ({
  title, types: ["saref:Device", "gt:ChargePoint"], feeder: "f-n1a", maxPowerW, connectors: connectors.map(([c]) => c), connectorMaxPowerW: new Map(connectors),
});
const things: SiteThing[] = [
  cp("cp-a1", 44000, [["con-a1-1", 22000], ["con-a1-2", 22000]]),
  cp("cp-a2", 50000, [["con-a2-1", 50000]]),
  cp("cp-a3", 50000, [["con-a3-1", 50000]]),
  cp("cp-b1", 50000, [["con-b1-1", 50000]]),
  { title: "bess-north-1", types: ["gt:Battery"], feeder: "f-n1a" },
];
const targets = planAllocationTargets(nodes, things);
const nodeOfThing = new Map([["cp-a1", "cp-a1"]]);
const w = (node_id: string, thing: string, limit_watts: number | null, connector_id: string | null = null): LimitWrite => ({
  node_id, thing, affordance: connector_id ? "setConnectorLimit" : "chargingLimit", connector_id, limit_watts,
});

describe("planAllocationTargets", () => {
  it("maps controllable leaves to charge point Things: CHARGE_POINT leaves whole, CONNECTOR nodes through gt:connectors; the rest is left out", () => {
    expect(targets.map((t) => [t.node_id, t.thing, t.connector, t.maxPowerW, t.connectorMaxPowerW])).toEqual([
      ["con-a1-1", "cp-a1", "con-a1-1", 44000, 22000],
      ["con-a1-2", "cp-a1", "con-a1-2", 44000, 22000],
      ["cp-a2", "cp-a2", null, 50000, null],
      ["cp-a3", "cp-a3", null, 50000, null],
      ["cp-b1", "cp-b1", null, 50000, null],
      // cp-b2 has no Thing on this site; cp-a1 is interior (its connectors carry the allocation); the battery is not controllable here
    ]);
  });

  it("reads ratings from a charge point TD (gt:maxPowerW, gt:connectorMaxPowerW in gt:connectors order) and ignores bad ones", () => {
    const t = siteThingOf({ title: "cp-x", "@type": ["gt:ChargePoint"], "gt:maxPowerW": 44000, "gt:connectors": ["a", "b"], "gt:connectorMaxPowerW": [22000, -1] });
    expect(t.maxPowerW).toBe(44000);
    expect([...(t.connectorMaxPowerW ?? [])]).toEqual([["a", 22000]]);
    expect(siteThingOf({ title: "cp-y", "gt:maxPowerW": "lots", "gt:connectors": ["a"], "gt:connectorMaxPowerW": [1, 2] })).toEqual({ title: "cp-y", types: [], feeder: null, connectors: ["a"] });
  });
});

describe("limitWrites", () => {
  it.each<[string, Array<[string, number | null]>, LimitWrite[]]>([
    // each connector gets its own allocation and its charge point the sum; whole charge points their own
    [
      "a cycle's allocation",
      [["con-a1-1", 10000], ["con-a1-2", 5000], ["cp-a2", 20000], ["cp-a3", 0], ["cp-b1", 50000]],
      [w("con-a1-1", "cp-a1", 10000, "con-a1-1"), w("con-a1-2", "cp-a1", 5000, "con-a1-2"), w("cp-a2", "cp-a2", 20000), w("cp-a3", "cp-a3", 0), w("cp-b1", "cp-b1", 50000), w("cp-a1", "cp-a1", 15000)],
    ],
    // whole watts within [0, the rating]: a connector's own rating, the charge point's for a charge point
    [
      "clamped and rounded",
      [["con-a1-1", 30000.6], ["con-a1-2", -5], ["cp-a2", 70000], ["cp-a3", 1234.5]],
      [w("con-a1-1", "cp-a1", 22000, "con-a1-1"), w("con-a1-2", "cp-a1", 0, "con-a1-2"), w("cp-a2", "cp-a2", 50000), w("cp-a3", "cp-a3", 1235), w("cp-a1", "cp-a1", 22000)],
    ],
    // null lifts: a charge point whose connectors are lifted is lifted too
    ["null lifts", [["con-a1-1", null], ["con-a1-2", 4000], ["cp-a2", null]], [w("con-a1-1", "cp-a1", null, "con-a1-1"), w("con-a1-2", "cp-a1", 4000, "con-a1-2"), w("cp-a2", "cp-a2", null), w("cp-a1", "cp-a1", null)]],
    // a cycle scoped to another subtree: nodes without an allocation get no write
    ["scoped", [["cp-b1", 7000], ["not-a-target", 1]], [w("cp-b1", "cp-b1", 7000)]],
    ["nothing", [], []],
  ])("%s", (_name, allocation, expected) => {
    expect(limitWrites(targets, new Map(allocation), nodeOfThing)).toEqual(expected);
  });

  it("names a charge point with connectors by its title when it has no node of its own", () => {
    expect(limitWrites(targets, new Map([["con-a1-1", 1000]])).at(-1)).toEqual(w("cp-a1", "cp-a1", 1000));
  });
});
