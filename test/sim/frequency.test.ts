import { describe, expect, it } from "vitest";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NIGHT_MS } from "./fixtures.ts";

/** Lowest / highest frequency seen while stepping `seconds` in 100 ms steps. */
function run(sim: GridSimulator, seconds: number): { min: number; max: number; last: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < seconds * 10; i++) {
    sim.advanceTo(sim.time() + 100);
    const f = sim.physics().frequencyHz;
    min = Math.min(min, f);
    max = Math.max(max, f);
  }
  return { min, max, last: sim.physics().frequencyHz };
}

describe("frequency (swing equation, demo grid numbers)", () => {
  it("starts at 60 Hz in balance and stays near it without disturbances", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    expect(sim.physics().frequencyHz).toBe(60);
    const r = run(sim, 120);
    expect(r.min).toBeGreaterThan(59.98);
    expect(r.max).toBeLessThan(60.02);
  });

  it("a 100 kW load step drops the frequency below 59.98 Hz within seconds and it stays low without control", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    run(sim, 10);
    sim.injectLoadStep(100_000);
    const first = run(sim, 3);
    expect(first.min).toBeLessThan(59.98);
    expect(sim.physics().rocofHzPerS).not.toBe(0);
    const later = run(sim, 60);
    expect(later.max).toBeLessThan(59.98); // secondary control is slow: dispatch is worth it
    expect(sim.physics().injectedLoadStepW).toBe(100_000);
  });

  it("discharging the 200 kW battery against the step brings the frequency back within ±0.02 Hz", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    run(sim, 10);
    sim.injectLoadStep(100_000);
    run(sim, 5);
    expect(sim.physics().frequencyHz).toBeLessThan(59.98);
    sim.setBatteryTarget("bess-north-1", 100_000);
    run(sim, 10); // 50 kW/s ramp: full in 2 s, then the governor settles
    const r = run(sim, 30);
    expect(r.min).toBeGreaterThan(59.98);
    expect(r.max).toBeLessThan(60.02);
  });

  it("a battery discharge raises the frequency and a charge lowers it", () => {
    const up = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    const down = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    const ref = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    for (const s of [up, down, ref]) run(s, 10);
    up.setBatteryTarget("bess-north-1", 200_000);
    down.setBatteryTarget("bess-north-1", -150_000);
    for (const s of [up, down, ref]) run(s, 20);
    const f = ref.physics().frequencyHz;
    expect(up.physics().frequencyHz - f).toBeGreaterThan(0.05);
    expect(down.physics().frequencyHz - f).toBeLessThan(-0.04);
  });

  it("a generator trip lowers the frequency; secondary control restores it slowly", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    run(sim, 5);
    sim.injectGeneratorTrip(150_000);
    expect(run(sim, 5).min).toBeLessThan(59.95);
    expect(sim.physics().trippedGenerationW).toBe(150_000);
    const deviationEarly = Math.abs(sim.physics().frequencyHz - 60);
    run(sim, 900); // three secondary-control time constants
    expect(Math.abs(sim.physics().frequencyHz - 60)).toBeLessThan(deviationEarly / 3);
    expect(sim.physics().secondaryW).toBeGreaterThan(100_000);
  });

  it("a load step with a duration ends by itself", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.injectLoadStep(100_000, 2);
    run(sim, 1);
    expect(sim.physics().injectedLoadStepW).toBe(100_000);
    run(sim, 2);
    expect(sim.physics().injectedLoadStepW).toBe(0);
  });

  it("curtailing wind lowers the frequency (lost generation)", () => {
    const site = demoSite();
    const a = new GridSimulator(site, { startTimeMs: NIGHT_MS });
    const b = new GridSimulator(site, { startTimeMs: NIGHT_MS });
    run(a, 5);
    run(b, 5);
    expect(b.wind("wind-south-1").availablePowerW).toBeGreaterThan(5_000);
    b.setCurtailment("wind-south-1", 0);
    run(a, 10);
    run(b, 10);
    expect(b.physics().frequencyHz).toBeLessThan(a.physics().frequencyHz);
  });

  it("the battery's embedded droop answers a frequency drop outside its deadband", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.setBatteryDroop("bess-north-1", { enabled: true, deadbandHz: 0.02, droopPercent: 0.1, maxPowerW: 150_000 });
    const free = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    for (const s of [sim, free]) {
      run(s, 5);
      s.injectLoadStep(100_000);
    }
    const withDroop = run(sim, 20);
    const without = run(free, 20);
    const b = sim.battery("bess-north-1");
    expect(b.droopPowerW).toBeGreaterThan(0);
    expect(b.activePowerW).toBeGreaterThan(0);
    expect(b.targetPowerW).toBe(0);
    expect(withDroop.last).toBeGreaterThan(without.last);
  });
  it("clearLoadSteps ends open-ended steps from now", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.injectLoadStep(70_000);
    sim.injectLoadStep(-20_000);
    run(sim, 1);
    expect(sim.physics().injectedLoadStepW).toBe(50_000);
    sim.clearLoadSteps();
    run(sim, 1);
    expect(sim.physics().injectedLoadStepW).toBe(0);
  });
});
