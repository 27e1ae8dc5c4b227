/** The live feed's pure parts: snapshot composition, energy flow, forecast now, the frequency window, SSE framing, TD forms. */
import { describe, expect, it } from "vitest";
import { composeSnapshot, gridView, type SnapshotInputs } from "../../src/console/live/snapshot.ts";
import { energyFlow } from "../../src/console/live/energy-flow.ts";
import { forecastAt } from "../../src/console/live/forecast-now.ts";
import { FrequencyHistory } from "../../src/console/live/history.ts";
import { acceptsEventStream, parseLastEventId, sseEvent } from "../../src/console/live/sse.ts";
import { httpActionForm, httpReadHref } from "../../src/console/live/td-forms.ts";
import type { LoadAggregate } from "../../src/vpp/aggregation/types.ts";
import type { GenerationForecastPoint } from "../../src/vpp/workflow/forecast.ts";

const CHANNELS = {
  Voltage_L1: 231, Voltage_L2: 232, Voltage_L3: 233,
  Current_L1: 100, Current_L2: 110, Current_L3: 120,
  ActivePower_L1: 20000, ActivePower_L2: -5000, ActivePower_L3: 15000,
  ReactivePower_L1: 1000, ReactivePower_L2: 2000, ReactivePower_L3: 3000,
  ActivePower: 30000, ReactivePower: 6000, ApparentPower: 30600, PowerFactor: 0.98,
  Frequency: 59.97, Frequency_RoCoF: -0.012, Timestamp: "2026-06-21T19:10:00.000Z", quality: "GOOD",
};

const group = (level: "total" | "region" | "substation" | "feeder", key: string, demandW: number, extra: object = {}) => ({ level, key, demandW, importW: Math.max(0, demandW), exportW: Math.max(0, -demandW), meters: 2, stale: 0, newestReadingAt: "2026-06-21T19:09:45.000Z", ...extra });

const AGGREGATE = {
  at: "2026-06-21T19:09:50.000Z",
  total: group("total", "all", 12000),
  regions: [group("region", "north", 12000, { region: "north" })],
  substations: [group("substation", "north/sub-n1", 12000, { region: "north", substation: "sub-n1" })],
  feeders: [group("feeder", "north/sub-n1/f-n1a", 12000, { region: "north", substation: "sub-n1", feeder: "f-n1a", meterIds: ["meter-f-n1a-0001"] })],
} as unknown as LoadAggregate;

function inputs(over: Partial<SnapshotInputs> = {}): SnapshotInputs {
  return {
    seq: 7,
    sampledAt: "2026-11-22T00:00:00.000Z",
    nominalHz: 60,
    bandHz: 0.02,
    status: {
      running: true,
      simTime: "2026-06-21T19:09:58.000Z",
      frequencyHz: 59.975,
      mode: "regulating",
      fleetCommandW: 50000,
      steps: 12,
      activeIncidents: 1,
      openTasks: 0,
      aggregate: AGGREGATE,
      lastDecision: { reason: "RESIZED", availableCapacityW: 240000, availableChargeW: 0, requiredW: 50000, netImbalanceW: 190000, commandW: 50000, activeIds: ["urn:b1"], setpoints: [{ id: "urn:b1", targetW: 50000 }], at: "2026-06-21T19:09:50.000Z" },
      batteries: [
        { id: "urn:b1", active: true, socPercent: 70, activePowerW: 40000, targetW: 50000, droop: "none", placement: { region: "north", substation: "sub-n1", feeder: "f-n1a" } },
        { id: "urn:b2", active: false, socPercent: null, activePowerW: null, targetW: null, droop: "none", placement: {} },
      ],
    },
    batteryStates: [{ id: "urn:b1", socPercent: 70, activePowerW: 40000, targetPowerW: 50000, droopPowerW: 0, maxDischargePowerW: 200000, maxChargePowerW: 150000, state: "discharging", quality: "GOOD" }],
    channels: CHANNELS,
    plants: [
      { id: "urn:pv1", title: "pv-1", kind: "pv", telemetry: { activePowerW: 100000, availablePowerW: 120000, curtailmentLimitW: 100000, quality: "GOOD" } },
      { id: "urn:w1", title: "wind-1", kind: "wind", telemetry: { activePowerW: 20000, availablePowerW: 20000, curtailmentLimitW: null, quality: "GOOD" } },
      { id: "urn:pv2", title: "pv-2", kind: "pv", telemetry: undefined },
    ],
    forecast: [
      { time: "2026-06-21T19:00:00.000Z", pvW: 100000, windW: 30000, byPlantW: { "urn:pv1": 100000, "urn:w1": 30000 } },
      { time: "2026-06-21T19:15:00.000Z", pvW: 130000, windW: 0, byPlantW: { "urn:pv1": 130000, "urn:w1": 0 } },
    ],
    titles: { "urn:b1": "bess-1" },
    ...over,
  };
}

