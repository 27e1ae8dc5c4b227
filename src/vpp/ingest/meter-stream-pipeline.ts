/**
 * The meter stream of the VPP servient (seed 000: meter_stream → load_agg → billing_update):
 * MQTT in, VEE, aggregation and billing in one pass (MeterStreamCore), accepted readings and
 * ledger rows written in one transaction per batch (group commit, see `commitEveryMs`), and the
 * MQTT acknowledgements sent only once that batch is on disk. Aggregates are published every `aggregateEveryMs`.
 * Lifecycle object: the constructor does nothing; `start()` connects; `stop()` flushes and closes.
 */
import { randomUUID } from "node:crypto";
import { logger } from "../../log/logger.ts";
import type { LoadAggregate, MeterView } from "../aggregation/types.ts";
import type { BillingLedger, StoredReading } from "../billing/ledger.ts";
import type { Tariff } from "../billing/tariff.ts";
import type { IntervalRecord } from "../billing/types.ts";
import { meteringError } from "../metering/errors.ts";
import { MeterStreamCore, type MeterStreamCounters } from "../metering/meter-stream-core.ts";
import type { MeterPlacementInfo, MeterQualityReport, VeeOptions } from "../metering/types.ts";
import { MeterRegistry, readingSubscription, type MeterEntry, type Td } from "./meter-registry.ts";
import { MqttReadingSource } from "./mqtt-reading-source.ts";

const log = logger("vpp.meter-stream");

export interface MeterStreamOptions {
  ledger: BillingLedger;
  tariff: Tariff;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  vee?: Partial<VeeOptions>;
  /** Share the stream with other workers: MQTT 5 `$share/<group>/+/events/reading` (Mosquitto; aedes cannot). */
  sharedGroup?: string;
  /** Stable MQTT client id (persistent session). Default `gridthings-vpp-meters-<random>`. */
  clientId?: string;
  /** Default 1000 ms; 0: no periodic aggregates (call snapshot()). */
  aggregateEveryMs?: number;
  /** Commit when this many readings wait. Default 5000. */
  batchSize?: number;
  /**
   * Group commit: a batch grows while each event-loop turn brings more readings, and commits as
   * soon as a turn brings none (the stream paused, or the broker waits for our PUBACKs: its
   * in-flight window) or when it is this old (default 50 ms). Each commit is an fsync (2–15 ms
   * here, blocking the loop), so fewer, larger commits leave more time for the stream.
   */
  commitEveryMs?: number;
  reconnectPeriodMs?: number;
  username?: string;
  password?: string;
}

/** What start() needs: the meters' TDs (broker and topics derived from their forms), or a broker and placements. */
export type MeterStreamSource = { tds: readonly Td[] } | { brokerUrl: string; meters: readonly MeterPlacementInfo[] };

/** Same shape as the discovery client's EnsembleChange. */
export type MeterEnsembleChange = { type: "added" | "updated"; td: Td } | { type: "removed"; id: string };

export interface MeterStreamStats extends MeterStreamCounters {
  readonly meters: number;
  readonly quality: Record<"GOOD" | "STALE" | "ERROR", number>;
  readonly connected: boolean;
  readonly reconnects: number;
  readonly acked: number;
  readonly pendingAcks: number;
  readonly commits: number;
  /** Wall ms spent in ledger commits (mostly fsync), the event loop blocked meanwhile. */
  readonly commitMs: number;
  readonly failed: string | null;
  readonly subscription: string | null;
  readonly brokerUrl: string | null;
}

interface Pending {
  readings: StoredReading[];
  anchors: StoredReading[];
  records: IntervalRecord[];
  acks: Array<() => void>;
}

const emptyPending = (): Pending => ({ readings: [], anchors: [], records: [], acks: [] });

export class MeterStreamPipeline {
  readonly ledger: BillingLedger;
  private readonly core: MeterStreamCore;
  private readonly registry = new MeterRegistry();
  private readonly now: () => number;
  private source: MqttReadingSource | undefined;
  private pending: Pending = emptyPending();
  private flushScheduled = false;
  /** A flush waits for the ledger's checkpoint to end (its database flush runs off the loop). */
  private waitingForCheckpoint = false;
  private batchStartedAt = 0;
  private seenAtCheck = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly aggregateListeners = new Set<(a: LoadAggregate) => void>();
  private readonly intervalListeners = new Set<(records: readonly IntervalRecord[]) => void>();
  private commits = 0;
  /** The acks of the last batch written, sent once it is durable. */
  private ackChain: Promise<void> = Promise.resolve();
  private unsyncedAcks = 0;
  private commitMs = 0;
  private failed: string | null = null;
  private subscription: string | null = null;
  private brokerUrl: string | null = null;

