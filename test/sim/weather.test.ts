import { describe, expect, it } from "vitest";
import { GridSimulator } from "../../src/sim/index.ts";
import { clearSkyIrradiance, sunElevationSine } from "../../src/sim/solar.ts";
import { demoSite, NIGHT_MS, NOON_MS } from "./fixtures.ts";

describe("weather and forecast", () => {
  it("the sun is up at local noon in June at 37.8° N and down at local 3 am", () => {
    const noon = sunElevationSine(Date.parse("2026-06-21T20:09:00Z"), 37.8, -122.3);
    expect(Math.asin(noon) * (180 / Math.PI)).toBeCloseTo(90 - 37.8 + 23.44, 0);
    expect(sunElevationSine(NIGHT_MS, 37.8, -122.3)).toBeLessThan(0);
    expect(clearSkyIrradiance(noon)).toBeGreaterThan(900);
    expect(clearSkyIrradiance(-0.2)).toBe(0);
  });

  it("weather values stay in physical ranges over a day", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    for (let h = 0; h < 24; h++) {
      sim.advanceTo(NIGHT_MS + h * 3_600_000);
      const w = sim.weather();
      expect(w.irradianceWm2).toBeGreaterThanOrEqual(0);
      expect(w.irradianceWm2).toBeLessThan(1100);
      expect(w.windSpeedMs).toBeGreaterThanOrEqual(0);
      expect(w.cloudCover).toBeGreaterThanOrEqual(0);
      expect(w.cloudCover).toBeLessThanOrEqual(1);
      expect(w.temperatureC).toBeGreaterThan(-5);
      expect(w.temperatureC).toBeLessThan(35);
    }
  });

  it("the forecast has one point per step for the horizon and differs from the later actual", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    const fc = sim.weatherForecast();
    expect(fc).toHaveLength(16);
    expect(fc[0]!.time).toBe(new Date(NOON_MS).toISOString());
    expect(Date.parse(fc[1]!.time) - Date.parse(fc[0]!.time)).toBe(15 * 60_000);
    expect(sim.weatherForecast(1, 5)).toHaveLength(12);
    let differs = 0;
    for (const p of fc) {
      sim.advanceTo(p.timeMs);
      const actual = sim.weather();
      if (Math.abs(actual.windSpeedMs - p.windSpeedMs) > 1e-6 || Math.abs(actual.irradianceWm2 - p.irradianceWm2) > 1e-6) differs++;
    }
    expect(differs).toBeGreaterThan(fc.length / 2);
  });

  it("the same forecast is returned when asked twice at one instant", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NOON_MS });
    expect(sim.weatherForecast(2, 15)).toEqual(sim.weatherForecast(2, 15));
  });
});
