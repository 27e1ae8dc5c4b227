import { describe, expect, it } from "vitest";
import { pointsOfStep, type StepObservation } from "../../../src/vpp/history/step-points.ts";

const at = Date.parse("2026-06-21T19:00:00Z");
const base: StepObservation = {
  sample: { timeMs: at, frequencyHz: 59.97, rocofHzPerS: -0.01, voltagesV: [230, 231, 229], activePowerW: 120_000, quality: "GOOD" },
  batteries: [{ id: "b1", socPercent: 50, activePowerW: 10_000, targetPowerW: 10_000, droopPowerW: 0, maxDischargePowerW: 100_000, maxChargePowerW: 80_000, state: "idle", quality: "GOOD" }],
  renewables: [
    { id: "pv1", kind: "pv", activePowerW: 5000, availablePowerW: 6000, curtailmentLimitW: null },
    { id: "w1", kind: "wind", activePowerW: 7000, availablePowerW: 7000, curtailmentLimitW: null },
  ],
  dispatch: { fleetCommandW: 12_000, setpointsW: { b1: 12_000 } },
};
const byKey = (o: StepObservation) => new Map(pointsOfStep(o).map((p) => [`${p.name}|${p.thingId ?? ""}`, p]));

describe("pointsOfStep", () => {
  it("records grid, fleet, batteries and plants at the grid meter's instant", () => {
    const m = byKey(base);
    expect(m.get("grid.frequency|")).toEqual({ name: "grid.frequency", thingId: null, atMs: at, value: 59.97 });
    expect(m.get("grid.voltageL3|")?.value).toBe(229);
    expect(m.get("fleet.command|")?.value).toBe(12_000);
    expect(m.get("battery.setpoint|b1")?.value).toBe(12_000);
    expect(m.get("battery.soc|b1")?.value).toBe(50);
    expect(m.get("plants.pv|")?.value).toBe(5000);
    expect(m.get("plants.wind|")?.value).toBe(7000);
    expect(m.get("plant.forecast|pv1")).toBeUndefined();
  });

  it("leaves out what is not a good number: a bad grid sample, NaN values", () => {
    const m = byKey({ ...base, sample: { ...base.sample, quality: "STALE" }, batteries: [{ ...base.batteries[0]!, socPercent: Number.NaN }] });
    expect(m.has("grid.frequency|")).toBe(false);
    expect(m.has("battery.soc|b1")).toBe(false);
    expect(m.has("battery.activePower|b1")).toBe(true);
  });

  it("records demand per group and each meter at its own reading instant, and the forecast in force", () => {
    const g = { demandW: 1000, importW: 1000, exportW: 0, meters: 2, stale: 0, newestReadingAt: null };
    const m = byKey({
      ...base,
      aggregate: { at: "x", total: { level: "total", key: "all", ...g }, regions: [{ level: "region", key: "north", ...g }], substations: [], feeders: [{ level: "feeder", key: "north/s/f", ...g, demandW: 400 }] },
      meters: [
        { meterId: "m1", thingId: "urn:m1", region: "north", substation: "s", feeder: "f", activePowerW: 400, readingAt: "2026-06-21T18:59:45Z", fresh: true },
        { meterId: "m2", thingId: "urn:m2", region: "north", substation: "s", feeder: "f", activePowerW: null, readingAt: null, fresh: false },
      ],
      forecast: [
        { time: "2026-06-21T18:45:00Z", pvW: 1, windW: 2, byPlantW: { pv1: 4500 } },
        { time: "2026-06-21T19:15:00Z", pvW: 1, windW: 2, byPlantW: { pv1: 9999 } },
      ],
    });
    expect(m.get("demand.total|")?.value).toBe(1000);
    expect(m.get("demand.region|north")?.value).toBe(1000);
    expect(m.get("demand.feeder|north/s/f")?.value).toBe(400);
    expect(m.get("meter.activePower|urn:m1")).toMatchObject({ value: 400, atMs: Date.parse("2026-06-21T18:59:45Z") });
    expect(m.has("meter.activePower|urn:m2")).toBe(false);
    expect(m.get("plant.forecast|pv1")?.value).toBe(4500);
    // Forecasts start at the next quarter hour: the nearest point within 15 minutes is "now"'s.
    const ahead = byKey({ ...base, forecast: [{ time: "2026-06-21T19:10:00Z", pvW: 1, windW: 0, byPlantW: { pv1: 7000 } }] });
    expect(ahead.get("plant.forecast|pv1")?.value).toBe(7000);
    const far = byKey({ ...base, forecast: [{ time: "2026-06-21T19:30:00Z", pvW: 1, windW: 0, byPlantW: { pv1: 7000 } }] });
    expect(far.has("plant.forecast|pv1")).toBe(false);
  });
});

describe("HistoryRecorder", () => {
  it("records a step durably, each meter reading once, and never throws into the control loop", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { HistoryRecorder } = await import("../../../src/vpp/history/recorder.ts");
    const dir = await mkdtemp(join(tmpdir(), "gt-recorder-"));
    const recorder = new HistoryRecorder(dir);
    try {
      const view = { meterId: "m1", region: "north", substation: "s", feeder: "f", activePowerW: 400, readingAt: "2026-06-21T18:59:45Z", fresh: true };
      let views = [view];
      const metering = { meterViews: () => views, meters: () => [{ id: "m1", thingId: "urn:m1" }] };
      await recorder.record({ ...base, metering });
      views = [{ ...view, activePowerW: 999 }];
      await recorder.record({ ...base, sample: { ...base.sample, timeMs: at + 1000 }, metering });
      const meter = recorder.store.query({ name: "meter.activePower", thingId: "urn:m1", fromMs: at - 60_000, toMs: at + 60_000, points: 1 });
      expect(meter.buckets).toEqual([expect.objectContaining({ n: 1, last: 400 })]);
      expect(recorder.store.query({ name: "grid.frequency", fromMs: at, toMs: at + 2000, points: 2 }).buckets).toHaveLength(2);
      recorder.close();
      await expect(recorder.record(base)).resolves.toBeUndefined();
    } finally {
      recorder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
