/**
 * Interval billing from cumulative registers (pure). The register value at each quarter-hour
 * boundary is the reading on it, or the linear interpolation between the readings either side
 * (rounded to whole mWh); an interval's energy is the difference of its boundary values. The sum
 * over a meter's intervals therefore telescopes to the register difference over the period:
 * nothing lost, nothing counted twice. A late reading that moves a boundary produces adjustment
 * rows for the intervals either side; values are never overwritten.
 */
import type { RegisterPoint } from "../metering/types.ts";
import type { MeterTrack } from "../metering/meter-track.ts";
import type { Tariff } from "./tariff.ts";
import { INTERVAL_MS, type BoundaryValue, type IntervalRecord } from "./types.ts";

interface Emitted {
  importMilliWh: number;
  exportMilliWh: number;
  estimated: boolean;
  revision: number;
}

interface MeterBilling {
  anchor: RegisterPoint;
  /** Boundary time → value; the anchor's time is the first boundary. */
  readonly boundaries: Map<number, BoundaryValue>;
  /** Aligned interval start → what has been billed. */
  readonly emitted: Map<number, Emitted>;
}

export interface BillerOptions {
  tariff: Tariff;
  /** A boundary interpolated between readings further apart than this is an estimate. */
  gapThresholdMs: number;
}

/** What the ledger already holds for one meter (restart). */
export interface BillingRestoreState {
  anchor: RegisterPoint;
  intervals: ReadonlyArray<{ intervalStartMs: number; importMilliWh: number; exportMilliWh: number; estimated: boolean; revision: number }>;
}

const floorTo = (t: number) => Math.floor(t / INTERVAL_MS) * INTERVAL_MS;

export class IntervalBiller {
  private readonly meters = new Map<string, MeterBilling>();

  constructor(private readonly options: BillerOptions) {}

  /** Seeds a meter with what the ledger holds, so replayed readings produce no new rows. */
  restore(meterId: string, state: BillingRestoreState): void {
    const billing: MeterBilling = { anchor: state.anchor, boundaries: new Map(), emitted: new Map() };
    billing.boundaries.set(state.anchor.timeMs, { importMilliWh: state.anchor.importMilliWh, exportMilliWh: state.anchor.exportMilliWh, estimated: false });
    for (const i of state.intervals) billing.emitted.set(i.intervalStartMs, { importMilliWh: i.importMilliWh, exportMilliWh: i.exportMilliWh, estimated: i.estimated, revision: i.revision });
    this.meters.set(meterId, billing);
  }

  anchorOf(meterId: string): RegisterPoint | undefined {
    return this.meters.get(meterId)?.anchor;
  }

  forget(meterId: string): void {
    this.meters.delete(meterId);
  }

  /**
   * Call after VEE accepted the point at `index` of `track.points`. Returns the new ledger rows, and
   * the anchor when this point starts the meter's billing (the ledger must keep it).
   */
  onAccepted(track: MeterTrack, index: number): { records: IntervalRecord[]; anchor?: RegisterPoint } {
    const points = track.points;
    const point = points[index]!;
    let billing = this.meters.get(track.id);
    if (!billing) {
      billing = { anchor: point, boundaries: new Map(), emitted: new Map() };
      billing.boundaries.set(point.timeMs, { importMilliWh: point.importMilliWh, exportMilliWh: point.exportMilliWh, estimated: false });
      this.meters.set(track.id, billing);
      return { records: [], anchor: point };
    }
    if (point.timeMs <= billing.anchor.timeMs) return { records: [] }; // VEE refuses these; kept safe
    const prev = points[index - 1];
    const next = points[index + 1];
    const lo = Math.max(prev ? prev.timeMs : point.timeMs, billing.anchor.timeMs);
    const hi = next ? next.timeMs : point.timeMs;
    const changed: number[] = [];
    // Boundaries whose bracketing readings changed: strictly between the neighbours, or on the point.
    for (let b = floorTo(lo) + INTERVAL_MS; b <= hi; b += INTERVAL_MS) {
      if (b <= lo && b !== point.timeMs) continue;
      if (b === hi && next && b !== point.timeMs) continue;
      const value = boundaryValue(points, b, this.options.gapThresholdMs);
      if (!value) continue;
      const old = billing.boundaries.get(b);
      if (old && old.importMilliWh === value.importMilliWh && old.exportMilliWh === value.exportMilliWh && old.estimated === value.estimated) continue;
      billing.boundaries.set(b, value);
      changed.push(b);
    }
    const records: IntervalRecord[] = [];
    const starts = new Set<number>();
    for (const b of changed) {
      starts.add(floorTo(b - 1)); // the interval ending at b
      starts.add(b); // the interval starting at b
    }
    for (const start of [...starts].sort((a, b) => a - b)) {
      const record = this.bill(track.id, billing, start, point.timeMs);
      if (record) records.push(record);
    }
    this.prune(billing, points[0]!.timeMs);
    return { records };
  }

