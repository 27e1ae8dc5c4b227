/**
 * Validation, estimation and editing of meter readings (seed 000 meter_stream). Pure: the clock is
 * passed in. Duplicates are idempotent, late and out-of-order readings are put in time order,
 * gaps are counted (billing interpolates the registers across them and flags the intervals), and
 * everything implausible is refused and counted per reason.
 */
import { MeterTrack } from "./meter-track.ts";
import { DEFAULT_VEE_OPTIONS, type MeterQualityReport, type MeterQualityState, type ParsedReading, type RegisterPoint, type RejectReason, type VeeOptions, type VeeOutcome } from "./types.ts";
import { meteringError } from "./errors.ts";

/** Register rounding to 1 mWh in the payload: a step this small never counts as a spike. */
const REGISTER_SLACK_MILLIWH = 2;

export function checkVeeOptions(partial: Partial<VeeOptions> = {}): VeeOptions {
  const options = { ...DEFAULT_VEE_OPTIONS, ...partial };
  if (partial.readingIntervalMs !== undefined && partial.staleAfterMs === undefined) options.staleAfterMs = 3 * options.readingIntervalMs;
  for (const [key, value] of Object.entries(options)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw meteringError("METER_BAD_ARGUMENT", `VEE option ${key} must be a positive number, got ${String(value)}`);
  }
  if (options.registerSpikeFactor < 1) throw meteringError("METER_BAD_ARGUMENT", "registerSpikeFactor must be at least 1");
  return options;
}

export class MeterValidator {
  readonly options: VeeOptions;
  private readonly tracks = new Map<string, MeterTrack>();

  constructor(options: Partial<VeeOptions> = {}) {
    this.options = checkVeeOptions(options);
  }

  track(meterId: string): MeterTrack {
    let track = this.tracks.get(meterId);
    if (!track) {
      track = new MeterTrack(meterId);
      this.tracks.set(meterId, track);
    }
    return track;
  }

  existing(meterId: string): MeterTrack | undefined {
    return this.tracks.get(meterId);
  }

  meterIds(): IterableIterator<string> {
    return this.tracks.keys();
  }

  forget(meterId: string): void {
    this.tracks.delete(meterId);
  }

  /** Counts a refusal that happened before VEE (parse errors, unknown meter, topic mismatch). */
  countRejected(meterId: string, reason: RejectReason): void {
    const track = this.track(meterId);
    track.rejected[reason]++;
    track.lastRefused = true;
  }

  /** Validates one reading against the meter's history and, if accepted, inserts it in time order. */
  check(reading: ParsedReading, nowMs: number): VeeOutcome & { track: MeterTrack; index: number } {
    const track = this.track(reading.meterId);
    const outcome = this.decide(track, reading, nowMs);
    if (outcome.kind === "rejected") {
      track.rejected[outcome.reason]++;
      track.lastRefused = true;
      return { ...outcome, track, index: -1 };
    }
    if (outcome.kind === "duplicate") {
      track.duplicates++;
      return { ...outcome, track, index: -1 };
    }
    track.insertAt(outcome.index, outcome.point);
    track.accepted++;
    track.lastRefused = false;
    track.lastAcceptedAtMs = nowMs;
    if (outcome.late) track.late++;
    const newest = track.newest!;
    track.trim(newest.timeMs - this.options.lateWindowMs);
    const index = outcome.late ? track.lowerBound(outcome.point.timeMs) : track.points.length - 1;
    return { kind: "accepted", point: outcome.point, late: outcome.late, missingBefore: outcome.missingBefore, track, index };
  }

