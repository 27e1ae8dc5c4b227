/**
 * Public types of the meter stream (seed 000 meter_stream): a reading as the meters publish it,
 * the outcome of validation/estimation/editing (VEE) and per-meter quality.
 * Energies are kept as integer milliwatt-hours so that interval sums telescope exactly.
 */

/** Where a meter sits in the grid hierarchy (from the `gt:` terms of its TD). */
export interface MeterPlacementInfo {
  readonly id: string;
  readonly region: string;
  readonly substation: string;
  readonly feeder: string;
}

/** A reading that passed parsing: every field typed and finite. */
export interface ParsedReading {
  readonly meterId: string;
  readonly sequence: number;
  /** Epoch milliseconds. */
  readonly timeMs: number;
  readonly activePowerW: number;
  /** Cumulative registers, integer mWh (the payload's Wh × 1000, rounded). */
  readonly importMilliWh: number;
  readonly exportMilliWh: number;
  readonly voltageV: number;
  readonly deviceQuality: "GOOD" | "STALE" | "ERROR";
}

/** Why a message or reading was refused; each counted per meter and in total. */
export const REJECT_REASONS = [
  "MALFORMED", // not JSON, not an object, a field missing
  "NOT_A_NUMBER", // NaN, Infinity, strings or other non-numbers where numbers are due
  "BAD_TIMESTAMP", // timestamp not an ISO 8601 instant
  "FUTURE_TIMESTAMP", // later than now + allowed clock skew
  "TOO_LATE", // older than the late-data window: its interval is final
  "UNKNOWN_METER", // no TD of that meter in the ensemble
  "TOPIC_MISMATCH", // payload meterId differs from the topic's meter
  "DEVICE_ERROR", // the meter itself flagged the reading ERROR
  "SPIKE_POWER", // |activePowerW| above the physical limit
  "SPIKE_REGISTER", // register step implies a power above the physical limit
  "ROLLBACK", // a register decreases against an earlier reading (or exceeds a later one)
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type MeterQualityState = "GOOD" | "STALE" | "ERROR";

/** Accepted register point kept per meter (time-ordered). */
export interface RegisterPoint {
  readonly timeMs: number;
  readonly sequence: number;
  readonly importMilliWh: number;
  readonly exportMilliWh: number;
  readonly activePowerW: number;
}

export type VeeOutcome =
  | { readonly kind: "accepted"; readonly point: RegisterPoint; readonly late: boolean; readonly missingBefore: number }
  | { readonly kind: "duplicate" }
  | { readonly kind: "rejected"; readonly reason: RejectReason; readonly detail: string };

export interface MeterQualityReport {
  readonly meterId: string;
  readonly state: MeterQualityState;
  readonly lastReadingAt: string | null;
  readonly accepted: number;
  readonly duplicates: number;
  readonly late: number;
  /** Sequence numbers found missing between accepted readings (a late reading that fills one gives it back). */
  readonly missing: number;
  readonly gaps: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
}

export interface VeeOptions {
  /** Physical limit of one meter, W (spikes above are rejected). Default 100 kW. */
  readonly maxPowerW: number;
  /** Slack on the register-implied power before a step counts as a spike (1.5 = +50 %). */
  readonly registerSpikeFactor: number;
  /** Timestamps later than now + skew are rejected. Default 5 s. */
  readonly maxClockSkewMs: number;
  /** How far behind the newest reading a late reading is still taken. Default 1 h. */
  readonly lateWindowMs: number;
  /** The meters' nominal reading interval (seed 000: 15 s). */
  readonly readingIntervalMs: number;
  /** No accepted reading for this long: STALE. Default 3 × reading interval. */
  readonly staleAfterMs: number;
}

export const DEFAULT_VEE_OPTIONS: VeeOptions = {
  maxPowerW: 100_000,
  registerSpikeFactor: 1.5,
  maxClockSkewMs: 5_000,
  lateWindowMs: 3_600_000,
  readingIntervalMs: 15_000,
  staleAfterMs: 45_000,
};
