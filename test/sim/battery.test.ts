import { describe, expect, it } from "vitest";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NIGHT_MS } from "./fixtures.ts";

function smallBatterySite() {
  const site = demoSite();
  site.batteries = [
    {
      id: "b1", region: "north", substation: "sub-n1", feeder: "f-n1a",
      capacityWh: 10_000, maxDischargeW: 36_000, maxChargeW: 36_000,
      initialSocPercent: 50, minSocPercent: 20, maxSocPercent: 80, rampWPerS: 12_000, protocols: ["http"],
    },
  ];
  return site;
}

describe("battery", () => {
  it("SoC integrates power and stops exactly at the minimum; available discharge falls to 0", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    sim.setBatteryTarget("b1", 36_000); // 3 kWh of 10 kWh above min: ≈ 5 min
    sim.step(60);
    const mid = sim.battery("b1");
    expect(mid.socPercent).toBeLessThan(50);
    expect(mid.state).toBe("discharging");
    sim.step(600);
    const b = sim.battery("b1");
    expect(b.socPercent).toBeCloseTo(20, 9);
    expect(b.activePowerW).toBe(0);
    expect(b.maxDischargePowerW).toBe(0);
    expect(b.maxChargePowerW).toBe(36_000);
    expect(b.state).toBe("standby");
    expect(sim.physics().energyWh.battery).toBeCloseTo(3_000, 6);
  });

  it("SoC stops exactly at the maximum when charging; available charge falls to 0", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    sim.setBatteryTarget("b1", -36_000);
    sim.step(900);
    const b = sim.battery("b1");
    expect(b.socPercent).toBeCloseTo(80, 9);
    expect(b.activePowerW).toBe(0);
    expect(b.maxChargePowerW).toBe(0);
    expect(b.maxDischargePowerW).toBe(36_000);
    expect(sim.physics().energyWh.battery).toBeCloseTo(-3_000, 6);
    sim.setBatteryTarget("b1", 10_000); // discharging is allowed again
    sim.step(5);
    expect(sim.battery("b1").activePowerW).toBe(10_000);
  });

  it("ramps toward the target at rampWPerS", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    sim.setBatteryTarget("b1", 30_000);
    sim.step(1);
    expect(sim.battery("b1").activePowerW).toBeCloseTo(12_000, 6);
    sim.step(1);
    expect(sim.battery("b1").activePowerW).toBeCloseTo(24_000, 6);
    sim.step(1);
    expect(sim.battery("b1").activePowerW).toBe(30_000);
    sim.setBatteryTarget("b1", -6_000);
    sim.step(2);
    expect(sim.battery("b1").activePowerW).toBeCloseTo(6_000, 6);
    sim.step(1);
    expect(sim.battery("b1").activePowerW).toBe(-6_000);
    expect(sim.battery("b1").state).toBe("charging");
  });

  it("clamps setpoints to the ratings and returns the value kept", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    expect(sim.setBatteryTarget("b1", 1e9)).toBe(36_000);
    expect(sim.setBatteryTarget("b1", -1e9)).toBe(-36_000);
    expect(sim.battery("b1").targetPowerW).toBe(-36_000);
    expect(sim.battery("b1").state).toBe("standby"); // asked, not yet moving
    expect(sim.setBatteryTarget("b1", 0)).toBe(0);
    expect(sim.battery("b1").state).toBe("idle");
  });

  it("a hardware fault drops the battery to 0 W, refuses non-zero setpoints, and clears", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    sim.setBatteryTarget("b1", 30_000);
    sim.step(5);
    sim.injectDeviceFault("b1", { code: "BMS_OVERTEMP", message: "cell temperature 68 °C", critical: true });
    const b = sim.battery("b1");
    expect(b.state).toBe("fault");
    expect(b.activePowerW).toBe(0);
    expect(b.maxDischargePowerW).toBe(0);
    expect(b.fault).toEqual({ code: "BMS_OVERTEMP", message: "cell temperature 68 °C", critical: true });
    const soc = b.socPercent;
    sim.step(30);
    expect(sim.battery("b1").socPercent).toBe(soc);
    expect(() => sim.setBatteryTarget("b1", 1000)).toThrowError(expect.objectContaining({ code: "SIM_DEVICE_FAULTED" }));
    expect(sim.setBatteryTarget("b1", 0)).toBe(0);
    sim.clearDeviceFault("b1");
    expect(sim.battery("b1").state).toBe("idle");
    expect(sim.battery("b1").fault).toBeNull();
    sim.setBatteryTarget("b1", 5_000);
    sim.step(1);
    expect(sim.battery("b1").activePowerW).toBe(5_000);
  });

  it("droop: no response inside the deadband; P = −(Δf/f0)/droop × maxPower outside, clamped", () => {
    const sim = new GridSimulator(smallBatterySite(), { startTimeMs: NIGHT_MS });
    const d = sim.setBatteryDroop("b1", { enabled: true, deadbandHz: 0.025, droopPercent: 0.1, maxPowerW: 20_000 });
    expect(d).toEqual({ enabled: true, deadbandHz: 0.025, droopPercent: 0.1, maxPowerW: 20_000 });
    sim.step(10);
    expect(Math.abs(sim.physics().frequencyHz - 60)).toBeLessThan(0.025);
    expect(sim.battery("b1").droopPowerW).toBe(0);
    sim.injectLoadStep(60_000);
    let sawUnclamped = false;
    for (let i = 0; i < 60; i++) {
      const f = sim.physics().frequencyHz; // the droop of the next step answers this frequency
      sim.step(0.1);
      const expected = Math.abs(f - 60) <= 0.025 ? 0 : Math.max(-20_000, Math.min(20_000, (-((f - 60) / 60) / 0.001) * 20_000));
      expect(sim.battery("b1").droopPowerW).toBeCloseTo(expected, 6);
      if (expected > 0 && expected < 20_000) sawUnclamped = true;
    }
    expect(sawUnclamped).toBe(true);
    expect(sim.battery("b1").activePowerW).toBeGreaterThan(0);
    sim.setBatteryDroop("b1", { enabled: false });
    sim.step(0.1);
    expect(sim.battery("b1").droopPowerW).toBe(0);
    expect(sim.battery("b1").droop.enabled).toBe(false);
  });
});
