/**
 * The meter stream's decisions without I/O: one message in (topic, payload, clock), what to do
 * with it out (count, store, bill). VEE, aggregation and billing in one pass; pure and
 * deterministic, so the MQTT glue and the benchmark run exactly the same code.
 */
import { LoadAggregator } from "../aggregation/load-aggregator.ts";
import type { LoadAggregate, MeterView } from "../aggregation/types.ts";
import { IntervalBiller, type BillingRestoreState } from "../billing/interval-biller.ts";
import type { Tariff } from "../billing/tariff.ts";
import type { IntervalRecord } from "../billing/types.ts";
import { parseReading } from "./parse-reading.ts";
import { REJECT_REASONS, type MeterPlacementInfo, type MeterQualityReport, type RegisterPoint, type RejectReason, type VeeOptions } from "./types.ts";
import { MeterValidator, qualityOf } from "./vee.ts";
import { zeroRejects } from "./meter-track.ts";
import { READING_TOPIC } from "../ingest/meter-registry.ts";

export type IngestResult =
  | { readonly kind: "accepted"; readonly meterId: string; readonly point: RegisterPoint; readonly late: boolean; readonly records: IntervalRecord[]; readonly anchor?: RegisterPoint }
  | { readonly kind: "duplicate"; readonly meterId: string }
  | { readonly kind: "rejected"; readonly meterId?: string; readonly reason: RejectReason; readonly detail: string };

export interface MeterStreamCounters {
  received: number;
  accepted: number;
  duplicates: number;
  late: number;
  rejected: Record<RejectReason, number>;
  rejectedTotal: number;
  intervalsBilled: number;
  adjustments: number;
  estimatedIntervals: number;
}

export interface MeterStreamCoreOptions {
  tariff: Tariff;
  vee?: Partial<VeeOptions>;
  /** Boundary interpolated across a wider gap is an estimate. Default 1.5 × reading interval. */
  gapThresholdMs?: number;
}

export class MeterStreamCore {
  readonly vee: MeterValidator;
  readonly aggregator: LoadAggregator;
  readonly biller: IntervalBiller;
  private readonly placements = new Map<string, MeterPlacementInfo>();
  readonly counters: MeterStreamCounters = { received: 0, accepted: 0, duplicates: 0, late: 0, rejected: zeroRejects(), rejectedTotal: 0, intervalsBilled: 0, adjustments: 0, estimatedIntervals: 0 };

  constructor(options: MeterStreamCoreOptions) {
    this.vee = new MeterValidator(options.vee);
    this.aggregator = new LoadAggregator(this.vee.options.staleAfterMs);
    this.biller = new IntervalBiller({ tariff: options.tariff, gapThresholdMs: options.gapThresholdMs ?? 1.5 * this.vee.options.readingIntervalMs });
  }

  /** Makes a meter known (from its TD); readings of unknown meters are refused. */
  place(meter: MeterPlacementInfo): void {
    this.placements.set(meter.id, meter);
    this.aggregator.place(meter);
  }

  /** The meter left the ensemble: no longer aggregated; its billing state stays for its late data. */
  unplace(meterId: string): void {
    this.placements.delete(meterId);
    this.aggregator.remove(meterId);
  }

  knows(meterId: string): boolean {
    return this.placements.has(meterId);
  }

  get meterCount(): number {
    return this.placements.size;
  }

  /** After a replay: counters count what arrived from now on. */
  resetCounters(): void {
    const c = this.counters;
    c.received = c.accepted = c.duplicates = c.late = c.rejectedTotal = c.intervalsBilled = c.adjustments = c.estimatedIntervals = 0;
    for (const k of Object.keys(c.rejected) as Array<keyof typeof c.rejected>) c.rejected[k] = 0;
  }

  restore(meterId: string, state: BillingRestoreState): void {
    this.biller.restore(meterId, state);
  }

