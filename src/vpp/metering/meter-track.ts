import { REJECT_REASONS, type RegisterPoint, type RejectReason } from "./types.ts";

export type RejectCounters = Record<RejectReason, number>;

export function zeroRejects(): RejectCounters {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as RejectCounters;
}

/** Everything kept about one meter: its accepted points (time-ordered, within the late window) and counters. */
export class MeterTrack {
  /** Accepted register points, ascending `timeMs`, trimmed to the late window (plus one before it). */
  readonly points: RegisterPoint[] = [];
  accepted = 0;
  duplicates = 0;
  late = 0;
  missing = 0;
  gaps = 0;
  readonly rejected: RejectCounters = zeroRejects();
  /** Whether the last message from this meter was refused (not a duplicate). */
  lastRefused = false;
  /** Clock time of the last accepted reading (for STALE), epoch ms. */
  lastAcceptedAtMs: number | undefined;
  private appendsSinceTrim = 0;

  constructor(readonly id: string) {}

  get newest(): RegisterPoint | undefined {
    return this.points[this.points.length - 1];
  }

  /** Index of the first point with timeMs >= t (binary search). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]!.timeMs < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insertAt(index: number, point: RegisterPoint): void {
    if (index === this.points.length) this.points.push(point);
    else this.points.splice(index, 0, point);
  }

  /** Drops points older than `horizonMs`, keeping the newest of them (boundaries need a point on each side). */
  trim(horizonMs: number): void {
    if (++this.appendsSinceTrim < 32) return;
    this.appendsSinceTrim = 0;
    const first = this.lowerBound(horizonMs);
    if (first > 1) this.points.splice(0, first - 1);
  }
}