describe("composeSnapshot", () => {
  it("gives the grid meter's per-phase values with seed 003 signs and the band check", () => {
    const s = composeSnapshot(inputs());
    expect(s.seq).toBe(7);
    expect(s.simTime).toBe(CHANNELS.Timestamp);
    expect(s.grid).toMatchObject({ frequencyHz: 59.97, rocofHzPerS: -0.012, activePowerW: 30000, direction: "import", quality: "GOOD", outsideBand: true });
    expect(s.grid?.deviationHz).toBeCloseTo(-0.03, 9);
    expect(s.grid?.phases).toEqual([
      { phase: "L1", voltageV: 231, currentA: 100, activePowerW: 20000, reactivePowerVar: 1000 },
      { phase: "L2", voltageV: 232, currentA: 110, activePowerW: -5000, reactivePowerVar: 2000 },
      { phase: "L3", voltageV: 233, currentA: 120, activePowerW: 15000, reactivePowerVar: 3000 },
    ]);
  });

  it("says export for negative grid power and inside the band near nominal", () => {
    const g = gridView({ ...CHANNELS, ActivePower: -1000, Frequency: 60.01 }, 60, 0.02);
    expect(g).toMatchObject({ direction: "export", outsideBand: false });
    expect(gridView({ ...CHANNELS, ActivePower: 0 }, 60, 0.02)?.direction).toBe("balanced");
    expect(gridView({ ...CHANNELS, ActivePower: "x" }, 60, 0.02)?.direction).toBe("unknown");
    expect(gridView(undefined, 60, 0.02)).toBeNull();
    expect(gridView([1, 2], 60, 0.02)).toBeNull();
    expect(gridView({ ...CHANNELS, quality: "BOGUS" }, 60, 0.02)?.quality).toBe("ERROR");
  });

  it("puts each plant against the VPP's forecast for now and leaves unreadable plants out of the totals", () => {
    const s = composeSnapshot(inputs());
    // 19:10 is two thirds of the way from 19:00 to 19:15.
    expect(s.renewables.pvForecastW).toBeCloseTo(120000, 6);
    expect(s.renewables.windForecastW).toBeCloseTo(10000, 6);
    expect(s.renewables.pvW).toBe(100000);
    expect(s.renewables.windW).toBe(20000);
    const pv1 = s.renewables.plants.find((p) => p.id === "urn:pv1");
    expect(pv1).toMatchObject({ title: "pv-1", kind: "pv", activePowerW: 100000, curtailmentLimitW: 100000, quality: "GOOD" });
    expect(pv1?.forecastW).toBeCloseTo(120000, 6);
    expect(s.renewables.plants.find((p) => p.id === "urn:pv2")).toMatchObject({ activePowerW: null, forecastW: null, quality: "ERROR" });
  });

  it("lists the battery fleet with state, quality, setpoint and title", () => {
    const s = composeSnapshot(inputs());
    expect(s.batteries[0]).toEqual({ id: "urn:b1", title: "bess-1", socPercent: 70, activePowerW: 40000, setpointW: 50000, state: "discharging", quality: "GOOD", active: true, region: "north", substation: "sub-n1", feeder: "f-n1a" });
    expect(s.batteries[1]).toMatchObject({ id: "urn:b2", title: "b2", state: "unreachable", quality: "UNKNOWN", active: false, region: null });
  });

  it("computes the energy flow: the load is what grid, generation and batteries bring to the bus", () => {
    const s = composeSnapshot(inputs());
    expect(s.flow).toEqual({ gridW: 30000, gridImportW: 30000, gridExportW: 0, pvW: 100000, windW: 20000, batteryW: 40000, batteryDischargeW: 40000, batteryChargeW: 0, loadW: 190000 });
  });

  it("carries the VPP mode and last dispatch with battery titles", () => {
    const s = composeSnapshot(inputs());
    expect(s.vpp).toMatchObject({ running: true, mode: "regulating", fleetCommandW: 50000, activeIncidents: 1, steps: 12 });
    expect(s.vpp.lastDispatch).toEqual({ at: "2026-06-21T19:09:50.000Z", reason: "RESIZED", commandW: 50000, requiredW: 50000, availableCapacityW: 240000, setpoints: [{ id: "urn:b1", title: "bess-1", targetW: 50000 }] });
    expect(composeSnapshot(inputs({ status: { ...inputs().status, lastDecision: null } })).vpp.lastDispatch).toBeNull();
  });

  it("copies demand aggregates field by field: nothing else the aggregate holds reaches the stream", () => {
    const s = composeSnapshot(inputs());
    expect(s.demand?.feeders[0]).toEqual({ key: "north/sub-n1/f-n1a", region: "north", substation: "sub-n1", feeder: "f-n1a", demandW: 12000, importW: 12000, exportW: 0, meters: 2, stale: 0 });
    expect(JSON.stringify(s)).not.toContain("meter-f-n1a-0001");
    expect(composeSnapshot(inputs({ status: { ...inputs().status, aggregate: null } })).demand).toBeNull();
  });

  it("works without a grid meter reading: sim time from the VPP, no grid value, no load", () => {
    const s = composeSnapshot(inputs({ channels: undefined }));
    expect(s.grid).toBeNull();
    expect(s.simTime).toBe("2026-06-21T19:09:58.000Z");
    expect(s.flow.gridW).toBeNull();
    expect(s.flow.loadW).toBeNull();
  });

  it("ignores an ERROR grid reading in the energy flow", () => {
    expect(composeSnapshot(inputs({ channels: { ...CHANNELS, quality: "ERROR" } })).flow.gridW).toBeNull();
  });
});

