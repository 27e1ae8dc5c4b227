import { describe, expect, it } from "vitest";
import { GridSimulator } from "../../src/sim/index.ts";
import { mulberry32 } from "../../src/sim/prng.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

function scenario(sim: GridSimulator, chunks: (total: number) => number[]): unknown[] {
  const trace: unknown[] = [];
  const meterIds = sim.meterIds().filter((_, i) => i % 37 === 0);
  const at = (seconds: number, act: () => void): void => {
    const target = sim.startTimeMs + seconds * 1000;
    for (const c of chunks(target - sim.time())) sim.advanceTo(Math.min(target, sim.time() + c));
    sim.advanceTo(target);
    act();
    trace.push({
      physics: sim.physics(),
      grid: sim.gridMeter(),
      batteries: sim.batteryIds().map((id) => sim.battery(id)),
      pv: sim.pvIds().map((id) => sim.pv(id)),
      wind: sim.windIds().map((id) => sim.wind(id)),
      meters: meterIds.map((id) => sim.meter(id)),
      weather: sim.weather(),
    });
  };
  at(0, () => sim.setBatteryDroop("bess-north-2", { enabled: true }));
  at(30, () => sim.injectLoadStep(100_000, 60));
  at(45, () => sim.setBatteryTarget("bess-north-1", 100_000));
  at(61.25, () => sim.setCurtailment("pv-north-1", 50_000));
  at(90, () => sim.injectGeneratorTrip(40_000));
  at(120, () => sim.injectDeviceFault("bess-south-1", { code: "E42", message: "cell overtemperature", critical: true }));
  at(150, () => sim.injectTelemetryDropout("grid-meter", 20));
  at(180, () => sim.setBatteryTarget("bess-north-1", -60_000));
  at(300, () => undefined);
  return trace;
}

const oneChunk = (): number[] => [];

describe("determinism", () => {
  it("two simulators with one seed and the same calls give identical traces", () => {
    const a = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS, seed: 7 }), oneChunk);
    const b = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS, seed: 7 }), oneChunk);
    expect(a).toEqual(b);
  });

  it("another seed gives another trace", () => {
    const a = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS, seed: 7 }), oneChunk);
    const b = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS, seed: 8 }), oneChunk);
    expect(a).not.toEqual(b);
    const fa = (a.at(-1) as { physics: { frequencyHz: number } }).physics.frequencyHz;
    const fb = (b.at(-1) as { physics: { frequencyHz: number } }).physics.frequencyHz;
    expect(fa).not.toBe(fb);
  });

  it("the site file's seed is the default", () => {
    const site = demoSite();
    const a = new GridSimulator(site, { startTimeMs: NOON_MS });
    const b = new GridSimulator(site, { startTimeMs: NOON_MS, seed: site.seed });
    a.step(60);
    b.step(60);
    expect(a.physics()).toEqual(b.physics());
    expect(a.meter(a.meterIds()[5]!)).toEqual(b.meter(b.meterIds()[5]!));
  });

  it("does not depend on how the caller chunks time (one big advance vs many ragged ones)", () => {
    const rnd = mulberry32(99);
    const ragged = (total: number): number[] => {
      const out: number[] = [];
      let left = total;
      while (left > 0) {
        const c = Math.min(left, 1 + Math.floor(rnd() * 4000)); // 1 ms .. 4 s, mostly off the 100 ms grid
        out.push(c);
        left -= c;
      }
      return out;
    };
    const a = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS }), oneChunk);
    const b = scenario(new GridSimulator(demoSite(), { startTimeMs: NOON_MS }), ragged);
    expect(b).toEqual(a);
  });

  it("reading a meter often or never does not change its registers", () => {
    const a = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const b = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const id = a.meterIds()[3]!;
    for (let i = 0; i < 40; i++) {
      a.advanceTo(a.time() + 13_700);
      a.meter(id);
    }
    b.advanceTo(b.time() + 40 * 13_700);
    expect(a.meter(id)).toEqual(b.meter(id));
  });
  it("reading devices between steps changes nothing (reads are pure)", () => {
    const reader = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const quiet = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    for (const s of [reader, quiet]) {
      s.setBatteryTarget("bess-south-1", 50_000);
      s.setCurtailment("wind-south-1", 10_000);
    }
    for (let i = 0; i < 300; i++) {
      reader.advanceTo(reader.time() + 700);
      reader.physics();
      reader.gridMeter();
      reader.pv("pv-north-1");
      reader.wind("wind-south-1");
      reader.battery("bess-south-1");
      reader.weather();
      reader.weatherForecast(1, 15);
      reader.meter(reader.meterIds()[i % 240]!);
    }
    quiet.advanceTo(reader.time());
    expect(quiet.physics()).toEqual(reader.physics());
    expect(quiet.gridMeter()).toEqual(reader.gridMeter());
    expect(quiet.pv("pv-north-1")).toEqual(reader.pv("pv-north-1"));
    expect(quiet.wind("wind-south-1")).toEqual(reader.wind("wind-south-1"));
    for (const id of quiet.meterIds()) expect(quiet.meter(id)).toEqual(reader.meter(id));
  });
});
