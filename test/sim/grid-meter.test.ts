import { describe, expect, it } from "vitest";
import { GRID_METER_CHANNEL_NAMES, gridMeterChannels } from "../../src/sim/grid-meter.ts";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

describe("gridMeterChannels (seed 003)", () => {
  it("computes the worked example: L1 +15 kW, L2 −3 kW, L3 −2 kW → +10 kW import", () => {
    const c = gridMeterChannels({ activePowerW: [15000, -3000, -2000] });
    expect(c.ActivePower).toBe(10000);
    expect(c.ActivePower_L1).toBe(15000);
    expect(c.ActivePower_L2).toBe(-3000);
    expect(c.ActivePower_L3).toBe(-2000);
    expect(c.ActivePower).toBeGreaterThan(0); // positive = import
    expect(c.PowerFactor).toBe(1);
    expect(c.Current_L1).toBeCloseTo(15000 / 230, 9);
    expect(c.Current_L2).toBeCloseTo(3000 / 230, 9);
  });

  it("sums reactive power per phase, keeps the IEEE 1459 sign and derives S, PF and currents", () => {
    const c = gridMeterChannels({
      activePowerW: [3000, 4000, -1000],
      reactivePowerVar: [1000, -500, 0],
      voltageV: [230, 231, 229],
      importWh: 1500,
      exportWh: 500,
      reactiveImportVarh: 2000,
      reactiveExportVarh: 250,
      frequencyHz: 59.97,
      rocofHzPerS: -0.01,
    });
    expect(c.ReactivePower).toBe(500);
    expect(c.ApparentPower).toBeCloseTo(Math.hypot(6000, 500), 9);
    expect(c.PowerFactor).toBeCloseTo(6000 / Math.hypot(6000, 500), 12);
    expect(c.Current_L2).toBeCloseTo(Math.hypot(4000, 500) / 231, 9);
    expect(c.EnergyImport).toBe(1.5);
    expect(c.EnergyExport).toBe(0.5);
    expect(c.EnergyNet).toBe(1);
    expect(c.ReactiveEnergyImport).toBe(2);
    expect(c.ReactiveEnergyExport).toBe(0.25);
    expect(c.Frequency).toBe(59.97);
    expect(c.Frequency_RoCoF).toBe(-0.01);
  });

  it("gives a negative power factor while exporting", () => {
    const c = gridMeterChannels({ activePowerW: [-2000, -2000, -2000], reactivePowerVar: [100, 100, 100] });
    expect(c.ActivePower).toBe(-6000);
    expect(c.PowerFactor).toBeLessThan(0);
  });

  it("the simulator's grid meter carries every seed 003 channel, per phase consistent with totals", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    sim.setBatteryTarget("bess-north-1", 80_000);
    sim.injectLoadStep(30_000);
    for (let i = 0; i < 20; i++) {
      sim.step(7.3);
      const g = sim.gridMeter();
      for (const name of GRID_METER_CHANNEL_NAMES) expect(Number.isFinite(g[name]), name).toBe(true);
      expect(g.ActivePower_L1 + g.ActivePower_L2 + g.ActivePower_L3).toBeCloseTo(g.ActivePower, 6);
      expect(g.ReactivePower_L1 + g.ReactivePower_L2 + g.ReactivePower_L3).toBeCloseTo(g.ReactivePower, 6);
      expect(g.EnergyNet).toBeCloseTo(g.EnergyImport - g.EnergyExport, 9);
      const p = sim.physics();
      expect(g.ActivePower).toBeCloseTo(p.siteImportW, 6);
      // import = meters + injected load − PV − wind − battery discharge
      expect(p.siteImportW).toBeCloseTo(p.meterNetW + p.injectedLoadStepW + p.chargePointW - p.pvW - p.windW - p.batteryW, 6);
    }
  });

  it("per phase: meters sit on their phase, three-phase DERs split evenly", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    sim.step(16); // inside the 15..30 s meter interval
    const before = sim.gridMeter();
    sim.setBatteryTarget("bess-south-1", 90_000);
    sim.step(5); // ramps at 40 kW/s: full power within 3 s, same meter interval
    const after = sim.gridMeter();
    expect(sim.battery("bess-south-1").activePowerW).toBe(90_000);
    for (const ph of ["ActivePower_L1", "ActivePower_L2", "ActivePower_L3"] as const) {
      expect(before[ph] - after[ph]).toBeCloseTo(30_000, 6);
    }
    // the meters' sum per phase equals the grid meter's phase minus the DER share
    let l1 = 0;
    for (const id of sim.meterIds()) {
      const m = sim.meter(id);
      if (m.phase === 1) l1 += m.activePowerW;
    }
    const p = sim.physics();
    expect(after.ActivePower_L1).toBeCloseTo(l1 + (p.injectedLoadStepW + p.chargePointW - p.pvW - p.windW - p.batteryW) / 3, 3);
  });
});