  /** One MQTT message. `topic` undefined: the reading came by another path (replay, HTTP). */
  ingest(topic: string | undefined, payload: Uint8Array | string, nowMs: number): IngestResult {
    this.counters.received++;
    let topicMeter: string | undefined;
    if (topic !== undefined) {
      const match = READING_TOPIC.exec(topic);
      if (!match) return this.refuse(undefined, "MALFORMED", `topic ${topic} is not <meter>/events/reading`);
      topicMeter = match[1]!;
      if (!this.placements.has(topicMeter)) return this.refuse(undefined, "UNKNOWN_METER", `no meter ${topicMeter} in the ensemble`);
    }
    const parsed = parseReading(payload);
    if (!parsed.ok) return this.refuse(topicMeter ?? (parsed.meterId && this.placements.has(parsed.meterId) ? parsed.meterId : undefined), parsed.reason, parsed.detail);
    const reading = parsed.reading;
    if (topicMeter !== undefined && reading.meterId !== topicMeter) return this.refuse(topicMeter, "TOPIC_MISMATCH", `payload meterId ${reading.meterId} on the topic of ${topicMeter}`);
    if (topicMeter === undefined && !this.placements.has(reading.meterId)) return this.refuse(undefined, "UNKNOWN_METER", `no meter ${reading.meterId} in the ensemble`);
    const outcome = this.vee.check(reading, nowMs);
    if (outcome.kind === "duplicate") {
      this.counters.duplicates++;
      return { kind: "duplicate", meterId: reading.meterId };
    }
    if (outcome.kind === "rejected") {
      this.counters.rejected[outcome.reason]++;
      this.counters.rejectedTotal++;
      return { kind: "rejected", meterId: reading.meterId, reason: outcome.reason, detail: outcome.detail };
    }
    this.counters.accepted++;
    if (outcome.late) this.counters.late++;
    this.aggregator.update(reading.meterId, reading.activePowerW, reading.timeMs);
    const billed = this.biller.onAccepted(outcome.track, outcome.index);
    for (const r of billed.records) {
      if (r.kind === "original") this.counters.intervalsBilled++;
      else this.counters.adjustments++;
      if (r.estimated && r.kind === "original") this.counters.estimatedIntervals++;
    }
    return { kind: "accepted", meterId: reading.meterId, point: outcome.point, late: outcome.late, records: billed.records, ...(billed.anchor ? { anchor: billed.anchor } : {}) };
  }

  private refuse(meterId: string | undefined, reason: RejectReason, detail: string): IngestResult {
    this.counters.rejected[reason]++;
    this.counters.rejectedTotal++;
    if (meterId !== undefined) this.vee.countRejected(meterId, reason);
    return meterId === undefined ? { kind: "rejected", reason, detail } : { kind: "rejected", meterId, reason, detail };
  }

  snapshot(nowMs: number): LoadAggregate {
    return this.aggregator.snapshot(nowMs);
  }

  meterView(meterId: string, nowMs: number): MeterView | undefined {
    return this.aggregator.meterView(meterId, nowMs);
  }

  meterViews(nowMs: number): MeterView[] {
    return this.aggregator.meterViews(nowMs);
  }

  quality(meterId: string, nowMs: number): MeterQualityReport | undefined {
    const track = this.vee.existing(meterId);
    if (track) return qualityOf(track, nowMs, this.vee.options.staleAfterMs);
    if (!this.placements.has(meterId)) return undefined;
    return { meterId, state: "STALE", lastReadingAt: null, accepted: 0, duplicates: 0, late: 0, missing: 0, gaps: 0, rejected: zeroRejects() };
  }

  /** Meters by quality state (for the aggregation Thing and stats). */
  qualitySummary(nowMs: number): Record<"GOOD" | "STALE" | "ERROR", number> {
    const out = { GOOD: 0, STALE: 0, ERROR: 0 };
    for (const id of this.placements.keys()) out[this.quality(id, nowMs)!.state]++;
    return out;
  }
}

export { REJECT_REASONS };