describe("energyFlow", () => {
  it("splits grid and batteries by direction and skips non-finite values", () => {
    expect(energyFlow({ gridW: -50000, pvW: [80000, Number.NaN], windW: [], batteryW: [-10000, 5000, Number.POSITIVE_INFINITY] })).toEqual({
      gridW: -50000, gridImportW: 0, gridExportW: 50000, pvW: 80000, windW: 0, batteryW: -5000, batteryDischargeW: 5000, batteryChargeW: 10000, loadW: 25000,
    });
  });
});

describe("forecastAt", () => {
  const points: GenerationForecastPoint[] = [
    { time: "2026-06-21T19:15:00.000Z", pvW: 10, windW: 20, byPlantW: { a: 10 } },
    { time: "2026-06-21T19:00:00.000Z", pvW: 0, windW: 40, byPlantW: { b: 40 } },
  ];
  it("interpolates between points in time order and holds the ends", () => {
    expect(forecastAt(points, Date.parse("2026-06-21T19:07:30.000Z"))).toEqual({ pvW: 5, windW: 30, byPlantW: { a: 5, b: 20 } });
    expect(forecastAt(points, Date.parse("2026-06-21T18:00:00.000Z"))).toEqual({ pvW: 0, windW: 40, byPlantW: { b: 40 } });
    expect(forecastAt(points, Date.parse("2026-06-21T20:00:00.000Z"))?.pvW).toBe(10);
  });
  it("answers null without points or time", () => {
    expect(forecastAt([], Date.now())).toBeNull();
    expect(forecastAt(points, Number.NaN)).toBeNull();
    expect(forecastAt([{ time: "nope", pvW: 1, windW: 1, byPlantW: {} }], Date.now())).toBeNull();
  });
});

