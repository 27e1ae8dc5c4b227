import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import type { MicrogridNode } from "../../../src/microgrid/types.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { bridgeReadings, planBridge, siteThingOf, type SiteThing } from "../../../things/microgrid/telemetry-bridge.ts";

const demo = loadMicrogridDefinitions(join(TDS_DIR, "microgrid")).find((d) => d.microgrid_id === "mg-depot-north-1");
if (!demo) throw new Error("demo depot definition missing");
const nodes = demo.nodes as MicrogridNode[];

const things: SiteThing[] = [
  { title: "bess-north-1", types: ["saref:Device", "gt:Battery"], feeder: "f-n1a" },
  { title: "pv-north-1", types: ["saref:Device", "gt:PvPlant"], feeder: "f-n1b" },
  { title: "bess-south-1", types: ["gt:Battery"], feeder: "f-s1c" },
  { title: "m-a-1", types: ["saref:Meter", "gt:SmartMeter"], feeder: "f-n1a" },
  { title: "m-a-2", types: ["saref:Meter", "gt:SmartMeter"], feeder: "f-n1a" },
  { title: "m-b-1", types: ["gt:SmartMeter"], feeder: "f-n1b" },
  { title: "m-other", types: ["gt:SmartMeter"], feeder: "f-s1a" },
];
const plan = planBridge("mg-depot-north-1", nodes, things);
const AT = "2026-06-21T19:00:00.000Z";
const r = (node_id: string, measured_demand_watts: number) => ({ node_id, measured_demand_watts, observed_at: AT });

describe("planBridge on the demo depot", () => {
  it("maps feeders to grid connections and meter-sum nodes, devices by attached asset id with their sign", () => {
    expect(plan.feeders).toEqual([
      { feeder: "f-n1a", grid_node_id: "gc-f-n1a", load_node_id: "load-f-n1a", meters: ["m-a-1", "m-a-2"] },
      { feeder: "f-n1b", grid_node_id: "gc-f-n1b", load_node_id: "load-f-n1b", meters: ["m-b-1"] },
    ]);
    expect(plan.devices).toEqual([
      { thing: "bess-north-1", node_id: "bess-north-1", feeder: "f-n1a", sign: -1 },
      { thing: "pv-north-1", node_id: "pv-north-1", feeder: "f-n1b", sign: -1 },
    ]);
  });

  it("reads the placement and types of a TD", () => {
    expect(siteThingOf({ title: "m-1", "@type": ["saref:Meter", "gt:SmartMeter"], "gt:feeder": "f-1" })).toEqual({ title: "m-1", types: ["saref:Meter", "gt:SmartMeter"], feeder: "f-1" });
    expect(siteThingOf({ title: "w", "@type": "gt:Weather" })).toEqual({ title: "w", types: ["gt:Weather"], feeder: null });
  });
});

describe("bridgeReadings", () => {
  const meters = (entries: Record<string, number>) => new Map(Object.entries(entries));
  it.each([
    [
      // every part known: meter sums, sign-converted devices, feeder totals on the grid connections
      "complete sample",
      meters({ "m-a-1": 1500.4, "m-a-2": 2500, "m-b-1": -300 }),
      meters({ "bess-north-1": 20000, "pv-north-1": 15000 }),
      [r("bess-north-1", -20000), r("gc-f-n1a", -16000), r("gc-f-n1b", -15300), r("load-f-n1a", 4000), r("load-f-n1b", -300), r("pv-north-1", -15000)],
    ],
    [
      // a charging battery is consumption; PV at night gives 0 (never -0)
      "battery charging, PV dark",
      meters({ "m-a-1": 1000, "m-a-2": 1000, "m-b-1": 500 }),
      meters({ "bess-north-1": -30000, "pv-north-1": 0 }),
      [r("bess-north-1", 30000), r("gc-f-n1a", 32000), r("gc-f-n1b", 500), r("load-f-n1a", 2000), r("load-f-n1b", 500), r("pv-north-1", 0)],
    ],
    [
      // one meter of f-n1a has not reported yet: no meter sum and no total for that feeder
      "a meter missing",
      meters({ "m-a-1": 1000, "m-b-1": 500 }),
      meters({ "bess-north-1": 0, "pv-north-1": 1000 }),
      [r("bess-north-1", 0), r("gc-f-n1b", -500), r("load-f-n1b", 500), r("pv-north-1", -1000)],
    ],
    [
      // the PV read failed: its node and its feeder's total are left out, the meter sum stays
      "a device read failed",
      meters({ "m-a-1": 1000, "m-a-2": 1000, "m-b-1": 500 }),
      meters({ "bess-north-1": 10000 }),
      [r("bess-north-1", -10000), r("gc-f-n1a", -8000), r("load-f-n1a", 2000), r("load-f-n1b", 500)],
    ],
    ["nothing reported", meters({}), meters({}), []],
    [
      // meters off the microgrid's feeders and non-finite values are ignored
      "foreign meter, NaN device",
      meters({ "m-other": 9999, "m-a-1": 1, "m-a-2": 1, "m-b-1": 1 }),
      meters({ "bess-north-1": Number.NaN, "pv-north-1": 2 }),
      [r("gc-f-n1b", -1), r("load-f-n1a", 2), r("load-f-n1b", 1), r("pv-north-1", -2)],
    ],
  ])("%s", (_name, meterPowerW, devicePowerW, expected) => {
    expect(bridgeReadings(plan, { meterPowerW, devicePowerW }, AT)).toEqual(expected);
  });
});
