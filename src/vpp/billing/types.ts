/** Public types of billing (seed 000 billing_update). Energies in integer mWh, prices per kWh. */

export const INTERVAL_MS = 15 * 60 * 1000;

export type IntervalRecordKind = "original" | "adjustment";

/**
 * One row of the billing ledger. An interval's billed energy is the sum of its rows: revision 0
 * is the original, later revisions are adjustments carrying the difference (late data never
 * overwrites). Keyed (meterId, intervalStartMs, revision): writing a row twice is a no-op.
 */
export interface IntervalRecord {
  readonly meterId: string;
  /** Start of the 15-minute interval (aligned to the quarter hour), epoch ms. */
  readonly intervalStartMs: number;
  /** Where billing of this interval starts: the interval start, or the meter's first reading (partial first interval). */
  readonly fromMs: number;
  readonly intervalEndMs: number;
  readonly revision: number;
  readonly kind: IntervalRecordKind;
  /** For an original: the interval's energy; for an adjustment: the change. */
  readonly importMilliWh: number;
  readonly exportMilliWh: number;
  /** A boundary register value was interpolated across a gap in the readings. */
  readonly estimated: boolean;
  readonly tariffId: string;
  readonly period: string;
  readonly importPricePerKwh: number;
  readonly exportPricePerKwh: number;
  /** importKWh × importPrice − exportKWh × exportPrice of this row, in the tariff's currency. */
  readonly amount: number;
  /** Reading time that caused the row (the newest point at the time), epoch ms. */
  readonly recordedAtMs: number;
}

/** The current state of one interval: its rows summed. */
export interface BilledInterval {
  readonly meterId: string;
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly from: string;
  readonly importWh: number;
  readonly exportWh: number;
  readonly estimated: boolean;
  readonly period: string;
  readonly amount: number;
  /** Number of adjustments after the original. */
  readonly adjustments: number;
}

/** A boundary's register values (interpolated where no reading sits on it). */
export interface BoundaryValue {
  readonly importMilliWh: number;
  readonly exportMilliWh: number;
  readonly estimated: boolean;
}
