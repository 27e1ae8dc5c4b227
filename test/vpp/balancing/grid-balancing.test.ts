import { describe, expect, it } from "vitest";
import { planBalancing, validateSetpoints } from "../../../src/vpp/balancing/grid-balancing.ts";
import { assessFrequency } from "../../../src/vpp/regulation/frequency.ts";
import type { DispatchDecision } from "../../../src/vpp/dispatch/storage-dispatch.ts";

const decision = (extra: Partial<DispatchDecision>): DispatchDecision => ({ reason: "RESIZED", availableCapacityW: 240_000, availableChargeW: 50_000, requiredW: 0, netImbalanceW: 0, commandW: 0, setpoints: [], activeIds: [], ...extra });
const at = (f: number) => assessFrequency({ timeMs: 0, frequencyHz: f, rocofHzPerS: 0, quality: "GOOD" }, 0);
const pv = (id: string, w: number, limit: number | null = null) => ({ id, kind: "pv" as const, activePowerW: w, availablePowerW: w, curtailmentLimitW: limit });

describe("validateSetpoints (validate before apply)", () => {
  it("scales a node's discharge down to its limit and reports it", () => {
    const r = validateSetpoints([{ id: "a", targetW: 150_000, previousW: 0 }, { id: "b", targetW: 50_000, previousW: 0 }, { id: "c", targetW: 10_000, previousW: 0 }], [{ nodeId: "f1", deviceIds: ["a", "b"], maxExportW: 100_000 }]);
    expect(r.setpoints.find((s) => s.id === "a")!.targetW).toBeCloseTo(75_000, 6);
    expect(r.setpoints.find((s) => s.id === "b")!.targetW).toBeCloseTo(25_000, 6);
    expect(r.setpoints.find((s) => s.id === "c")!.targetW).toBe(10_000);
    expect(r.violations).toEqual([{ nodeId: "f1", reason: "NODE_LIMIT", plannedW: 200_000, allowedW: 100_000 }]);
  });

  it("strictest wins: an envelope below the node limit applies too", () => {
    const r = validateSetpoints([{ id: "a", targetW: 90_000, previousW: 0 }], [{ nodeId: "f1", deviceIds: ["a"], maxExportW: 100_000 }], [{ nodeId: "sub", deviceIds: ["a"], minW: -10_000, maxW: 60_000 }]);
    expect(r.setpoints[0]!.targetW).toBeCloseTo(60_000, 6);
    expect(r.violations.map((v) => v.reason)).toEqual(["ENVELOPE"]);
  });

  it("limits charge by maxImportW", () => {
    const r = validateSetpoints([{ id: "a", targetW: -80_000, previousW: 0 }], [{ nodeId: "f1", deviceIds: ["a"], maxImportW: 20_000 }]);
    expect(r.setpoints[0]!.targetW).toBeCloseTo(-20_000, 6);
  });

  it("counts held setpoints of other batteries in the node sum", () => {
    const plan = planBalancing({ assessment: at(59.95), decision: decision({ setpoints: [{ id: "a", targetW: 80_000, previousW: 0 }] }), renewables: [], limits: [{ nodeId: "f1", deviceIds: ["a", "b"], maxExportW: 100_000 }], heldSetpointsW: { a: 80_000, b: 60_000 } });
    const total = plan.setpoints.reduce((s, p) => s + p.targetW, 0);
    expect(total).toBeCloseTo(100_000, 6);
    expect(plan.violations).toHaveLength(1);
  });
});

describe("planBalancing", () => {
  it("curtails renewables by the excess the batteries cannot absorb on over-frequency", () => {
    const plan = planBalancing({ assessment: at(60.05), decision: decision({ requiredW: -105_000, availableChargeW: 50_000 }), renewables: [pv("p1", 100_000), pv("p2", 10_000)] });
    expect(plan.excessW).toBeCloseTo(55_000, 6);
    expect(plan.curtailments.map((c) => c.id)).toEqual(["p1", "p2"]);
    expect(plan.curtailments.reduce((s, c) => s + (c.limitW ?? 0), 0)).toBeCloseTo(55_000, -1);
  });

  it("does not curtail when the batteries can absorb the excess", () => {
    expect(planBalancing({ assessment: at(60.05), decision: decision({ requiredW: -40_000 }), renewables: [pv("p1", 100_000)] }).curtailments).toEqual([]);
  });

  it("releases curtailment once the frequency is below nominal", () => {
    const plan = planBalancing({ assessment: at(59.99), decision: decision({}), renewables: [pv("p1", 40_000, 40_000), pv("p2", 10_000)] });
    expect(plan.curtailments).toEqual([{ id: "p1", limitW: null, previousW: 40_000 }]);
  });

  it("keeps curtailment inside the band above nominal (hysteresis)", () => {
    expect(planBalancing({ assessment: at(60.01), decision: decision({}), renewables: [pv("p1", 40_000, 40_000)] }).curtailments).toEqual([]);
  });
});
