import { describe, expect, it } from "vitest";
import { assessFrequency, DEFAULT_REGULATION, validateRegulationConfig, type GridSample } from "../../../src/vpp/regulation/frequency.ts";

const at = (frequencyHz: number, extra: Partial<GridSample> = {}): GridSample => ({ timeMs: 1000, frequencyHz, rocofHzPerS: 0, quality: "GOOD", ...extra });

describe("assessFrequency", () => {
  // one row per scenario: sample, now, expected deviation, outside band, usable reason
  const rows: Array<[string, GridSample, number, number, boolean, string | undefined]> = [
    ["nominal", at(60), 1000, 0, false, undefined],
    ["just inside the seed 000 band", at(59.98), 1000, -0.02, false, undefined],
    ["just outside below", at(59.979), 1000, -0.021, true, undefined],
    ["outside above", at(60.05), 1000, 0.05, true, undefined],
    ["stale sample is not acted on", at(59.9), 7000, -0.1, false, "STALE_SAMPLE"],
    ["bad quality is not acted on", at(59.9, { quality: "STALE" }), 1000, -0.1, false, "QUALITY"],
    ["NaN is refused", at(Number.NaN), 1000, Number.NaN, false, "NOT_A_NUMBER"],
  ];
  it.each(rows)("%s", (_name, sample, now, deviation, outside, reason) => {
    const a = assessFrequency(sample, now);
    if (Number.isNaN(deviation)) expect(a.deviationHz).toBeNaN();
    else expect(a.deviationHz).toBeCloseTo(deviation, 9);
    expect(a.outsideBand).toBe(outside);
    expect(a.unusableReason).toBe(reason);
    expect(a.usable).toBe(reason === undefined);
  });

  it("estimates the imbalance from the deviation and the batteries' output (generation − load)", () => {
    const a = assessFrequency(at(59.95), 1000, { ...DEFAULT_REGULATION, stiffnessWPerHz: 2_000_000 }, { batteryW: 20_000, aggregatedLoadW: 500_000, renewableW: 300_000 });
    expect(a.residualImbalanceW).toBeCloseTo(-100_000, 6);
    expect(a.imbalanceW).toBeCloseTo(-120_000, 6);
    expect(a.localBalanceW).toBe(-180_000);
  });

  it("calls a small RoCoF settled", () => {
    expect(assessFrequency(at(59.95, { rocofHzPerS: 0.001 }), 1000).settled).toBe(true);
    expect(assessFrequency(at(59.95, { rocofHzPerS: -0.05 }), 1000).settled).toBe(false);
  });

  it("refuses a bad configuration", () => {
    expect(() => validateRegulationConfig({ ...DEFAULT_REGULATION, deadbandHz: 0 })).toThrow(/deadbandHz/);
    expect(() => validateRegulationConfig({ ...DEFAULT_REGULATION, stiffnessWPerHz: Number.NaN })).toThrow(/stiffness/);
    expect(validateRegulationConfig(DEFAULT_REGULATION)).toBe(DEFAULT_REGULATION);
  });
});
