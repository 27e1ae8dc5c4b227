import { describe, expect, it } from "vitest";
import { boundaryValue } from "../../../src/vpp/billing/interval-biller.ts";
import { INTERVAL_MS, type IntervalRecord } from "../../../src/vpp/billing/types.ts";
import { core, payload, T0 } from "./support.ts";

const Q = INTERVAL_MS;

function feed(times: Array<[number, number]>, order?: number[]): IntervalRecord[] {
  const c = core();
  const rows: IntervalRecord[] = [];
  const list = times.map(([t, wh], i) => ({ sequence: i, timeMs: t, importWh: wh, exportWh: 0, powerW: 1000 }));
  for (const i of order ?? list.map((_, i) => i)) {
    const out = c.ingest(undefined, payload("m1", list[i]!), T0 + 10 * 86_400_000);
    if (out.kind === "accepted") rows.push(...out.records);
  }
  return rows;
}

describe("interval billing", () => {
  it("bills each quarter hour from readings on its boundaries, exactly", () => {
    const rows = feed([
      [T0, 100],
      [T0 + Q, 150],
      [T0 + 2 * Q, 175.5],
    ]);
    expect(rows.map((r) => [r.intervalStartMs - T0, r.importMilliWh, r.kind, r.estimated])).toEqual([
      [0, 50_000, "original", false],
      [Q, 25_500, "original", false],
    ]);
  });

  it("starts with a partial interval at the first reading and interpolates boundaries", () => {
    const rows = feed([
      [T0 + 5 * 60_000, 100],
      [T0 + Q + 10_000, 200],
      [T0 + Q + 20_000, 210],
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ intervalStartMs: T0, fromMs: T0 + 5 * 60_000, intervalEndMs: T0 + Q, kind: "original" });
    // (200-100) Wh over 610 s, boundary 600 s after the first reading: 98.361 Wh; estimated (gap > 22.5 s)
    expect(rows[0]!.importMilliWh).toBe(Math.round((600 / 610) * 100_000));
    expect(rows[0]!.estimated).toBe(true);
  });

  it("gives an adjustment, never an overwrite, when a late reading moves a boundary", () => {
    const rows = feed(
      [
        [T0, 0],
        [T0 + Q - 60_000, 90],
        [T0 + Q + 60_000, 110],
        [T0 + 2 * Q, 200],
      ],
      [0, 2, 3, 1],
    );
    expect(rows.map((r) => [r.intervalStartMs - T0, r.revision, r.kind, r.importMilliWh, r.estimated])).toEqual([
      [0, 0, "original", 103_125, true], // 110 Wh × 900/960 s: interpolated across the gap
      [Q, 0, "original", 96_875, true],
      [0, 1, "adjustment", -3_125, true], // the late reading moves the boundary to 100 Wh
      [Q, 1, "adjustment", 3_125, true],
    ]);
    const sum = rows.reduce((a, r) => a + r.importMilliWh, 0);
    expect(sum).toBe(200_000);
  });

  it("boundaryValue: on a reading, between readings, and undefined without both sides", () => {
    const pts = [
      { timeMs: 0, sequence: 0, importMilliWh: 0, exportMilliWh: 10, activePowerW: 0 },
      { timeMs: 1000, sequence: 1, importMilliWh: 1000, exportMilliWh: 20, activePowerW: 0 },
    ];
    expect(boundaryValue(pts, 0, 5000)).toEqual({ importMilliWh: 0, exportMilliWh: 10, estimated: false });
    expect(boundaryValue(pts, 250, 5000)).toEqual({ importMilliWh: 250, exportMilliWh: 13, estimated: false });
    expect(boundaryValue(pts, 250, 500)).toMatchObject({ estimated: true });
    expect(boundaryValue(pts, 1001, 5000)).toBeUndefined();
    expect(boundaryValue(pts, -1, 5000)).toBeUndefined();
  });
});
