/**
 * The microgrid bridge with the demo depot's charge points: CHARGE_POINT and CONNECTOR nodes get the
 * EVs' request as demand (metered power when there is none); feeder totals stay metered.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import type { MicrogridNode } from "../../../src/microgrid/types.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { bridgeReadings, planBridge, siteThingOf, type SiteThing } from "../../../things/microgrid/telemetry-bridge.ts";

const demo = loadMicrogridDefinitions(join(TDS_DIR, "microgrid")).find((d) => d.microgrid_id === "mg-depot-north-1");
if (!demo) throw new Error("demo depot definition missing");
const nodes = demo.nodes as MicrogridNode[];
const cp = (title: string, feeder: string, connectors: string[]): SiteThing => ({ title, types: ["saref:Device", "gt:ChargePoint"], feeder, connectors });
const things: SiteThing[] = [
  { title: "bess-north-1", types: ["gt:Battery"], feeder: "f-n1a" },
  { title: "pv-north-1", types: ["gt:PvPlant"], feeder: "f-n1b" },
  { title: "m-a-1", types: ["gt:SmartMeter"], feeder: "f-n1a" },
  { title: "m-b-1", types: ["gt:SmartMeter"], feeder: "f-n1b" },
  cp("cp-a1", "f-n1a", ["con-a1-1", "con-a1-2"]),
  cp("cp-a2", "f-n1a", ["con-a2-1"]),
  cp("cp-a3", "f-n1a", ["con-a3-1"]),
  cp("cp-b1", "f-n1b", ["con-b1-1"]),
  cp("cp-b2", "f-n1b", ["con-b2-1"]),
];
const plan = planBridge("mg-depot-north-1", nodes, things);
const AT = "2026-06-21T19:00:00.000Z";

describe("bridge with charge points", () => {
  it("reads a charge point TD's connector ids; other TDs have none", () => {
    expect(siteThingOf({ title: "cp-a1", "@type": ["gt:ChargePoint"], "gt:feeder": "f-n1a", "gt:connectors": ["con-a1-1", 7, "con-a1-2"] })).toEqual({ title: "cp-a1", types: ["gt:ChargePoint"], feeder: "f-n1a", connectors: ["con-a1-1", "con-a1-2"] });
    expect(siteThingOf({ title: "x", "@type": "gt:Battery" }).connectors).toBeUndefined();
  });

  it("maps every CHARGE_POINT node to its Thing (consumption positive) and the CONNECTOR nodes to the charge point's connectors", () => {
    const byNode = new Map(plan.devices.map((d) => [d.node_id, d] as const));
    for (const id of ["cp-a1", "cp-a2", "cp-a3", "cp-b1", "cp-b2"]) expect(byNode.get(id)).toMatchObject({ thing: id, sign: 1, requested: true });
    expect(byNode.get("con-a1-1")).toEqual({ thing: "cp-a1", node_id: "con-a1-1", feeder: "f-n1a", sign: 1, connector: "con-a1-1", requested: true });
    expect(byNode.get("bess-north-1")?.requested).toBeUndefined();
    expect(byNode.get("con-a1-2")).toMatchObject({ thing: "cp-a1", connector: "con-a1-2" });
    // connectors without a node in the depot are not mapped
    expect(plan.devices.some((d) => d.connector === "con-a2-1")).toBe(false);
  });

  it("gives connectors their own power and counts them once in the feeder total", () => {
    const readings = bridgeReadings(
      plan,
      {
        meterPowerW: new Map([["m-a-1", 1000], ["m-b-1", 2000]]),
        devicePowerW: new Map([["bess-north-1", 0], ["pv-north-1", 500], ["cp-a1", 30000], ["cp-a2", 50000], ["cp-a3", 0], ["cp-b1", 11000], ["cp-b2", 0]]),
        connectorPowerW: new Map([["con-a1-1", 22000], ["con-a1-2", 8000]]),
      },
      AT,
    );
    const demand = Object.fromEntries(readings.map((r) => [r.node_id, r.measured_demand_watts]));
    expect(demand).toMatchObject({ "con-a1-1": 22000, "con-a1-2": 8000, "cp-a1": 30000, "cp-a2": 50000, "cp-b1": 11000 });
    expect(demand["gc-f-n1a"]).toBe(1000 + 0 + 30000 + 50000 + 0);
    expect(demand["gc-f-n1b"]).toBe(2000 - 500 + 11000 + 0);
  });

  it("leaves a connector and its feeder total out when the connector did not report", () => {
    const readings = bridgeReadings(
      plan,
      {
        meterPowerW: new Map([["m-a-1", 1000], ["m-b-1", 2000]]),
        devicePowerW: new Map([["bess-north-1", 0], ["cp-a1", 30000], ["cp-a2", 0], ["cp-a3", 0]]),
        connectorPowerW: new Map([["con-a1-1", 22000]]),
      },
      AT,
    );
    const nodesWithReadings = readings.map((r) => r.node_id);
    expect(nodesWithReadings).toContain("con-a1-1");
    expect(nodesWithReadings).not.toContain("con-a1-2");
    expect(nodesWithReadings).not.toContain("gc-f-n1b"); // cp-b1, cp-b2 and PV unknown
  });

  it("gives charge point and connector nodes the EVs' request while the feeder totals stay metered (a capped charge point asks for more than it draws)", () => {
    const readings = bridgeReadings(
      plan,
      {
        meterPowerW: new Map([["m-a-1", 1000], ["m-b-1", 2000]]),
        devicePowerW: new Map([["bess-north-1", 0], ["pv-north-1", 500], ["cp-a1", 20000], ["cp-a2", 30000], ["cp-a3", 0], ["cp-b1", 11000], ["cp-b2", 0]]),
        connectorPowerW: new Map([["con-a1-1", 10000], ["con-a1-2", 10000]]),
        deviceRequestedW: new Map([["cp-a1", 44000], ["cp-a2", 50000], ["cp-a3", 0], ["cp-b1", 11000], ["cp-b2", 0], ["bess-north-1", 99999]]),
        connectorRequestedW: new Map([["con-a1-1", 22000], ["con-a1-2", 22000]]),
      },
      AT,
    );
    const demand = Object.fromEntries(readings.map((r) => [r.node_id, r.measured_demand_watts]));
    expect(demand).toMatchObject({ "con-a1-1": 22000, "con-a1-2": 22000, "cp-a1": 44000, "cp-a2": 50000, "cp-a3": 0, "cp-b1": 11000, "bess-north-1": 0 });
    expect(demand["gc-f-n1a"]).toBe(1000 + 0 + 20000 + 30000 + 0); // metered, not requested
    expect(demand["gc-f-n1b"]).toBe(2000 - 500 + 11000 + 0);
  });

  it("falls back to the metered power for a charge point without a (finite) request", () => {
    const readings = bridgeReadings(
      plan,
      {
        meterPowerW: new Map([["m-a-1", 1000]]),
        devicePowerW: new Map([["cp-a2", 30000], ["cp-a3", 7000]]),
        deviceRequestedW: new Map([["cp-a3", Number.NaN]]),
      },
      AT,
    );
    const demand = Object.fromEntries(readings.map((r) => [r.node_id, r.measured_demand_watts]));
    expect(demand).toMatchObject({ "cp-a2": 30000, "cp-a3": 7000 });
  });
});
