import { describe, expect, it } from "vitest";
import { curtailed, pvAvailableW, windAvailableW } from "../../src/sim/der.ts";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NIGHT_MS, NOON_MS } from "./fixtures.ts";

describe("PV and wind", () => {
  it("PV follows irradiance and never exceeds its peak", () => {
    expect(pvAvailableW(100_000, 0, 20, 1)).toBe(0);
    expect(pvAvailableW(100_000, 500, 10, 1)).toBeCloseTo(50_000, 6);
    expect(pvAvailableW(100_000, 1000, 40, 1)).toBeLessThan(100_000); // hot modules derate
    expect(pvAvailableW(100_000, 5000, 0, 1)).toBe(100_000);
  });

  it("wind follows the power curve: cut-in, cubic, rated, cut-out", () => {
    const spec = { ratedW: 300_000, cutInMs: 3, ratedMs: 12, cutOutMs: 25 };
    expect(windAvailableW(spec, 2.9)).toBe(0);
    expect(windAvailableW(spec, 3)).toBe(0);
    expect(windAvailableW(spec, 7.5)).toBeGreaterThan(0);
    expect(windAvailableW(spec, 7.5)).toBeLessThan(windAvailableW(spec, 9));
    expect(windAvailableW(spec, 12)).toBe(300_000);
    expect(windAvailableW(spec, 24.9)).toBe(300_000);
    expect(windAvailableW(spec, 25)).toBe(0);
  });

  it("curtailment caps the output at the limit; null lifts it", () => {
    expect(curtailed(80_000, 50_000)).toBe(50_000);
    expect(curtailed(30_000, 50_000)).toBe(30_000);
    expect(curtailed(30_000, null)).toBe(30_000);
  });

  it("a PV plant produces by day, is curtailed on request and reports its limit", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    sim.step(1);
    const free = sim.pv("pv-north-1");
    expect(free.activePowerW).toBeGreaterThan(50_000);
    expect(free.activePowerW).toBe(free.availablePowerW);
    expect(free.curtailmentLimitW).toBeNull();
    sim.setCurtailment("pv-north-1", 40_000);
    sim.step(1);
    const cut = sim.pv("pv-north-1");
    expect(cut.activePowerW).toBe(40_000);
    expect(cut.availablePowerW).toBeGreaterThan(40_000);
    expect(cut.curtailmentLimitW).toBe(40_000);
    sim.setCurtailment("pv-north-1", null);
    sim.step(1);
    expect(sim.pv("pv-north-1").curtailmentLimitW).toBeNull();
    expect(sim.pv("pv-north-1").activePowerW).toBe(sim.pv("pv-north-1").availablePowerW);
  });

  it("wind curtailment and a wind fault drop its output; the grid meter sees it", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.step(1);
    const w = sim.wind("wind-south-1");
    expect(w.availablePowerW).toBeGreaterThan(0);
    const importBefore = sim.gridMeter().ActivePower;
    sim.injectDeviceFault("wind-south-1", { code: "PITCH", message: "pitch system fault", critical: false });
    sim.step(0.1);
    expect(sim.wind("wind-south-1").activePowerW).toBe(0);
    expect(sim.wind("wind-south-1").fault?.code).toBe("PITCH");
    expect(sim.gridMeter().ActivePower).toBeCloseTo(importBefore + w.activePowerW, 3);
    sim.clearDeviceFault("wind-south-1");
    sim.setCurtailment("wind-south-1", 1_000);
    sim.step(0.1);
    expect(sim.wind("wind-south-1").activePowerW).toBe(Math.min(1_000, sim.wind("wind-south-1").availablePowerW));
  });
});