  private decide(track: MeterTrack, r: ParsedReading, nowMs: number): (VeeOutcome & { index: number }) | Exclude<VeeOutcome, { kind: "accepted" }> {
    const o = this.options;
    if (r.timeMs > nowMs + o.maxClockSkewMs) return reject("FUTURE_TIMESTAMP", `reading at ${new Date(r.timeMs).toISOString()} is ahead of the clock`);
    if (r.deviceQuality === "ERROR") return reject("DEVICE_ERROR", "the meter flagged the reading ERROR");
    if (Math.abs(r.activePowerW) > o.maxPowerW) return reject("SPIKE_POWER", `|${r.activePowerW}| W exceeds ${o.maxPowerW} W`);
    const points = track.points;
    const point: RegisterPoint = { timeMs: r.timeMs, sequence: r.sequence, importMilliWh: r.importMilliWh, exportMilliWh: r.exportMilliWh, activePowerW: r.activePowerW };
    const newest = points[points.length - 1];
    let index: number;
    if (!newest || (r.timeMs > newest.timeMs && r.sequence > newest.sequence)) {
      index = points.length; // the usual case: next reading in order
    } else {
      if (r.timeMs < newest.timeMs - o.lateWindowMs || r.timeMs < points[0]!.timeMs) return reject("TOO_LATE", "older than the late-data window");
      index = track.lowerBound(r.timeMs);
      if (points[index]?.timeMs === r.timeMs) return { kind: "duplicate" };
      if (isSequenceDuplicate(points, point)) return { kind: "duplicate" };
    }
    const prev = points[index - 1];
    const next = points[index];
    if (prev) {
      const why = this.stepProblem(prev, point);
      if (why) return why;
    }
    if (next) {
      const why = this.stepProblem(point, next);
      if (why) return why;
    }
    let missingBefore = 0;
    if (!next) {
      if (prev && r.sequence > prev.sequence + 1) missingBefore = r.sequence - prev.sequence - 1;
      if (prev && (missingBefore > 0 || r.timeMs - prev.timeMs > 1.5 * o.readingIntervalMs)) track.gaps++;
      track.missing += missingBefore;
    } else if (prev && prev.sequence < r.sequence && r.sequence < next.sequence && track.missing > 0) {
      track.missing--; // a late reading fills a hole
    }
    return { kind: "accepted", point, late: next !== undefined, missingBefore, index };
  }

  /** A register that goes backwards, or moves faster than the physical limit allows, between two points. */
  private stepProblem(a: RegisterPoint, b: RegisterPoint): Extract<VeeOutcome, { kind: "rejected" }> | undefined {
    const dImport = b.importMilliWh - a.importMilliWh;
    const dExport = b.exportMilliWh - a.exportMilliWh;
    if (dImport < 0 || dExport < 0) return reject("ROLLBACK", `register goes back between ${new Date(a.timeMs).toISOString()} and ${new Date(b.timeMs).toISOString()}`);
    // mWh over ms: W = mWh * 3600 / ms. The limit allows maxPowerW * factor plus rounding slack.
    const limitMilliWh = (this.options.maxPowerW * this.options.registerSpikeFactor * (b.timeMs - a.timeMs)) / 3600 + REGISTER_SLACK_MILLIWH;
    if (dImport > limitMilliWh || dExport > limitMilliWh) return reject("SPIKE_REGISTER", `register step of ${Math.max(dImport, dExport) / 1000} Wh in ${(b.timeMs - a.timeMs) / 1000} s implies an impossible power`);
    return undefined;
  }

  quality(meterId: string, nowMs: number): MeterQualityReport | undefined {
    const track = this.tracks.get(meterId);
    return track ? qualityOf(track, nowMs, this.options.staleAfterMs) : undefined;
  }
}

export function qualityOf(track: MeterTrack, nowMs: number, staleAfterMs: number): MeterQualityReport {
  let state: MeterQualityState = "GOOD";
  if (track.lastRefused) state = "ERROR";
  else if (track.lastAcceptedAtMs === undefined || nowMs - track.lastAcceptedAtMs > staleAfterMs) state = "STALE";
  const newest = track.newest;
  return {
    meterId: track.id,
    state,
    lastReadingAt: newest ? new Date(newest.timeMs).toISOString() : null,
    accepted: track.accepted,
    duplicates: track.duplicates,
    late: track.late,
    missing: track.missing,
    gaps: track.gaps,
    rejected: { ...track.rejected },
  };
}

function reject(reason: RejectReason, detail: string): Extract<VeeOutcome, { kind: "rejected" }> {
  return { kind: "rejected", reason, detail };
}

/**
 * Same sequence number as a point nearby with the same registers: the meter sent it again (with a
 * new timestamp). A same sequence with other registers is a meter whose counter restarted: kept.
 */
function isSequenceDuplicate(points: readonly RegisterPoint[], p: RegisterPoint): boolean {
  for (let i = points.length - 1; i >= 0; i--) {
    const q = points[i]!;
    if (q.sequence === p.sequence && q.importMilliWh === p.importMilliWh && q.exportMilliWh === p.exportMilliWh) return true;
  }
  return false;
}