  constructor(private readonly options: MeterStreamOptions) {
    const batch = options.batchSize ?? 5000;
    if (!Number.isInteger(batch) || batch < 1) throw meteringError("METER_BAD_ARGUMENT", `batchSize must be a positive integer, got ${String(options.batchSize)}`);
    const every = options.aggregateEveryMs ?? 1000;
    if (!Number.isFinite(every) || every < 0) throw meteringError("METER_BAD_ARGUMENT", `aggregateEveryMs must be ≥ 0, got ${String(options.aggregateEveryMs)}`);
    const commitEvery = options.commitEveryMs ?? 50;
    if (!Number.isFinite(commitEvery) || commitEvery < 0 || commitEvery > 5000) throw meteringError("METER_BAD_ARGUMENT", `commitEveryMs must be within 0..5000, got ${String(options.commitEveryMs)}`);
    this.ledger = options.ledger;
    this.now = options.now ?? Date.now;
    this.core = new MeterStreamCore({ tariff: options.tariff, ...(options.vee ? { vee: options.vee } : {}) });
  }

  /** Connects and subscribes; replays the ledger's recent readings first, so a restart bills on seamlessly. */
  async start(source: MeterStreamSource): Promise<void> {
    if (this.source) throw meteringError("METER_BAD_ARGUMENT", "the meter stream is already started");
    let brokerUrl: string | undefined;
    if ("tds" in source) {
      if (!Array.isArray(source.tds)) throw meteringError("METER_BAD_ARGUMENT", "tds must be an array of TDs");
      for (const e of this.registry.upsertTds(source.tds)) this.core.place(e);
      brokerUrl = this.registry.brokerUrl();
      if (!brokerUrl) throw meteringError("METER_BAD_ARGUMENT", "no smart-meter TD among the TDs given");
    } else {
      if (typeof source.brokerUrl !== "string" || !/^mqtts?:\/\//.test(source.brokerUrl)) throw meteringError("METER_BAD_ARGUMENT", `brokerUrl must be mqtt:// or mqtts://, got ${JSON.stringify(source.brokerUrl)}`);
      if (!Array.isArray(source.meters)) throw meteringError("METER_BAD_ARGUMENT", "meters must be an array");
      for (const m of source.meters) this.core.place(m);
      brokerUrl = source.brokerUrl;
    }
    const subscription = readingSubscription(this.options.sharedGroup);
    this.replayLedger();
    this.source = new MqttReadingSource(
      {
        brokerUrl,
        subscription,
        clientId: this.options.clientId ?? `gridthings-vpp-meters-${randomUUID().slice(0, 8)}`,
        protocolVersion: this.options.sharedGroup !== undefined ? 5 : 4,
        reconnectPeriodMs: this.options.reconnectPeriodMs ?? 1000,
        ...(this.options.username !== undefined ? { username: this.options.username } : {}),
        ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      },
      (topic, payload, ack) => this.receive(topic, payload, ack),
    );
    try {
      await this.source.start();
    } catch (e) {
      this.source = undefined;
      throw e;
    }
    this.subscription = subscription;
    this.brokerUrl = brokerUrl;
    const every = this.options.aggregateEveryMs ?? 1000;
    if (every > 0) this.timer = setInterval(() => this.publishAggregate(), every);
  }

  /** Follows the directory: meters joining, changing or leaving the ensemble. Non-meter TDs are ignored. */
  applyEnsembleChange(change: MeterEnsembleChange): void {
    if (change.type === "removed") {
      const id = this.registry.remove(change.id);
      if (id !== undefined) this.core.unplace(id);
      return;
    }
    for (const e of this.registry.upsertTds([change.td])) {
      if (this.brokerUrl && e.brokerUrl !== this.brokerUrl) {
        this.registry.remove(e.id);
        log.warn({ meter: e.id, broker: e.brokerUrl }, "meter publishes to another broker: not followed");
        continue;
      }
      this.core.place(e);
    }
  }

  meters(): MeterEntry[] {
    return this.registry.all();
  }

  /** Listener gets the aggregates (no per-household data) every `aggregateEveryMs`. Returns an unsubscribe. */
  onAggregate(listener: (aggregate: LoadAggregate) => void): () => void {
    this.aggregateListeners.add(listener);
    return () => this.aggregateListeners.delete(listener);
  }

  /** Listener gets ledger rows once they are durable. Returns an unsubscribe. */
  onIntervals(listener: (records: readonly IntervalRecord[]) => void): () => void {
    this.intervalListeners.add(listener);
    return () => this.intervalListeners.delete(listener);
  }

  snapshot(): LoadAggregate {
    return this.core.snapshot(this.now());
  }

  /** Per-meter latest readings: household data, for privileged roles only (the caller checks). */
  meterView(meterId: string): MeterView | undefined {
    return this.core.meterView(meterId, this.now());
  }

  meterViews(): MeterView[] {
    return this.core.meterViews(this.now());
  }

  quality(meterId: string): MeterQualityReport | undefined {
    return this.core.quality(meterId, this.now());
  }

  stats(): MeterStreamStats {
    const c = this.core.counters;
    return {
      ...c,
      rejected: { ...c.rejected },
      meters: this.core.meterCount,
      quality: this.core.qualitySummary(this.now()),
      connected: this.source?.connected ?? false,
      reconnects: this.source?.reconnects ?? 0,
      acked: this.source?.acked ?? 0,
      pendingAcks: this.pending.acks.length + this.unsyncedAcks,
      commits: this.commits,
      commitMs: Math.round(this.commitMs),
      failed: this.failed,
      subscription: this.subscription,
      brokerUrl: this.brokerUrl,
    };
  }

  /** Flushes what is pending, then disconnects. The ledger stays open (its owner closes it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush(true);
    await this.ackChain;
    const source = this.source;
    this.source = undefined;
    await source?.stop();
  }

  private receive(topic: string, payload: Uint8Array, ack: () => void): void {
    if (this.failed) return; // never acknowledged: the broker delivers it again after a restart
    const result = this.core.ingest(topic, payload, this.now());
    if (result.kind !== "accepted") {
      if (result.kind === "rejected") log.debug({ topic, reason: result.reason, detail: result.detail }, "reading refused");
      // Refusals and duplicates carry nothing to store; acknowledged in order with the batch.
      this.pending.acks.push(ack);
    } else {
      const p = this.pending;
      p.readings.push({ meterId: result.meterId, ...result.point });
      if (result.anchor) p.anchors.push({ meterId: result.meterId, ...result.anchor });
      for (const r of result.records) p.records.push(r);
      p.acks.push(ack);
    }
    if (this.pending.acks.length >= (this.options.batchSize ?? 5000)) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.batchStartedAt = performance.now();
      this.seenAtCheck = -1;
      setImmediate(() => this.checkBatch());
    }
  }

  /** After each turn of a growing batch: commit once a turn brought nothing new, or the batch is old. */
  private checkBatch(): void {
    if (!this.flushScheduled) return; // committed meanwhile (batch size reached)
    const n = this.pending.acks.length;
    if (n === this.seenAtCheck || performance.now() - this.batchStartedAt >= (this.options.commitEveryMs ?? 50)) {
      this.flush();
      return;
    }
    this.seenAtCheck = n;
    setImmediate(() => this.checkBatch());
  }

  /** `force`: write now even during a ledger checkpoint (which the write then finishes on the loop). */
  private flush(force = false): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.acks.length === 0) return;
    const checkpoint = force ? undefined : this.ledger.checkpointing;
    if (checkpoint) {
      // The batch grows meanwhile; it is written in one go when the checkpoint is over.
      if (!this.waitingForCheckpoint) {
        this.waitingForCheckpoint = true;
        void checkpoint.then(() => {
          this.waitingForCheckpoint = false;
          this.flush();
        });
      }
      return;
    }
    this.pending = emptyPending();
    try {
      const t = performance.now();
      if (batch.readings.length > 0 || batch.records.length > 0) this.ledger.write(batch);
      this.commitMs += performance.now() - t;
    } catch (e) {
      this.failStop(e);
      return;
    }
    this.commits++;
    // Durable once the WAL is flushed (off the event loop, while the next batch is parsed); acks
    // leave in order, each batch after the one before it.
    this.unsyncedAcks += batch.acks.length;
    const wrote = batch.readings.length > 0 || batch.records.length > 0;
    this.ackChain = Promise.all([this.ackChain, wrote ? this.ledger.sync() : undefined]).then(
      () => {
        this.unsyncedAcks -= batch.acks.length;
        if (this.failed) return;
        if (this.source) this.source.batchAcks(batch.acks);
        else for (const ack of batch.acks) ack();
        if (batch.records.length > 0)
          for (const listener of this.intervalListeners) {
            try {
              listener(batch.records);
            } catch (e) {
              log.warn({ err: (e as Error).message }, "interval listener failed");
            }
          }
      },
      (e: unknown) => this.failStop(e),
    );
  }

  /**
   * Fail-stop: memory is ahead of the disk. Nothing more is acknowledged; a restart replays the
   * ledger and the broker redelivers what was not acknowledged.
   */
  private failStop(e: unknown): void {
    if (this.failed) return;
    this.failed = (e as Error).message;
    log.error({ err: this.failed }, "billing ledger write failed: meter stream stopped acknowledging");
  }


  private replayLedger(): void {
    const restored = this.ledger.restoreState(this.core.vee.options.lateWindowMs);
    for (const m of restored) {
      this.core.restore(m.meterId, m.billing);
      const temporary = !this.core.knows(m.meterId);
      if (temporary) this.core.place({ id: m.meterId, region: "?", substation: "?", feeder: "?" });
      for (const r of m.readings) {
        const text = JSON.stringify({ meterId: m.meterId, sequence: r.sequence, timestamp: new Date(r.timeMs).toISOString(), activePowerW: r.activePowerW, energyImportWh: r.importMilliWh / 1000, energyExportWh: r.exportMilliWh / 1000, voltageV: 0, quality: "GOOD" });
        this.core.ingest(undefined, text, Math.max(this.now(), r.timeMs));
      }
      if (temporary) this.core.unplace(m.meterId);
    }
    this.core.resetCounters();
    if (restored.length > 0) log.info({ meters: restored.length }, "billing state restored from the ledger");
  }

  private publishAggregate(): void {
    if (this.aggregateListeners.size === 0) return;
    const aggregate = this.snapshot();
    for (const listener of this.aggregateListeners) {
      try {
        listener(aggregate);
      } catch (e) {
        log.warn({ err: (e as Error).message }, "aggregate listener failed");
      }
    }
  }
}