describe("FrequencyHistory", () => {
  it("keeps the newest points, skips repeated readings and starts afresh when the clock goes back", () => {
    const h = new FrequencyHistory(3);
    for (let i = 1; i <= 5; i++) h.add({ seq: i, t: i * 1000, frequencyHz: 60, rocofHzPerS: 0 });
    expect(h.since().map((p) => p.seq)).toEqual([3, 4, 5]);
    h.add({ seq: 6, t: 5000, frequencyHz: 59, rocofHzPerS: 0 });
    expect(h.since().map((p) => p.seq)).toEqual([3, 4, 5]);
    expect(h.since(4).map((p) => p.seq)).toEqual([5]);
    expect(h.last(2).map((p) => p.seq)).toEqual([4, 5]);
    expect(h.last(0)).toEqual([]);
    h.add({ seq: 7, t: 100, frequencyHz: 60, rocofHzPerS: null });
    expect(h.since().map((p) => p.seq)).toEqual([7]);
  });
  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new FrequencyHistory(0)).toThrow(RangeError);
    expect(() => new FrequencyHistory(1.5)).toThrow(RangeError);
  });
});

describe("SSE framing", () => {
  it("frames an event with id, name and one data line per line", () => {
    expect(sseEvent("snapshot", { a: 1 }, 3)).toBe('id: 3\nevent: snapshot\ndata: {"a":1}\n\n');
    expect(sseEvent("history", "x\ny")).toBe('event: history\ndata: "x\\ny"\n\n');
    expect(() => sseEvent("bad\nname", {})).toThrow(RangeError);
  });
  it("accepts text/event-stream, text/*, */* or no Accept; refuses the rest and q=0", () => {
    for (const a of [undefined, "", "text/event-stream", "text/*", "*/*", "application/json, text/event-stream;q=0.5"]) expect(acceptsEventStream(a), String(a)).toBe(true);
    for (const a of ["application/json", "text/html", "text/event-stream;q=0", "image/*"]) expect(acceptsEventStream(a), a).toBe(false);
  });
  it("reads Last-Event-ID as a sequence number", () => {
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId(" ")).toBeUndefined();
    expect(parseLastEventId("42")).toBe(42);
    expect(parseLastEventId(["7"])).toBe(7);
    for (const v of ["-1", "1.5", "abc", "1e3", "9".repeat(16)]) expect(parseLastEventId(v), v).toBe("invalid");
  });
});

describe("TD forms", () => {
  const td = {
    properties: {
      channels: { forms: [{ href: "mqtt://h/x", op: ["readproperty"] }, { href: "http://h/gm/properties/channels/observable", op: ["observeproperty"], subprotocol: "longpoll" }, { href: "http://h/gm/properties/channels", op: "readproperty" }] },
      bare: { forms: [{ href: "https://h/bare" }] },
      coapOnly: { forms: [{ href: "coap://h/x", op: "readproperty" }] },
    },
    actions: { go: { forms: [{ href: "coap://h/go" }, { href: "http://h/go", op: "invokeaction", "htv:methodName": "PUT" }] }, plain: { forms: [{ href: "http://h/plain" }] } },
  };
  it("picks the plain HTTP read form and the HTTP action form with its method", () => {
    expect(httpReadHref(td, "channels")).toBe("http://h/gm/properties/channels");
    expect(httpReadHref(td, "bare")).toBe("https://h/bare");
    expect(httpReadHref(td, "coapOnly")).toBeUndefined();
    expect(httpReadHref(td, "missing")).toBeUndefined();
    expect(httpReadHref({}, "channels")).toBeUndefined();
    expect(httpActionForm(td, "go")).toEqual({ href: "http://h/go", method: "PUT" });
    expect(httpActionForm(td, "plain")).toEqual({ href: "http://h/plain", method: "POST" });
    expect(httpActionForm(td, "missing")).toBeUndefined();
  });
});
