/** Public types of load aggregation (seed 000 load_agg). Signs: positive = import (demand). */

export type AggregationLevel = "total" | "region" | "substation" | "feeder";

export interface GroupTotal {
  readonly level: AggregationLevel;
  /** "all", "<region>", "<region>/<substation>" or "<region>/<substation>/<feeder>". */
  readonly key: string;
  readonly region?: string;
  readonly substation?: string;
  readonly feeder?: string;
  /** Net demand of the fresh meters, W (import − export). */
  readonly demandW: number;
  readonly importW: number;
  readonly exportW: number;
  /** Meters whose latest valid reading is fresh and counted. */
  readonly meters: number;
  /** Meters of the group with no fresh valid reading (not counted). */
  readonly stale: number;
  readonly newestReadingAt: string | null;
}

/** Aggregates only: no per-household value appears here (seed 001 privacy). */
export interface LoadAggregate {
  /** Clock time the aggregate was computed. */
  readonly at: string;
  readonly total: GroupTotal;
  readonly regions: readonly GroupTotal[];
  readonly substations: readonly GroupTotal[];
  readonly feeders: readonly GroupTotal[];
}

/** One meter's latest valid reading: for privileged roles only. */
export interface MeterView {
  readonly meterId: string;
  readonly region: string;
  readonly substation: string;
  readonly feeder: string;
  readonly activePowerW: number | null;
  readonly readingAt: string | null;
  readonly fresh: boolean;
}
