import { describe, expect, it } from "vitest";
import { MeterValidator, checkVeeOptions } from "../../../src/vpp/metering/vee.ts";
import type { ParsedReading } from "../../../src/vpp/metering/types.ts";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const S = 15_000;

/** A reading of meter m1, `i` intervals after T0, registers rising 10 Wh per reading by default. */
function r(i: number, over: Partial<ParsedReading> = {}): ParsedReading {
  return { meterId: "m1", sequence: i, timeMs: T0 + i * S, activePowerW: 2400, importMilliWh: 1_000_000 + i * 10_000, exportMilliWh: 0, voltageV: 230, deviceQuality: "GOOD", ...over };
}

interface Row {
  name: string;
  history: ParsedReading[];
  reading: ParsedReading;
  expect: "accepted" | "duplicate" | `rejected:${string}`;
  late?: boolean;
  missingBefore?: number;
}

const NOW = T0 + 1000 * S;

const rows: Row[] = [
  { name: "first reading of a meter", history: [], reading: r(0), expect: "accepted", late: false },
  { name: "next reading in order", history: [r(0)], reading: r(1), expect: "accepted", late: false, missingBefore: 0 },
  { name: "same sequence and timestamp again (redelivery)", history: [r(0), r(1)], reading: r(1), expect: "duplicate" },
  { name: "same timestamp, other sequence", history: [r(0), r(1)], reading: r(1, { sequence: 7 }), expect: "duplicate" },
  { name: "same sequence and registers, new timestamp (resent)", history: [r(0), r(1)], reading: { ...r(1), timeMs: T0 + 1.5 * S }, expect: "duplicate" },
  { name: "late reading fills a hole", history: [r(0), r(2)], reading: r(1), expect: "accepted", late: true },
  { name: "gap of two readings is counted", history: [r(0)], reading: r(3), expect: "accepted", missingBefore: 2 },
  { name: "older than the late window", history: [r(0), r(300)], reading: r(1), expect: "rejected:TOO_LATE" },
  { name: "before the first reading kept", history: [r(5)], reading: r(4), expect: "rejected:TOO_LATE" },
  { name: "timestamp in the future beyond the skew", history: [], reading: { ...r(0), timeMs: NOW + 6_000 }, expect: "rejected:FUTURE_TIMESTAMP" },
  { name: "timestamp ahead within the skew", history: [], reading: { ...r(0), timeMs: NOW + 4_000 }, expect: "accepted" },
  { name: "power above the physical limit", history: [r(0)], reading: r(1, { activePowerW: 250_000 }), expect: "rejected:SPIKE_POWER" },
  { name: "negative power above the limit (export)", history: [r(0)], reading: r(1, { activePowerW: -100_001 }), expect: "rejected:SPIKE_POWER" },
  { name: "register jump implying 1 MW", history: [r(0)], reading: r(1, { importMilliWh: 1_000_000 + 4_200_000 }), expect: "rejected:SPIKE_REGISTER" },
  { name: "register jump just inside 1.5 x 100 kW", history: [r(0)], reading: r(1, { importMilliWh: 1_000_000 + 620_000 }), expect: "accepted" },
  { name: "import register rolls back", history: [r(0), r(1)], reading: r(2, { importMilliWh: 1_005_000 }), expect: "rejected:ROLLBACK" },
  { name: "export register rolls back", history: [r(0, { exportMilliWh: 500 })], reading: r(1, { exportMilliWh: 400 }), expect: "rejected:ROLLBACK" },
  { name: "late reading above the next one", history: [r(0), r(2)], reading: r(1, { importMilliWh: 1_030_000 }), expect: "rejected:ROLLBACK" },
  { name: "device flagged ERROR", history: [r(0)], reading: r(1, { deviceQuality: "ERROR" }), expect: "rejected:DEVICE_ERROR" },
  { name: "device flagged STALE is kept", history: [r(0)], reading: r(1, { deviceQuality: "STALE" }), expect: "accepted" },
  { name: "sequence restarted (new registers) is a new reading", history: [r(0), r(1)], reading: r(2, { sequence: 0 }), expect: "accepted" },
];

describe("VEE: one row per case", () => {
  for (const row of rows) {
    it(row.name, () => {
      const vee = new MeterValidator();
      for (const h of row.history) expect(vee.check(h, NOW).kind).toBe("accepted");
      const out = vee.check(row.reading, NOW);
      const got = out.kind === "rejected" ? `rejected:${out.reason}` : out.kind;
      expect(got).toBe(row.expect);
      if (row.late !== undefined && out.kind === "accepted") expect(out.late).toBe(row.late);
      if (row.missingBefore !== undefined && out.kind === "accepted") expect(out.missingBefore).toBe(row.missingBefore);
      const points = vee.track("m1").points;
      for (let i = 1; i < points.length; i++) expect(points[i]!.timeMs).toBeGreaterThan(points[i - 1]!.timeMs);
    });
  }
});

describe("VEE: counters and quality", () => {
  it("counts per reason, duplicates, gaps, late fills, and tells GOOD, ERROR, STALE", () => {
    const vee = new MeterValidator();
    vee.check(r(0), NOW);
    vee.check(r(3), NOW); // gap of 2
    vee.check(r(3), NOW); // duplicate
    vee.check(r(1), NOW); // late, fills one
    expect(vee.quality("m1", NOW)).toMatchObject({ state: "GOOD", accepted: 3, duplicates: 1, late: 1, missing: 1, gaps: 1 });
    vee.check(r(4, { activePowerW: Number.MAX_VALUE }), NOW);
    expect(vee.quality("m1", NOW)).toMatchObject({ state: "ERROR", rejected: expect.objectContaining({ SPIKE_POWER: 1 }) });
    vee.check(r(4), NOW);
    expect(vee.quality("m1", NOW)!.state).toBe("GOOD");
    expect(vee.quality("m1", NOW + 46_000)!.state).toBe("STALE");
    expect(vee.quality("nobody", NOW)).toBeUndefined();
  });

  it("keeps the late window bounded", () => {
    const vee = new MeterValidator({ lateWindowMs: 10 * S });
    for (let i = 0; i < 200; i++) vee.check(r(i), NOW + 200 * S);
    expect(vee.track("m1").points.length).toBeLessThan(50);
  });

  it("refuses bad options", () => {
    expect(() => checkVeeOptions({ maxPowerW: -1 })).toThrow(/maxPowerW/);
    expect(() => checkVeeOptions({ lateWindowMs: Number.NaN })).toThrow(/lateWindowMs/);
    expect(() => checkVeeOptions({ registerSpikeFactor: 0.5 })).toThrow(/registerSpikeFactor/);
    expect(checkVeeOptions({ readingIntervalMs: 60_000 }).staleAfterMs).toBe(180_000);
  });
});
