import { randomUUID } from "node:crypto";
import type { AllocationWrite } from "../microgrid/allocation-audit.ts";
import { collect, validateAdvisoryOutputs, type AdvisorySetpoint, type CollectionQuery } from "../microgrid/collection.ts";
import { cycleError, MicrogridEngine, type ControlPointInput, type NodeLimitInput, type RebalanceCommand, type StatusEventInput, type TouLimitsInput } from "../microgrid/engine.ts";
import type { TopologyPatch } from "../microgrid/topology.ts";
import type {
  CapabilityStatusEvent,
  CycleResult,
  EffectiveCircuitCapacity,
  FeederCircuit,
  MicrogridNode,
  OperatingEnvelope,
  OperatingEnvelopeSubmission,
  TelemetryReading,
} from "../microgrid/types.ts";
import { logger } from "../log/logger.ts";
import type { MicrogridOperatingEnvelopeWritePort } from "./envelope-write-port.ts";
import type { MicrogridDefinition } from "./seed-data.ts";
import type { MicrogridStorage, StoredRecord } from "./storage/storage-port.ts";

const log = logger("microgrid.service");

export interface MicrogridServiceOptions {
  storage: MicrogridStorage;
  now?: () => Date;
  newId?: (kind: string) => string;
  freshness_threshold_seconds?: number;
  /** Microgrid definitions applied when the store does not know them yet. */
  definitions?: MicrogridDefinition[];
  /** Scheduled cycles wait for the first telemetry after start (at most the freshness window); default false. */
  await_first_telemetry?: boolean;
}

export type MicrogridEventListener = (record: StoredRecord) => void;

/**
 * The one entry point of the microgrid orchestrator for every interface (REST routes, the WoT
 * Thing, protocol adapters, the live site's telemetry feeder). Commands run one at a time; each
 * one's records are appended durably and the authored state saved before its promise resolves,
 * then listeners hear the records. Reads are synchronous views of the current state.
 */
export class MicrogridService implements MicrogridOperatingEnvelopeWritePort {
  private readonly engine: MicrogridEngine;
  private readonly storage: MicrogridStorage;
  private readonly listeners = new Set<MicrogridEventListener>();
  private readonly scheduleListeners = new Set<() => void>();
  private chain: Promise<unknown> = Promise.resolve();
  readonly now: () => Date;

  private constructor(engine: MicrogridEngine, storage: MicrogridStorage, now: () => Date) {
    this.engine = engine;
    this.storage = storage;
    this.now = now;
  }

  /** Loads authored state, replays the status and cycle streams into the projections, applies definitions. */
  static async open(options: MicrogridServiceOptions): Promise<MicrogridService> {
    const now = options.now ?? (() => new Date());
    const state = await options.storage.loadState();
    const status_events = options.storage.read("capability_status").map((r) => r.payload as unknown as CapabilityStatusEvent);
    const cycles = options.storage.read("cycles", { last: 500 }).map((r) => r.payload as unknown as CycleResult);
    const telemetry = options.storage.loadTelemetry();
    const engine = new MicrogridEngine(
      {
        now,
        newId: options.newId ?? ((kind) => `${kind}-${randomUUID()}`),
        ...(options.freshness_threshold_seconds ? { freshness_threshold_seconds: options.freshness_threshold_seconds } : {}),
        ...(options.await_first_telemetry ? { await_first_telemetry: true } : {}),
      },
      state ?? undefined,
      { status_events, cycles, telemetry },
    );
    const service = new MicrogridService(engine, options.storage, now);
    for (const d of options.definitions ?? []) {
      if (engine.listMicrogrids().some((m) => m.microgrid_id === d.microgrid_id)) await service.addNewControlPoints(d);
      else await service.applyDefinition(d);
    }
    log.info({ microgrids: engine.listMicrogrids().length, status_events: status_events.length, cycles: cycles.length, telemetry: telemetry.length }, "microgrid service open");
    return service;
  }

  private async applyDefinition(d: MicrogridDefinition): Promise<void> {
    await this.exec(() => {
      this.engine.writeTopology(d.microgrid_id, { version: 0, depot_id: d.depot_id, nodes: d.nodes.map((n) => ({ ...n, microgrid_id: d.microgrid_id })), updated_by: "definition" });
      this.engine.resync(d.depot_id, d.feeder_circuits, "definition");
      for (const l of d.node_limits) this.engine.upsertNodeLimit(d.microgrid_id, l);
      for (const { control_point_id, ...cp } of d.control_points) this.engine.upsertControlPoint(d.microgrid_id, control_point_id, cp);
    });
  }

