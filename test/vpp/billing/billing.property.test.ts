/**
 * Invariant of billing_update: after any delivery of a meter's readings (gaps, duplicates,
 * reordering), the billed energy per interval equals what the final set of readings gives, and
 * the meter's total equals the register difference over the billed period: nothing lost, nothing
 * counted twice.
 */
import { describe, expect } from "vitest";
import { fc, it } from "@fast-check/vitest";
import { boundaryValue } from "../../../src/vpp/billing/interval-biller.ts";
import { BillingLedger } from "../../../src/vpp/billing/ledger.ts";
import type { IntervalRecord } from "../../../src/vpp/billing/types.ts";
import { core, payload, T0, type TrueReading } from "./support.ts";

const step = fc.record({
  gapReadings: fc.oneof(fc.constant(1), fc.constant(1), fc.constant(1), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 20, max: 300 })),
  jitterMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_999 })), // at most 108 kW between readings: under the spike limit
  importWhPer15s: fc.integer({ min: 0, max: 300_000 }).map((x) => x / 1000),
  exportWhPer15s: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 }).map((x) => x / 1000)),
});

const scenario = fc.record({
  steps: fc.array(step, { minLength: 2, maxLength: 150 }),
  startOffsetMs: fc.integer({ min: 0, max: 899_999 }),
  displacement: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 150, maxLength: 150 }),
  duplicates: fc.array(fc.integer({ min: 0, max: 149 }), { maxLength: 20 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function trueReadings(s: Scenario): TrueReading[] {
  const out: TrueReading[] = [];
  let seq = 0;
  let slot = 0;
  let imp = 5_000;
  let exp = 100;
  for (const st of s.steps) {
    slot += st.gapReadings;
    seq += st.gapReadings;
    imp = Math.round((imp + st.importWhPer15s * st.gapReadings) * 1000) / 1000;
    exp = Math.round((exp + st.exportWhPer15s * st.gapReadings) * 1000) / 1000;
    out.push({ sequence: seq, timeMs: T0 + s.startOffsetMs + slot * 15_000 + st.jitterMs, importWh: imp, exportWh: exp, powerW: 1000 });
  }
  return out;
}

/** Readings in a shuffled order: each moves back by up to `displacement` places; some sent twice. */
function delivery(readings: TrueReading[], s: Scenario): TrueReading[] {
  const keyed = readings.map((r, i) => ({ r, key: i + (s.displacement[i] ?? 0) + i / 1000 }));
  keyed.sort((a, b) => a.key - b.key);
  const order = keyed.map((k) => k.r);
  for (const d of s.duplicates) if (d < readings.length) order.splice(Math.min(order.length, d + 3), 0, readings[d]!);
  return order;
}

describe("billing invariant", () => {
  it.prop([scenario], { numRuns: 150 })("billed energy per meter equals the register difference; every interval once, current with the final readings", (s) => {
    const c = core();
    const ledger = BillingLedger.open(null);
    try {
      const rows: IntervalRecord[] = [];
      const readings = trueReadings(s);
      for (const r of delivery(readings, s)) {
        const out = c.ingest(undefined, payload("m1", r), T0 + 365 * 86_400_000);
        expect(out.kind === "rejected" ? out.reason : "ok").toMatch(/^(ok|TOO_LATE)$/);
        if (out.kind === "accepted") {
          rows.push(...out.records);
          ledger.commit({ records: out.records, readings: [{ meterId: "m1", ...out.point }], anchors: out.anchor ? [{ meterId: "m1", ...out.anchor }] : [] });
        }
      }
      const points = c.vee.track("m1").points;
      const anchor = c.biller.anchorOf("m1")!;
      expect(points[0]).toEqual(anchor);
      const originals = rows.filter((r) => r.kind === "original");
      const starts = originals.map((r) => r.intervalStartMs);
      expect(new Set(starts).size).toBe(starts.length); // no interval billed twice
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(0);
      const sorted = [...starts].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBe(900_000); // none lost
      if (sorted.length === 0) return;
      const lastEnd = sorted[sorted.length - 1]! + 900_000;
      const end = boundaryValue(points, lastEnd, 22_500)!;
      const totalImport = rows.reduce((a, r) => a + r.importMilliWh, 0);
      const totalExport = rows.reduce((a, r) => a + r.exportMilliWh, 0);
      expect(totalImport).toBe(end.importMilliWh - anchor.importMilliWh);
      expect(totalExport).toBe(end.exportMilliWh - anchor.exportMilliWh);
      const onBoundary = points.find((p) => p.timeMs === lastEnd);
      if (onBoundary) expect(totalImport).toBe(onBoundary.importMilliWh - anchor.importMilliWh);
      // each interval's current value is what the final readings give
      for (const billed of ledger.intervals("m1", 0, 8.64e15)) {
        const startMs = Date.parse(billed.intervalStart);
        const from = startMs < anchor.timeMs ? { importMilliWh: anchor.importMilliWh } : boundaryValue(points, startMs, 22_500)!;
        const to = boundaryValue(points, Date.parse(billed.intervalEnd), 22_500)!;
        expect(Math.round(billed.importWh * 1000)).toBe(to.importMilliWh - from.importMilliWh);
      }
      expect(ledger.totals("m1").importMilliWh).toBe(totalImport);
    } finally {
      ledger.close();
    }
  });

  it.prop([scenario], { numRuns: 40 })("delivering the same readings again changes nothing (idempotent)", (s) => {
    const c = core();
    const readings = delivery(trueReadings(s), s);
    for (const r of readings) c.ingest(undefined, payload("m1", r), T0 + 365 * 86_400_000);
    for (const r of readings) {
      const out = c.ingest(undefined, payload("m1", r), T0 + 365 * 86_400_000);
      expect(out.kind === "accepted" ? out.records : []).toEqual([]);
      expect(out.kind).not.toBe("accepted");
    }
  });
});
