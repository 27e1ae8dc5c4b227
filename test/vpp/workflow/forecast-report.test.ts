import { describe, expect, it } from "vitest";
import { NEW_MODEL, parseWeatherForecast, physicalOutputW, predictGeneration, updateModel, type Plant } from "../../../src/vpp/workflow/forecast.ts";
import { addSample, emptyDay } from "../../../src/vpp/workflow/stability-stats.ts";
import { renderStabilityReport } from "../../../src/vpp/workflow/stability-report.ts";
import { operatorNotification, ownerAlerts } from "../../../src/vpp/workflow/notifications.ts";

const pv: Plant = { id: "pv-1", kind: "pv", ratedW: 100_000 };
const wind: Plant = { id: "wind-1", kind: "wind", ratedW: 50_000 };
const weather = Array.from({ length: 20 }, (_, i) => ({ time: new Date(Date.UTC(2026, 5, 21, 12, 15 * (i + 1))).toISOString(), irradianceWm2: 800, windSpeedMs: 12 }));

describe("renewable forecast (seed 004 steps 11, 12, 15)", () => {
  it("uses the PV irradiance model and the wind power curve", () => {
    expect(physicalOutputW(pv, { irradianceWm2: 500, windSpeedMs: 0 })).toBe(50_000);
    expect(physicalOutputW(wind, { irradianceWm2: 0, windSpeedMs: 2 })).toBe(0);
    expect(physicalOutputW(wind, { irradianceWm2: 0, windSpeedMs: 15 })).toBe(50_000);
    expect(physicalOutputW(wind, { irradianceWm2: 0, windSpeedMs: 30 })).toBe(0);
  });

  it("predicts the next 4 hours only", () => {
    const f = predictGeneration(NEW_MODEL, [pv, wind], weather, Date.UTC(2026, 5, 21, 12, 0));
    expect(f).toHaveLength(16);
    expect(f[0]).toMatchObject({ pvW: 80_000, windW: 50_000 });
  });

  it("learns a plant's scale from actuals and tracks its error", () => {
    let m = NEW_MODEL;
    for (let i = 0; i < 30; i++) m = updateModel(m, pv, { irradianceWm2: 800, windSpeedMs: 0 }, 60_000);
    expect(m.plants["pv-1"]!.scale).toBeCloseTo(0.75, 2);
    expect(m.plants["pv-1"]!.samples).toBe(30);
    expect(m.plants["pv-1"]!.biasW).toBeGreaterThan(0);
    const early = updateModel(NEW_MODEL, pv, { irradianceWm2: 800, windSpeedMs: 0 }, 60_000).plants["pv-1"]!.meanAbsErrorW;
    expect(m.plants["pv-1"]!.meanAbsErrorW).toBeLessThan(early);
    expect(predictGeneration(m, [pv], weather, Date.UTC(2026, 5, 21, 12, 0))[0]!.pvW).toBeCloseTo(60_000, -3);
  });

  it("refuses bad inputs", () => {
    expect(() => updateModel(NEW_MODEL, pv, { irradianceWm2: 800, windSpeedMs: 0 }, -1)).toThrow(expect.objectContaining({ code: "VPP_BAD_ARGUMENT" }));
    expect(() => parseWeatherForecast({})).toThrow(/array/);
    expect(() => parseWeatherForecast([{ time: "x", irradianceWm2: 1, windSpeedMs: 1 }])).toThrow(/point 0/);
    expect(parseWeatherForecast(weather)).toHaveLength(20);
  });
});

describe("daily stability report (seed 004 step 13)", () => {
  it("counts energy dispatched, excursions and time outside, and renders charts", () => {
    let s = emptyDay("2026-06-21");
    const t0 = Date.UTC(2026, 5, 21, 19, 0, 0);
    s = addSample(s, { timeMs: t0, frequencyHz: 60, batteryW: 0 });
    s = addSample(s, { timeMs: t0 + 1000, frequencyHz: 59.95, batteryW: 0 });
    s = addSample(s, { timeMs: t0 + 11_000, frequencyHz: 59.99, batteryW: 100_000 });
    s = addSample(s, { timeMs: t0 + 47_000, frequencyHz: 59.99, batteryW: 100_000 });
    s = addSample(s, { timeMs: t0 + 48_000, frequencyHz: 60.05, batteryW: 0 });
    s = addSample(s, { timeMs: Date.UTC(2026, 5, 22), frequencyHz: 50, batteryW: 0 });
    expect(s.excursions).toBe(2);
    expect(s.secondsOutside).toBe(10);
    expect(s.dischargeWhByHour[19]).toBeCloseTo((100_000 * 37) / 3600, 6);
    expect(s.minHz).toBe(59.95);
    const html = renderStabilityReport(s, [{ id: "INC-1", kind: "VOLTAGE_DEVIATION", openedAt: "x", worstValue: 250, worstDeviation: 8, detail: "<script>" }], []);
    expect(html).toContain('<svg role="img" aria-label="Energy dispatched per hour"');
    expect(html).toContain('aria-label="Frequency per minute"');
    expect(html).toContain('id="energy-dispatched">1.03 kWh');
    expect(html).toContain('id="excursions">2');
    expect(html).not.toContain("<script>");
  });
});

describe("notifications (seed 004 steps 9, 10)", () => {
  const s = { timeMs: 0, frequencyHz: 59.95, reason: "RESIZED", commandW: 100_000, setpoints: [{ id: "a", targetW: 80_000 }, { id: "b", targetW: 20_000 }, { id: "c", targetW: -5_000 }] };
  it("writes the operations centre email", () => {
    const n = operatorNotification("goc@grid.example", s);
    expect(n).toMatchObject({ channel: "email", to: "goc@grid.example" });
    expect(n.body).toContain("a: 80.0 kW");
  });
  it("alerts each discharging owner once per excursion, only with a phone", () => {
    const owners = new Map([["a", { name: "A", phone: "+15550100001" }], ["b", { name: "B" }], ["c", { name: "C", phone: "+15550100003" }]]);
    expect(ownerAlerts(owners, new Set(), s, "x1").map((n) => n.to)).toEqual(["+15550100001"]);
    expect(ownerAlerts(owners, new Set(["a"]), s, "x1")).toEqual([]);
  });
});
