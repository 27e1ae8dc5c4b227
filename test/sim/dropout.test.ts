import { describe, expect, it } from "vitest";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

describe("telemetry dropout and faults", () => {
  it("a dropped-out meter reports its last good values and timestamp, marked STALE, then recovers", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const id = sim.meterIds()[10]!;
    sim.step(20);
    const good = sim.meter(id);
    sim.injectTelemetryDropout(id, 60);
    sim.step(30);
    const stale = sim.meter(id);
    expect(stale.quality).toBe("STALE");
    expect(stale.timestampMs).toBe(good.timestampMs);
    expect(stale.timestamp).toBe(good.timestamp);
    expect(stale.energyImportWh).toBe(good.energyImportWh);
    expect(stale.activePowerW).toBe(good.activePowerW);
    sim.step(31);
    const fresh = sim.meter(id);
    expect(fresh.quality).toBe("GOOD");
    expect(fresh.timestampMs).toBe(sim.time());
    expect(fresh.energyImportWh).toBeGreaterThan(good.energyImportWh);
  });

  it("the grid meter, a battery, a PV plant and the weather can drop out too; physics goes on", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    sim.step(5);
    const t0 = sim.time();
    for (const id of ["grid-meter", "bess-north-1", "pv-north-1", "weather"]) sim.injectTelemetryDropout(id, 10);
    sim.setBatteryTarget("bess-north-1", 100_000);
    sim.step(5);
    expect(sim.gridMeter().quality).toBe("STALE");
    expect(sim.gridMeter().timestampMs).toBe(t0);
    const b = sim.battery("bess-north-1");
    expect(b.quality).toBe("STALE");
    expect(b.activePowerW).toBe(0); // the last good value, not the fresh 100 kW
    expect(sim.pv("pv-north-1").quality).toBe("STALE");
    expect(sim.weather().quality).toBe("STALE");
    expect(sim.physics().batteryW).toBe(100_000); // the physics is not blind
    sim.step(6);
    expect(sim.gridMeter().quality).toBe("GOOD");
    expect(sim.battery("bess-north-1").activePowerW).toBe(100_000);
  });

  it("a second dropout during the first extends it and keeps the first frozen values", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    sim.injectTelemetryDropout("grid-meter", 10);
    const t0 = sim.time();
    sim.step(8);
    sim.injectTelemetryDropout("grid-meter", 10);
    sim.step(8);
    expect(sim.gridMeter().quality).toBe("STALE");
    expect(sim.gridMeter().timestampMs).toBe(t0);
    sim.step(3);
    expect(sim.gridMeter().quality).toBe("GOOD");
  });

  it("a faulted meter, grid meter or weather station reports quality ERROR with the fault", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const id = sim.meterIds()[0]!;
    const fault = { code: "CT_OPEN", message: "current transformer open", critical: false };
    sim.injectDeviceFault(id, fault);
    sim.injectDeviceFault("grid-meter", { ...fault, critical: true });
    sim.injectDeviceFault("weather", fault);
    expect(sim.meter(id).quality).toBe("ERROR");
    expect(sim.meter(id).fault).toEqual(fault);
    expect(sim.gridMeter().quality).toBe("ERROR");
    expect(sim.gridMeter().fault?.critical).toBe(true);
    expect(sim.weather().quality).toBe("ERROR");
    sim.clearDeviceFault(id);
    expect(sim.meter(id).quality).toBe("GOOD");
    expect(sim.meter(id).fault).toBeNull();
  });
});
