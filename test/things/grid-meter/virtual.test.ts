import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GridSimulator } from "../../../src/sim/index.ts";
import type { SiteFile } from "../../../src/site/site-file.ts";
import { simulatorInputs, virtualPhasePower, VirtualGridMeter, worstQuality, type VirtualInputs } from "../../../things/grid-meter/virtual.ts";

function inputs(overrides: Partial<VirtualInputs> = {}): VirtualInputs {
  return {
    loadW: [20000, 5000, 4000],
    loadVar: [1000, 500, 0],
    batteryW: [2000, 2000, 2000],
    generationW: [3000, 6000, 4000],
    voltageV: [230, 230, 230],
    frequencyHz: 60,
    rocofHzPerS: 0,
    quality: "GOOD",
    timeMs: 0,
    ...overrides,
  };
}

describe("virtual grid meter: per phase = load + battery − PV (battery charge positive in the seed)", () => {
  it("per-phase power with our battery convention (discharge positive)", () => {
    expect(virtualPhasePower([20000, 5000, 4000], [2000, 2000, 2000], [3000, 6000, 4000])).toEqual([15000, -3000, -2000]);
    // A charging battery (negative here) adds to the grid import, as "+ battery" in the seed.
    expect(virtualPhasePower([1000, 1000, 1000], [-500, 0, 0], [0, 0, 0])).toEqual([1500, 1000, 1000]);
  });

  it("serves every channel: seed 003's worked example comes out as +10 kW import", () => {
    const meter = new VirtualGridMeter(() => inputs());
    const s = meter.sample();
    expect(s).toMatchObject({ ActivePower_L1: 15000, ActivePower_L2: -3000, ActivePower_L3: -2000, ActivePower: 10000, ReactivePower: 1500, quality: "GOOD" });
    expect(s.Timestamp).toBe("1970-01-01T00:00:00.000Z");
  });

  it("integrates energy between samples, import and export separately", () => {
    let now = 0;
    let load: [number, number, number] = [20000, 5000, 4000];
    const meter = new VirtualGridMeter(() => inputs({ timeMs: now, loadW: load }));
    meter.sample();
    now = 3_600_000; // one hour at +10 kW
    meter.sample();
    load = [0, 0, 0]; // now exporting 19 kW
    now = 5_400_000; // half an hour more at the +10 kW measured before
    let s = meter.sample();
    expect(s.EnergyImport).toBeCloseTo(15, 9);
    now = 7_200_000; // half an hour at −19 kW
    s = meter.sample();
    expect(s.EnergyExport).toBeCloseTo(9.5, 9);
    expect(s.EnergyNet).toBeCloseTo(5.5, 9);
    expect(s.ReactiveEnergyImport).toBeCloseTo(1.5 * 2, 9); // 1.5 kVAr for two hours
  });

  it("carries the worst input quality and ignores samples from the past", () => {
    let now = 1000;
    let quality: VirtualInputs["quality"] = "GOOD";
    const meter = new VirtualGridMeter(() => inputs({ timeMs: now, quality }));
    meter.sample();
    quality = "STALE";
    now = 2000;
    expect(meter.sample().quality).toBe("STALE");
    now = 500;
    expect(meter.sample().Timestamp).toBe(new Date(2000).toISOString());
    expect(worstQuality("GOOD", "ERROR")).toBe("ERROR");
    expect(worstQuality("STALE", "GOOD")).toBe("STALE");
  });

  it("before the first sample it is STALE zeros", () => {
    expect(new VirtualGridMeter(() => inputs()).snapshot()).toMatchObject({ quality: "STALE", ActivePower: 0 });
  });

  it("from the simulator: matches the simulator's own grid meter phase by phase", () => {
    const site = JSON.parse(readFileSync(new URL("../../../tds/sites/demo.site.json", import.meta.url), "utf8")) as SiteFile;
    const sim = new GridSimulator(site);
    sim.advanceTo(sim.startTimeMs + 30_000);
    sim.setBatteryTarget(site.batteries[0]!.id, 50_000);
    sim.advanceTo(sim.startTimeMs + 45_000);
    const virtual = new VirtualGridMeter(simulatorInputs(sim)).sample();
    const physical = sim.gridMeter();
    for (const name of ["ActivePower_L1", "ActivePower_L2", "ActivePower_L3", "ActivePower", "ReactivePower_L1", "ReactivePower"] as const) {
      expect(virtual[name], name).toBeCloseTo(physical[name], 3);
    }
    expect(virtual.Frequency).toBe(physical.Frequency);
    expect(virtual.quality).toBe("GOOD");
    sim.injectTelemetryDropout(site.batteries[0]!.id, 60);
    expect(new VirtualGridMeter(simulatorInputs(sim)).sample().quality).toBe("STALE");
  });
});
