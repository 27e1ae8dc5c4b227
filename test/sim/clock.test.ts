import { describe, expect, it } from "vitest";
import { clockOf, GridSimulator, ManualClock, simTimeAt } from "../../src/sim/index.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

describe("clock", () => {
  it("simTimeAt maps wall time through the speed factor", () => {
    expect(simTimeAt(0, 10, 1000)).toBe(1000);
    expect(simTimeAt(1500, 10, 1000)).toBe(16_000);
    expect(simTimeAt(1000, 0.5, 0)).toBe(500);
  });

  it("simTimeAt rejects bad numbers", () => {
    expect(() => simTimeAt(-1, 1, 0)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
    expect(() => simTimeAt(1, 0, 0)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
    expect(() => simTimeAt(1, Number.NaN, 0)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
    expect(() => simTimeAt(1, 1, Infinity)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
  });

  it("ManualClock moves only forward; clockOf reads the simulator's time", () => {
    const c = new ManualClock(5);
    c.advance(10);
    expect(c.nowMs()).toBe(15);
    c.set(20);
    expect(c.nowMs()).toBe(20);
    expect(() => c.set(10)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
    expect(() => c.advance(-1)).toThrowError(expect.objectContaining({ code: "SIM_INVALID_VALUE" }));
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const clock = clockOf(sim);
    sim.step(3);
    expect(clock.nowMs()).toBe(NOON_MS + 3000);
  });

  it("nothing happens until the caller moves time", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    expect(sim.time()).toBe(NOON_MS);
    expect(sim.physics().timeMs).toBe(NOON_MS);
    sim.setBatteryTarget("bess-north-1", 100_000);
    expect(sim.battery("bess-north-1").activePowerW).toBe(0);
    sim.advanceTo(NOON_MS + 50); // less than one physics step
    expect(sim.battery("bess-north-1").activePowerW).toBe(0);
    expect(sim.time()).toBe(NOON_MS + 50);
    sim.advanceTo(NOON_MS + 100);
    expect(sim.battery("bess-north-1").activePowerW).toBe(5_000);
  });
  it("lists the site's devices and their kinds", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    expect(sim.meterIds()).toHaveLength(240);
    expect(sim.meterIds()[0]).toBe("meter-f-n1a-0001");
    expect(sim.batteryIds()).toEqual(["bess-north-1", "bess-north-2", "bess-south-1"]);
    expect(sim.pvIds()).toEqual(["pv-north-1", "pv-south-1"]);
    expect(sim.windIds()).toEqual(["wind-south-1"]);
    expect(sim.kindOf("grid-meter")).toBe("grid-meter");
    expect(sim.kindOf("weather")).toBe("weather");
    expect(sim.kindOf("bess-north-2")).toBe("battery");
    expect(sim.kindOf("meter-f-s1c-0030")).toBe("meter");
    expect(sim.kindOf("nope")).toBeUndefined();
    expect(sim.meter("meter-f-n1a-0002").phase).toBe(2);
  });
  it("rounds the start instant to the 100 ms physics grid", () => {
    expect(new GridSimulator(demoSite(), { startTimeMs: NOON_MS + 1234 }).startTimeMs).toBe(NOON_MS + 1200);
    expect(new GridSimulator(demoSite(), { startTimeMs: NOON_MS + 1250 }).time()).toBe(NOON_MS + 1300);
  });
});
