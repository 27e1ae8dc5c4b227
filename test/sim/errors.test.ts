import { describe, expect, it } from "vitest";
import { CodedError } from "../../src/errors/coded-error.ts";
import { GridSimulator, SIM_ERRORS } from "../../src/sim/index.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

const code = (c: keyof typeof SIM_ERRORS) => expect.objectContaining({ code: c, name: "CodedError" });

describe("bad input gives typed errors", () => {
  const sim = (): GridSimulator => new GridSimulator(demoSite(), { startTimeMs: NOON_MS });

  it("unknown ids and ids of the wrong kind", () => {
    const s = sim();
    expect(() => s.meter("meter-nope")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.battery("nope")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.pv("nope")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.wind("nope")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.setBatteryTarget("nope", 1)).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.setBatteryTarget("pv-north-1", 1)).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(() => s.battery("wind-south-1")).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(() => s.setCurtailment("bess-north-1", 1)).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(() => s.setBatteryDroop("nope", { enabled: true })).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.injectDeviceFault("nope", { code: "X", message: "", critical: false })).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.clearDeviceFault("nope")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.injectTelemetryDropout("nope", 5)).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => s.meter(42 as unknown as string)).toThrowError(code("SIM_UNKNOWN_DEVICE"));
  });

  it("NaN, infinities and out-of-range numbers", () => {
    const s = sim();
    for (const bad of [Number.NaN, Infinity, -Infinity, "5" as unknown as number]) {
      expect(() => s.setBatteryTarget("bess-north-1", bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.advanceTo(bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.step(bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.injectLoadStep(bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.injectGeneratorTrip(bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.setCurtailment("pv-north-1", bad)).toThrowError(code("SIM_INVALID_VALUE"));
      expect(() => s.injectTelemetryDropout("grid-meter", bad)).toThrowError(code("SIM_INVALID_VALUE"));
    }
    expect(() => s.step(-1)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.injectGeneratorTrip(-5)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.setCurtailment("pv-north-1", -1)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.injectLoadStep(1000, -2)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.setBatteryDroop("bess-north-1", { droopPercent: 0 })).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.setBatteryDroop("bess-north-1", { deadbandHz: -0.1 })).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.setBatteryDroop("bess-north-1", { enabled: "yes" as unknown as boolean })).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.weatherForecast(0)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.weatherForecast(4, 0)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.injectDeviceFault("bess-north-1", { code: "", message: "x", critical: true })).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => s.injectDeviceFault("bess-north-1", null as never)).toThrowError(code("SIM_INVALID_VALUE"));
  });

  it("time never moves backwards; a rejected call changes nothing", () => {
    const s = sim();
    s.step(10);
    const before = s.physics();
    expect(() => s.advanceTo(NOON_MS + 5_000)).toThrowError(code("SIM_TIME_BACKWARDS"));
    expect(() => s.setBatteryTarget("bess-north-1", Number.NaN)).toThrow(CodedError);
    expect(s.battery("bess-north-1").targetPowerW).toBe(0);
    expect(s.physics()).toEqual(before);
  });

  it("an invalid site file is refused at construction, naming the field", () => {
    const cases: [string, (s: ReturnType<typeof demoSite>) => void][] = [
      ["batteries[0].capacityWh", (s) => (s.batteries[0]!.capacityWh = -1)],
      ["batteries[1].maxChargeW", (s) => (s.batteries[1]!.maxChargeW = -5)],
      ["batteries[0].initialSocPercent", (s) => (s.batteries[0]!.initialSocPercent = 99)],
      ["batteries[0].rampWPerS", (s) => (s.batteries[0]!.rampWPerS = Number.NaN)],
      ["grid.inertiaSeconds", (s) => (s.grid.inertiaSeconds = 0)],
      ["grid.systemBaseW", (s) => (s.grid.systemBaseW = -1)],
      ["pv[0].peakW", (s) => (s.pv[0]!.peakW = -1)],
      ["wind[0].cutOutMs", (s) => (s.wind[0]!.cutOutMs = 5)],
      ["pv[1].id", (s) => (s.pv[1]!.id = "bess-north-1")],
      ["weather.latitudeDeg", (s) => (s.weather.latitudeDeg = 100)],
    ];
    for (const [path, spoil] of cases) {
      const site = demoSite();
      spoil(site);
      expect(() => new GridSimulator(site, { startTimeMs: NOON_MS }), path).toThrowError(
        expect.objectContaining({ code: "SIM_INVALID_SITE", details: expect.objectContaining({ path }) }),
      );
    }
  });

  it("a start time is required and must be valid", () => {
    const site = demoSite();
    delete site.startTime;
    expect(() => new GridSimulator(site)).toThrowError(code("SIM_INVALID_START_TIME"));
    expect(() => new GridSimulator(site, { startTimeMs: Number.NaN })).toThrowError(code("SIM_INVALID_START_TIME"));
    const bad = demoSite();
    bad.startTime = "not a date";
    expect(() => new GridSimulator(bad)).toThrowError(code("SIM_INVALID_START_TIME"));
    expect(new GridSimulator(demoSite()).time()).toBe(Date.parse(demoSite().startTime as string));
  });

  it("every code has an HTTP status and a one-line title", () => {
    for (const [name, spec] of Object.entries(SIM_ERRORS)) {
      expect(name).toMatch(/^SIM_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.title.length).toBeGreaterThan(10);
    }
  });
});