  private bill(meterId: string, billing: MeterBilling, start: number, recordedAtMs: number): IntervalRecord | undefined {
    const end = start + INTERVAL_MS;
    if (end <= billing.anchor.timeMs) return undefined;
    const fromMs = start < billing.anchor.timeMs ? billing.anchor.timeMs : start;
    const a = billing.boundaries.get(fromMs);
    const b = billing.boundaries.get(end);
    if (!a || !b) return undefined;
    const importMilliWh = b.importMilliWh - a.importMilliWh;
    const exportMilliWh = b.exportMilliWh - a.exportMilliWh;
    const estimated = a.estimated || b.estimated;
    const before = billing.emitted.get(start);
    if (before && before.importMilliWh === importMilliWh && before.exportMilliWh === exportMilliWh && before.estimated === estimated) return undefined;
    const revision = before ? before.revision + 1 : 0;
    billing.emitted.set(start, { importMilliWh, exportMilliWh, estimated, revision });
    const dImport = importMilliWh - (before?.importMilliWh ?? 0);
    const dExport = exportMilliWh - (before?.exportMilliWh ?? 0);
    const period = this.options.tariff.periodAt(start);
    return {
      meterId,
      intervalStartMs: start,
      fromMs,
      intervalEndMs: end,
      revision,
      kind: before ? "adjustment" : "original",
      importMilliWh: dImport,
      exportMilliWh: dExport,
      estimated,
      tariffId: this.options.tariff.id,
      period: period.name,
      importPricePerKwh: period.importPricePerKwh,
      exportPricePerKwh: period.exportPricePerKwh,
      amount: (dImport / 1e6) * period.importPricePerKwh - (dExport / 1e6) * period.exportPricePerKwh,
      recordedAtMs,
    };
  }

  /** Boundaries and intervals before the oldest kept reading can no longer change. */
  private prune(billing: MeterBilling, oldestPointMs: number): void {
    if (billing.emitted.size < 64) return;
    const keepFrom = floorTo(oldestPointMs) - INTERVAL_MS;
    for (const t of billing.boundaries.keys()) if (t < keepFrom && t !== billing.anchor.timeMs) billing.boundaries.delete(t);
    for (const t of billing.emitted.keys()) if (t < keepFrom) billing.emitted.delete(t);
  }
}

/** Register value at boundary b from the readings either side; undefined until both exist. */
export function boundaryValue(points: readonly RegisterPoint[], b: number, gapThresholdMs: number): BoundaryValue | undefined {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.timeMs < b) lo = mid + 1;
    else hi = mid;
  }
  const after = points[lo];
  if (!after) return undefined;
  if (after.timeMs === b) return { importMilliWh: after.importMilliWh, exportMilliWh: after.exportMilliWh, estimated: false };
  const before = points[lo - 1];
  if (!before) return undefined;
  const f = (b - before.timeMs) / (after.timeMs - before.timeMs);
  return {
    importMilliWh: Math.round(before.importMilliWh + f * (after.importMilliWh - before.importMilliWh)),
    exportMilliWh: Math.round(before.exportMilliWh + f * (after.exportMilliWh - before.exportMilliWh)),
    estimated: after.timeMs - before.timeMs > gapThresholdMs,
  };
}