  /**
   * A microgrid the store knows already keeps its authored state; only the control points its
   * definition has gained since (say, CSIP-AUS after an upgrade) are added. Control points are never
   * deleted (only disabled), so a missing one was never there.
   */
  private async addNewControlPoints(d: MicrogridDefinition): Promise<void> {
    const known = new Set(this.engine.controlPoints(d.microgrid_id).map((c) => c.control_point_id));
    const added = d.control_points.filter((c) => !known.has(c.control_point_id));
    if (added.length === 0) return;
    await this.exec(() => {
      for (const { control_point_id, ...cp } of added) this.engine.upsertControlPoint(d.microgrid_id, control_point_id, cp);
    });
    log.info({ microgrid_id: d.microgrid_id, control_points: added.map((c) => c.control_point_id) }, "control points added from the microgrid's definition");
  }

  // ------------------------------------------------------------- events

  /** Every appended record (Event Dictionary events on stream "domain"); returns unsubscribe. */
  onEvent(listener: MicrogridEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Told when envelopes or forecast health change, so the lifecycle scheduler re-arms. */
  onScheduleChange(listener: () => void): () => void {
    this.scheduleListeners.add(listener);
    return () => this.scheduleListeners.delete(listener);
  }

  /** Records of one stream, oldest first (audit reads). */
  stream(name: Parameters<MicrogridStorage["read"]>[0], options?: { last?: number; microgrid_id?: string }): StoredRecord[] {
    return this.storage.read(name, options);
  }

  /**
   * Runs fn on the engine alone, then persists what it produced (even when it threw: a failed
   * alias translation is audited), then notifies; the returned promise settles after durability.
   */
  private exec<T>(fn: () => T, scheduleChanged = false, savesState = true): Promise<T> {
    const run = this.chain.then(async () => {
      let result: T | undefined;
      let error: unknown;
      try {
        result = fn();
      } catch (e) {
        error = e;
      }
      const records = this.engine.drain();
      const stored = records.length > 0 ? this.storage.append(records) : [];
      const readings = this.engine.drainTelemetry();
      if (readings.length > 0) this.storage.saveTelemetry(readings);
      if (savesState) await this.storage.saveState(this.engine.snapshot());
      for (const r of stored) {
        for (const l of this.listeners) {
          try {
            l(r);
          } catch (e) {
            log.warn({ err: e, type: r.type }, "event listener failed");
          }
        }
      }
      if (scheduleChanged) for (const l of this.scheduleListeners) l();
      if (error !== undefined) throw error;
      return result as T;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** After an envelope change: legacy rebalance for each managed circuit whose effective capacity changed. */
  private rebalanceChanged(changed: EffectiveCircuitCapacity[]): void {
    this.engine.rebalanceProjected(changed);
  }

  // ------------------------------------------------------------- commands

  replaceTopology(microgrid_id: string, body: { version: number; nodes: MicrogridNode[]; depot_id?: string }, actor: string) {
    return this.exec(() => this.engine.writeTopology(microgrid_id, { version: body.version, nodes: body.nodes.map((n) => ({ ...n, microgrid_id: n.microgrid_id ?? microgrid_id })), updated_by: actor, ...(body.depot_id ? { depot_id: body.depot_id } : {}) }));
  }

  patchTopology(microgrid_id: string, body: { version: number; patch: TopologyPatch }, actor: string) {
    return this.exec(() => this.engine.writeTopology(microgrid_id, { version: body.version, patch: body.patch, updated_by: actor }));
  }

  upsertNodeLimit(microgrid_id: string, input: NodeLimitInput) {
    return this.exec(() => this.engine.upsertNodeLimit(microgrid_id, input));
  }

  upsertControlPoint(microgrid_id: string, control_point_id: string, input: ControlPointInput) {
    return this.exec(() => this.engine.upsertControlPoint(microgrid_id, control_point_id, input));
  }

  appendStatusEvent(microgrid_id: string, control_point_id: string, input: StatusEventInput) {
    return this.exec(() => this.engine.appendStatusEvent(microgrid_id, control_point_id, input));
  }

  appendDepotStatusEvent(depot_id: string, input: StatusEventInput & { control_point_id?: string; capability_type?: string }) {
    return this.exec(() => this.engine.appendDepotStatusEvent(depot_id, input));
  }

  /**
   * Telemetry Ingest port: the REST route and the live site's meter feeder both call this. The
   * accepted readings (latest per node) are durable when the promise resolves; a restart rebuilds
   * the fallback inputs (last measured demand) from them.
   */
  ingestTelemetry(microgrid_id: string, readings: TelemetryReading[]) {
    return this.exec(() => this.engine.ingestTelemetry(microgrid_id, readings), false, false);
  }

  submitEnvelope(submission: OperatingEnvelopeSubmission) {
    return this.exec(() => {
      const r = this.engine.submitEnvelope(submission);
      if (!r.duplicate && r.envelope.status !== "REJECTED") {
        const lifecycle = this.engine.evaluateLifecycle();
        const changed = [...lifecycle.changed, ...this.engine.projectAfterEnvelopeChange(submission.microgrid_id)];
        this.rebalanceChanged(changed);
      }
      return r;
    }, true);
  }

  withdrawEnvelope(envelope_id: string, withdrawn_by: string) {
    return this.exec(() => {
      const e = this.engine.withdrawEnvelope(envelope_id, withdrawn_by);
      this.rebalanceChanged(this.engine.projectAfterEnvelopeChange(e.microgrid_id));
      return e;
    }, true);
  }

  reportForecastSource(microgrid_id: string, node_id: string, health: { last_heartbeat_at?: string | null; offline_at?: string | null; stale_after_seconds?: number }) {
    return this.exec(() => {
      const h = this.engine.reportForecastSource(microgrid_id, node_id, health);
      this.rebalanceChanged(this.engine.evaluateLifecycle().changed);
      return h;
    }, true);
  }

  envelopesOf(microgrid_id: string, node_id: string): OperatingEnvelope[] {
    return this.engine.envelopes(microgrid_id).filter((e) => e.node_id === node_id && (e.status === "PENDING" || e.status === "ACTIVE"));
  }

  /** The scheduler's tick: lifecycle transitions at boundaries and expiry, then projections and legacy rebalances. */
  evaluateLifecycle() {
    return this.exec(() => {
      const r = this.engine.evaluateLifecycle();
      this.rebalanceChanged(r.changed);
      return r;
    }, true);
  }

  /** One cycle. A REJECTED cycle that maps to 409/422/503 is recorded, then thrown as that error. */
  rebalance(cmd: RebalanceCommand) {
    return this.exec(() => {
      const cycle = this.engine.rebalance(cmd);
      const error = cycleError(cycle, cmd.expected_topology_version ?? null);
      if (error) throw error;
      return cycle;
    });
  }

  rebalanceCircuit(circuit_id: string, cmd: Omit<RebalanceCommand, "microgrid_id" | "node_id" | "circuit_alias">, path = "POST /api/circuit/{circuit_id}/rebalance_load") {
    return this.exec(() => {
      const cycle = this.engine.rebalanceCircuit(circuit_id, cmd, path);
      const error = cycleError(cycle, cmd.expected_topology_version ?? null);
      if (error) throw error;
      return cycle;
    });
  }

  /** load_balancer.rebalance_requested(circuit_id) from a legacy event source. */
  legacyRebalanceRequested(circuit_id: string) {
    return this.exec(() => {
      try {
        return this.engine.rebalanceCircuit(circuit_id, { actor: "load_balancer", source: "load_balancer.rebalance_requested" }, "load_balancer.rebalance_requested");
      } catch {
        return null; // the failure event with CIRCUIT_ALIAS_NOT_RESOLVABLE is already in the outbox
      }
    });
  }

  scheduledRebalance(job: { circuit_id?: string; microgrid_id?: string }) {
    return this.exec(() => this.engine.scheduledRebalance(job));
  }

  touLimits(circuit_id: string) {
    return this.exec(() => this.engine.touLimits(circuit_id));
  }

  setTouLimits(circuit_id: string, input: TouLimitsInput, actor: string) {
    return this.exec(() => {
      const r = this.engine.setTouLimits(circuit_id, input, actor);
      if (!r.duplicate) {
        const changed = [...this.engine.evaluateLifecycle().changed, ...this.engine.projectAfterEnvelopeChange(r.microgrid_id)];
        this.rebalanceChanged(changed);
      }
      return r;
    }, true);
  }

  resync(depot_id: string, feeder_circuits: FeederCircuit[], actor: string) {
    return this.exec(() => this.engine.resync(depot_id, feeder_circuits, actor));
  }

  /** get_effective_circuit_capacity: synchronous reconciliation (REBALANCE_GUARD), never a rebalance. */
  getEffectiveCircuitCapacity(circuit_id: string) {
    return this.exec(() => this.engine.getEffectiveCircuitCapacity(circuit_id));
  }

  /** Fail-safe charge limits per controllable leaf (D-012): what the write-back uses without a trustworthy cycle. */
  safeAllocations(microgrid_id: string) {
    return this.engine.safeAllocations(microgrid_id);
  }

  /** Appends limit-write audit records (stream `allocation_writes`); resolves once they are durable. */
  recordAllocationWrites(microgrid_id: string, writes: readonly AllocationWrite[]) {
    return this.exec(() => this.engine.recordAllocationWrites(microgrid_id, writes), false, false);
  }

  /** The newest `limit` limit-write audit records of a microgrid, oldest first: `{seq, at, type, …AllocationWrite}`. */
  allocationWrites(microgrid_id: string, limit = 100) {
    this.engine.microgrid(microgrid_id);
    return this.storage.read("allocation_writes", { microgrid_id, last: limit }).map((r) => ({ seq: r.seq, at: r.at, type: r.type, ...(r.payload as unknown as AllocationWrite) }));
  }

  /** FR-019: validate advisory ENERGY_OPTIMISATION set-points against node limits before any apply. */
  validateAdvisory(microgrid_id: string, setpoints: AdvisorySetpoint[]): void {
    const telemetry = new Map(this.engine.latestTelemetry(microgrid_id).map((r) => [r.node_id, r.measured_demand_watts] as const));
    validateAdvisoryOutputs(this.engine.nodes(microgrid_id), this.engine.constraintIndex(microgrid_id), this.now().toISOString(), setpoints, telemetry);
  }

  // ------------------------------------------------------------- reads

  listMicrogrids() {
    return this.engine.listMicrogrids();
  }
  microgrid(microgrid_id: string) {
    return this.engine.microgrid(microgrid_id);
  }
  microgridOfDepot(depot_id: string) {
    return this.engine.microgridOfDepot(depot_id);
  }
  depotView(depot_id: string) {
    return this.engine.depotView(depot_id);
  }
  topology(microgrid_id: string) {
    return this.engine.topology(microgrid_id);
  }
  nodeLimits(microgrid_id: string, node_id?: string) {
    return this.engine.nodeLimits(microgrid_id, node_id);
  }
  controlPoints(microgrid_id: string, filter: { capability_type?: string; node_id?: string } = {}) {
    return this.engine.controlPoints(microgrid_id, filter);
  }
  statusEvents(microgrid_id: string, control_point_id: string, q: { from?: string; to?: string; limit?: number; offset?: number } = {}) {
    return this.engine.statusEventsOf(microgrid_id, control_point_id, q);
  }
  status(microgrid_id: string) {
    return this.engine.status(microgrid_id);
  }
  envelopes(microgrid_id: string, filter: { status?: string } = {}) {
    return this.engine.envelopes(microgrid_id, filter);
  }
  activeEnvelopes(microgrid_id: string) {
    return this.engine.activeEnvelopes(microgrid_id);
  }
  effectiveCircuitCapacities(microgrid_id: string) {
    return this.engine.effectiveCircuitCapacities(microgrid_id);
  }
  lastCycles(microgrid_id: string, n = 10) {
    return this.engine.lastCycles(microgrid_id, n);
  }
  latestTelemetry(microgrid_id: string) {
    return this.engine.latestTelemetry(microgrid_id);
  }
  forecastHealth(microgrid_id: string) {
    return this.engine.forecastHealth(microgrid_id);
  }
  collection(microgrid_id: string, q: CollectionQuery) {
    return collect(this.engine.nodes(microgrid_id), q);
  }
  nextLifecycleInstant(): Date | null {
    return this.engine.nextLifecycleInstant();
  }

  /** Waits for the commands in flight, then closes the storage. */
  async close(): Promise<void> {
    await this.chain;
    await this.storage.close();
  }
}
