import { describe, expect, it } from "vitest";
import { GridSimulator, METER_INTERVAL_MS } from "../../src/sim/index.ts";
import { demoSite, NIGHT_MS, NOON_MS } from "./fixtures.ts";

describe("energy balance", () => {
  it("site import energy = meters + injected load − PV − wind − battery, and the grid meter registers integrate it", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const socStart = sim.battery("bess-north-1").socPercent;
    sim.setBatteryTarget("bess-north-1", 150_000);
    sim.injectLoadStep(50_000, 120);
    sim.step(300);
    sim.setBatteryTarget("bess-north-1", -100_000);
    sim.setCurtailment("pv-south-1", 20_000);
    sim.step(300);
    const p = sim.physics();
    const e = p.energyWh;
    expect(e.pv).toBeGreaterThan(0);
    expect(e.loadStep).toBeCloseTo((50_000 * 120) / 3600, 6);
    expect(e.siteImport).toBeCloseTo(e.meterNet + e.loadStep + e.chargePoints - e.pv - e.wind - e.battery, 6);
    const g = sim.gridMeter();
    expect(g.EnergyNet * 1000).toBeCloseTo(e.siteImport, 6);
    // the battery's energy is its SoC change
    const socEnd = sim.battery("bess-north-1").socPercent;
    const otherBatteries = ["bess-north-2", "bess-south-1"].every((id) => sim.battery(id).activePowerW === 0);
    expect(otherBatteries).toBe(true);
    expect(((socStart - socEnd) / 100) * 400_000).toBeCloseTo(e.battery, 6);
  });

  it("the sum of all meters' register deltas equals the meter energy the physics integrated", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const ids = sim.meterIds();
    const start = ids.map((id) => sim.meter(id));
    sim.step(900);
    const end = ids.map((id) => sim.meter(id));
    let delta = 0;
    ids.forEach((_, i) => {
      delta += end[i]!.energyImportWh - start[i]!.energyImportWh - (end[i]!.energyExportWh - start[i]!.energyExportWh);
    });
    expect(delta).toBeCloseTo(sim.physics().energyWh.meterNet, 4);
  });

  it("meter registers are monotone and the exact integral of the piecewise-constant power", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const ids = sim.meterIds().filter((id) => sim.meter(id).hasRooftopPv).slice(0, 5);
    expect(ids.length).toBe(5);
    let sawExport = false;
    for (const id of ids) {
      const sim2 = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
      let last = sim2.meter(id);
      let imp = last.energyImportWh;
      let exp = last.energyExportWh;
      for (let i = 0; i < 240; i++) {
        const p = last.activePowerW; // constant over the coming 15 s interval
        sim2.advanceTo(sim2.time() + METER_INTERVAL_MS);
        const now = sim2.meter(id);
        if (p >= 0) imp += (p * 15) / 3600;
        else {
          exp -= (p * 15) / 3600;
          sawExport = true;
        }
        expect(now.energyImportWh).toBeGreaterThanOrEqual(last.energyImportWh);
        expect(now.energyExportWh).toBeGreaterThanOrEqual(last.energyExportWh);
        expect(now.energyImportWh).toBeCloseTo(imp, 6);
        expect(now.energyExportWh).toBeCloseTo(exp, 6);
        last = now;
      }
    }
    expect(sawExport).toBe(true); // both registers were exercised
  });

  it("households with rooftop PV export at noon and their export register moves", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const pvMeters = sim.meterIds().filter((id) => sim.meter(id).hasRooftopPv);
    const before = pvMeters.map((id) => sim.meter(id).energyExportWh);
    sim.step(600);
    const after = pvMeters.map((id) => sim.meter(id).energyExportWh);
    const moved = after.filter((v, i) => v > before[i]!).length;
    expect(moved).toBeGreaterThan(pvMeters.length / 3);
    expect(pvMeters.some((id) => sim.meter(id).activePowerW < 0)).toBe(true);
  });

  it("at night nobody exports and PV plants are at 0 W", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.step(60);
    expect(sim.meterIds().every((id) => sim.meter(id).activePowerW > 0)).toBe(true);
    expect(sim.pv("pv-north-1").activePowerW).toBe(0);
    expect(sim.weather().irradianceWm2).toBe(0);
  });

  it("meter readings are physically consistent: current = |S| / V, lagging power factor 0.9..0.98 on the load", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.step(30);
    for (const id of sim.meterIds()) {
      const m = sim.meter(id);
      expect(m.currentA).toBeCloseTo(Math.hypot(m.activePowerW, m.reactivePowerVar) / m.voltageV, 9);
      expect(m.reactivePowerVar).toBeGreaterThan(0);
      const pf = m.activePowerW / Math.hypot(m.activePowerW, m.reactivePowerVar);
      expect(pf).toBeGreaterThanOrEqual(0.9 - 1e-9);
      expect(pf).toBeLessThanOrEqual(0.98 + 1e-9);
      expect(m.voltageV).toBeGreaterThan(220);
      expect(m.voltageV).toBeLessThan(240);
      expect(m.quality).toBe("GOOD");
    }
  });
});
