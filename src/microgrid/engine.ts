import { ALLOCATION_WRITE_COMPLETED, ALLOCATION_WRITE_REQUESTED, type AllocationWrite } from "./allocation-audit.ts";
import { runBalancingCycle } from "./balancing.ts";
import { safeAllocations, type SafeAllocation } from "./safe-allocation.ts";
import { fallbackDemand } from "./fallback-demand.ts";
import { foldStatus, rebuildStatusProjection, toProjection, validateControlPoint } from "./capability.ts";
import { ConstraintIndex, forecastSourceState } from "./constraints.ts";
import { envelopeRuleViolation, isIsoInstant, lifecycleStatusAt, nextBoundaryAfter, sameSubmission, toEnvelope, boundaries, utc } from "./envelopes.ts";
import { conflict, fail, invalid, notFound } from "./errors.ts";
import { digest } from "./hash.ts";
import { emptyState, type AuthoredState, type ReplayedStreams, type StoredTelemetry, type StreamName, type StreamRecord } from "./state.ts";
import { applyTopologyPatch, indexTree, validateTopology, type TopologyPatch } from "./topology.ts";
import type {
  CapabilityControlPoint,
  CapabilityStatusEvent,
  CapabilityStatusProjection,
  CycleResult,
  EffectiveCircuitCapacity,
  FeederCircuit,
  ForecastSourceHealth,
  Microgrid,
  MicrogridNode,
  NodeLimit,
  OperatingEnvelope,
  OperatingEnvelopeSubmission,
  ProjectionTrigger,
  TelemetryReading,
} from "./types.ts";
import type { CodedError } from "../errors/coded-error.ts";

export interface EngineOptions {
  now: () => Date;
  newId: (kind: string) => string;
  /** Default telemetry freshness; a LOAD_BALANCING control point's local_config.freshness_threshold_seconds overrides it. */
  freshness_threshold_seconds?: number;
  /** Cycles kept in memory per microgrid for status reads and correlation idempotency. */
  cycles_kept?: number;
  /**
   * Scheduled cycles wait for the first telemetry after start: until every measured leaf has a
   * fresh reading, at most the freshness window after the engine was built (default false).
   */
  await_first_telemetry?: boolean;
}

export interface RebalanceCommand {
  microgrid_id: string;
  node_id?: string | null;
  correlation_id?: string | null;
  expected_topology_version?: number | null;
  actor: string;
  source: string;
  circuit_alias?: { circuit_id: string; path: string } | null;
}

export interface NodeLimitInput {
  node_limit_id?: string;
  node_id: string;
  constraint_type: NodeLimit["constraint_type"];
  limit_watts: number;
  source_type: NodeLimit["source_type"];
  status?: NodeLimit["status"];
}

export type ControlPointInput = Omit<CapabilityControlPoint, "control_point_id" | "microgrid_id" | "description" | "local_config" | "external_config_type" | "external_config_ref" | "schedule_ref" | "node_id"> &
  Partial<Pick<CapabilityControlPoint, "description" | "local_config" | "external_config_type" | "external_config_ref" | "schedule_ref" | "node_id">>;

export interface StatusEventInput {
  operational_status: string;
  reported_by: CapabilityStatusEvent["reported_by"];
  observed_at: string;
  source_event_ref?: string | null;
  status_detail?: Record<string, unknown> | null;
  status_event_id?: string;
}

export interface TouLimitsInput {
  source_ref?: string;
  effective_from?: string;
  effective_to?: string;
  blocks: Array<{ block_from: string; block_to: string; min_limit_watts?: number | null; max_limit_watts?: number | null; target_watts?: number | null }>;
}

const LIMIT_NODE_TYPES: Record<NodeLimit["constraint_type"], ReadonlySet<string>> = {
  CONSUMPTION_CAP: new Set(["GRID_CONNECTION", "CIRCUIT", "CHARGE_POINT", "CONNECTOR", "POWER_SOURCE"]),
  GENERATION_CAP: new Set(["GRID_CONNECTION", "CIRCUIT", "POWER_SOURCE"]),
  NET_CAP: new Set(["GRID_CONNECTION", "CIRCUIT", "POWER_SOURCE"]),
};
const TERMINAL = new Set(["WITHDRAWN", "REJECTED", "EXPIRED"]);

/**
 * The Microgrid aggregate(s) in memory: commands validate every seed 002 invariant, mutate the
 * authored state only when valid, and put what they decided in the outbox (Event Dictionary and
 * audit streams). Pure: the clock and the id source are injected; no I/O, no timers.
 */
export class MicrogridEngine {
  private state: AuthoredState;
  private readonly opts: Required<EngineOptions>;
  private readonly telemetry = new Map<string, Map<string, TelemetryReading>>();
  private readonly statusEvents = new Map<string, CapabilityStatusEvent[]>();
  private readonly statusBySourceRef = new Map<string, CapabilityStatusEvent>();
  private latestStatus = new Map<string, CapabilityStatusEvent>();
  private readonly cycles = new Map<string, CycleResult[]>();
  private outbox: StreamRecord[] = [];
  /** Readings accepted since the last drainTelemetry (for the storage port). */
  private telemetryOutbox: StoredTelemetry[] = [];
  private readonly openedAtMs: number;
  /** Microgrids whose first scheduled cycle has run (no more waiting for telemetry). */
  private readonly warmedUp = new Set<string>();

  constructor(options: EngineOptions, state: AuthoredState = emptyState(), replay: ReplayedStreams = { status_events: [], cycles: [] }) {
    this.opts = { freshness_threshold_seconds: 60, cycles_kept: 50, await_first_telemetry: false, ...options };
    this.openedAtMs = this.opts.now().getTime();
    this.state = state;
    for (const e of replay.status_events) this.indexStatus(e);
    this.latestStatus = rebuildStatusProjection(replay.status_events);
    for (const c of replay.cycles) this.keepCycle(c);
    for (const { microgrid_id, ...r } of replay.telemetry ?? []) {
      let map = this.telemetry.get(microgrid_id);
      if (!map) this.telemetry.set(microgrid_id, (map = new Map()));
      const cur = map.get(r.node_id);
      if (!cur || Date.parse(cur.observed_at) <= Date.parse(r.observed_at)) map.set(r.node_id, { node_id: r.node_id, measured_demand_watts: r.measured_demand_watts, observed_at: r.observed_at });
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** The authored state document (for the storage port). */
  snapshot(): AuthoredState {
    return this.state;
  }

  /** Takes the readings accepted since the last call (latest per node is what the storage port keeps). */
  drainTelemetry(): StoredTelemetry[] {
    const out = this.telemetryOutbox;
    this.telemetryOutbox = [];
    return out;
  }

  /** Takes the records the last commands produced, in order. */
  drain(): StreamRecord[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  private nowIso(): string {
    return this.opts.now().toISOString();
  }

  private emit(stream: StreamName, type: string, microgrid_id: string | null, payload: Record<string, unknown>): void {
    this.outbox.push({ stream, type, microgrid_id, at: this.nowIso(), payload });
  }

  /** Runs a command atomically: on a throw, state and outbox are what they were. */
  private atomic<T>(fn: () => T): T {
    const saved = structuredClone(this.state);
    const mark = this.outbox.length;
    try {
      return fn();
    } catch (e) {
      this.state = saved;
      this.outbox.length = mark;
      throw e;
    }
  }

  private indexStatus(e: CapabilityStatusEvent): void {
    const list = this.statusEvents.get(e.control_point_id);
    if (list) list.push(e);
    else this.statusEvents.set(e.control_point_id, [e]);
    if (e.source_event_ref !== null) this.statusBySourceRef.set(`${e.microgrid_id}|${e.source_event_ref}`, e);
  }

  private keepCycle(c: CycleResult): void {
    const list = this.cycles.get(c.microgrid_id) ?? [];
    list.push(c);
    if (list.length > this.opts.cycles_kept) list.splice(0, list.length - this.opts.cycles_kept);
    this.cycles.set(c.microgrid_id, list);
  }

  // ---------------------------------------------------------------- reads

  listMicrogrids(): Microgrid[] {
    return [...this.state.microgrids].sort((a, b) => (a.microgrid_id < b.microgrid_id ? -1 : 1));
  }

  microgrid(microgrid_id: string): Microgrid {
    const m = this.state.microgrids.find((x) => x.microgrid_id === microgrid_id);
    if (!m) throw notFound("MICROGRID_NOT_FOUND", microgrid_id);
    return m;
  }

  microgridOfDepot(depot_id: string): Microgrid {
    const m = this.state.microgrids.find((x) => x.depot_id === depot_id);
    if (!m) throw notFound("DEPOT_NOT_FOUND", depot_id);
    return m;
  }

  nodes(microgrid_id: string): MicrogridNode[] {
    this.microgrid(microgrid_id);
    return this.state.nodes[microgrid_id] ?? [];
  }

  topology(microgrid_id: string): { microgrid: Microgrid; nodes: MicrogridNode[] } {
    return { microgrid: this.microgrid(microgrid_id), nodes: indexTree(this.nodes(microgrid_id)).preorder };
  }

  private requireNode(microgrid_id: string, node_id: string): MicrogridNode {
    const n = this.nodes(microgrid_id).find((x) => x.node_id === node_id);
    if (!n) throw notFound("NODE_NOT_FOUND", node_id);
    return n;
  }

  nodeLimits(microgrid_id: string, node_id?: string): NodeLimit[] {
    this.microgrid(microgrid_id);
    return this.state.node_limits
      .filter((l) => l.microgrid_id === microgrid_id && l.status === "ACTIVE" && (node_id === undefined || l.node_id === node_id))
      .sort((a, b) => (a.node_id + a.constraint_type < b.node_id + b.constraint_type ? -1 : 1));
  }

  controlPoints(microgrid_id: string, filter: { capability_type?: string; node_id?: string } = {}): Array<CapabilityControlPoint & { latest_status: CapabilityStatusProjection | null }> {
    this.microgrid(microgrid_id);
    const now = this.nowIso();
    return this.state.control_points
      .filter((c) => c.microgrid_id === microgrid_id)
      .filter((c) => filter.capability_type === undefined || c.capability_type === filter.capability_type)
      .filter((c) => filter.node_id === undefined || c.node_id === filter.node_id)
      .sort((a, b) => (a.control_point_id < b.control_point_id ? -1 : 1))
      .map((c) => {
        const latest = this.latestStatus.get(c.control_point_id);
        return { ...c, latest_status: latest ? toProjection(latest, now) : null };
      });
  }

  controlPoint(microgrid_id: string, control_point_id: string): CapabilityControlPoint {
    this.microgrid(microgrid_id);
    const cp = this.state.control_points.find((c) => c.microgrid_id === microgrid_id && c.control_point_id === control_point_id);
    if (!cp) throw notFound("CONTROL_POINT_NOT_FOUND", control_point_id);
    return cp;
  }

  statusEventsOf(microgrid_id: string, control_point_id: string, q: { from?: string; to?: string; limit?: number; offset?: number } = {}): { items: CapabilityStatusEvent[]; total: number } {
    this.controlPoint(microgrid_id, control_point_id);
    const from = q.from ? Date.parse(q.from) : -Infinity;
    const to = q.to ? Date.parse(q.to) : Infinity;
    const all = (this.statusEvents.get(control_point_id) ?? []).filter((e) => {
      const t = Date.parse(e.observed_at);
      return t >= from && t < to;
    });
    const offset = q.offset ?? 0;
    return { items: all.slice(offset, offset + (q.limit ?? 100)), total: all.length };
  }

  statusProjections(microgrid_id: string): CapabilityStatusProjection[] {
    const now = this.nowIso();
    return this.state.control_points
      .filter((c) => c.microgrid_id === microgrid_id && this.latestStatus.has(c.control_point_id))
      .sort((a, b) => (a.control_point_id < b.control_point_id ? -1 : 1))
      .map((c) => toProjection(this.latestStatus.get(c.control_point_id) as CapabilityStatusEvent, now));
  }

  envelopes(microgrid_id: string, filter: { status?: string } = {}): OperatingEnvelope[] {
    this.microgrid(microgrid_id);
    return this.state.envelopes
      .filter((e) => e.microgrid_id === microgrid_id && (filter.status === undefined || e.status === filter.status))
      .sort((a, b) => (a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : a.envelope_id < b.envelope_id ? -1 : 1));
  }

  activeEnvelopes(microgrid_id: string): OperatingEnvelope[] {
    return this.envelopes(microgrid_id, { status: "ACTIVE" });
  }

  envelope(envelope_id: string): OperatingEnvelope {
    const e = this.state.envelopes.find((x) => x.envelope_id === envelope_id);
    if (!e) throw notFound("ENVELOPE_NOT_FOUND", envelope_id);
    return e;
  }

  effectiveCircuitCapacities(microgrid_id: string): EffectiveCircuitCapacity[] {
    this.microgrid(microgrid_id);
    return this.state.circuit_capacity.filter((c) => c.microgrid_id === microgrid_id).sort((a, b) => (a.circuit_id < b.circuit_id ? -1 : 1));
  }

  lastCycles(microgrid_id: string, n = 10): CycleResult[] {
    this.microgrid(microgrid_id);
    return (this.cycles.get(microgrid_id) ?? []).slice(-n).reverse();
  }

  forecastHealth(microgrid_id: string): Array<ForecastSourceHealth & { state: string }> {
    const t = this.opts.now().getTime();
    return this.state.forecast_health.filter((h) => h.microgrid_id === microgrid_id).map((h) => ({ ...h, state: forecastSourceState(h, t) }));
  }

  /** GET …/status: latest cycle, breach status, active envelopes summary, capability status projection. */
  status(microgrid_id: string): Record<string, unknown> {
    const m = this.microgrid(microgrid_id);
    const last = this.lastCycles(microgrid_id, 1)[0] ?? null;
    const active = this.activeEnvelopes(microgrid_id);
    return {
      microgrid_id,
      topology_version: m.version,
      latest_cycle: last,
      reason_codes: last ? last.reason_codes : [],
      breach_status: { in_breach: last ? last.breaches.length > 0 : false, breaches: last ? last.breaches : [] },
      active_envelopes: {
        count: active.length,
        items: active.map((e) => ({ envelope_id: e.envelope_id, node_id: e.node_id, envelope_type: e.envelope_type, constraint_type: e.constraint_type, effective_from: e.effective_from, effective_to: e.effective_to })),
      },
      effective_circuit_capacity: this.effectiveCircuitCapacities(microgrid_id),
      capability_status: this.statusProjections(microgrid_id),
    };
  }

  /** GET /api/depot/{depot_id}/microgrid. */
  depotView(depot_id: string): Record<string, unknown> {
    const m = this.microgridOfDepot(depot_id);
    return {
      ...m,
      nodes: this.topology(m.microgrid_id).nodes,
      feeder_circuits: this.state.depots.find((d) => d.depot_id === depot_id)?.feeder_circuits ?? [],
      active_envelopes: this.activeEnvelopes(m.microgrid_id),
      effective_circuit_capacity: this.effectiveCircuitCapacities(m.microgrid_id),
    };
  }

  // ---------------------------------------------------------------- topology

  /**
   * POST …/topology (replace, or patch with upsert/remove): version must equal the current version
   * (else 409), the result must satisfy every tree rule (else 422); accepted → version + 1.
   * An unknown microgrid is created when version is 0 and depot_id is given.
   */
  writeTopology(microgrid_id: string, cmd: { version: number; nodes?: MicrogridNode[]; patch?: TopologyPatch; depot_id?: string; updated_by: string }): Microgrid {
    return this.atomic(() => {
      let m = this.state.microgrids.find((x) => x.microgrid_id === microgrid_id);
      if (!m) {
        if (cmd.version !== 0 || !cmd.depot_id) throw notFound("MICROGRID_NOT_FOUND", microgrid_id);
        const other = this.state.microgrids.find((x) => x.depot_id === cmd.depot_id);
        if (other) throw invalid("TOPOLOGY_INVALID", "ONE_MICROGRID_PER_DEPOT", { depot_id: cmd.depot_id, microgrid_id: other.microgrid_id });
        m = { microgrid_id, depot_id: cmd.depot_id, version: 0 };
        this.state.microgrids.push(m);
        this.state.nodes[microgrid_id] = [];
      }
      if (cmd.version !== m.version) throw conflict("TOPOLOGY_VERSION_CONFLICT", cmd.version, m.version, { microgrid_id });
      const current = this.state.nodes[microgrid_id] ?? [];
      const next = cmd.nodes ?? applyTopologyPatch(current, cmd.patch ?? {});
      validateTopology(microgrid_id, next);
      if (next.length === 0) throw invalid("TOPOLOGY_INVALID", "FIRST_LEVEL_IS_GRID_CONNECTION", { first_level_nodes: 0 });
      this.checkReferencesSurvive(microgrid_id, next);
      this.state.nodes[microgrid_id] = next.map((n) => ({ ...n }));
      m.version += 1;
      this.emit("domain", "microgrid.topology_updated", microgrid_id, { microgrid_id, version: m.version, updated_by: cmd.updated_by });
      return { ...m };
    });
  }

  private checkReferencesSurvive(microgrid_id: string, next: readonly MicrogridNode[]): void {
    const ids = new Set(next.map((n) => n.node_id));
    const refs: Array<[string, string]> = [
      ...this.state.node_limits.filter((l) => l.microgrid_id === microgrid_id && l.status === "ACTIVE").map((l) => [l.node_id, `node_limit:${l.node_limit_id}`] as [string, string]),
      ...this.state.control_points.filter((c) => c.microgrid_id === microgrid_id && c.node_id !== null).map((c) => [c.node_id as string, `control_point:${c.control_point_id}`] as [string, string]),
      ...this.state.envelopes.filter((e) => e.microgrid_id === microgrid_id && !TERMINAL.has(e.status)).map((e) => [e.node_id, `envelope:${e.envelope_id}`] as [string, string]),
    ];
    const dangling = refs.filter(([node]) => !ids.has(node));
    if (dangling.length > 0) {
      throw invalid("TOPOLOGY_INVALID", "REFERENCED_NODE_KEPT", { removed_nodes_referenced_by: dangling.map(([node, by]) => ({ node_id: node, referenced_by: by })) });
    }
  }

  // ---------------------------------------------------------------- node limits

  /** POST …/node-limits: create, or update the one active limit of node_id + constraint_type. */
  upsertNodeLimit(microgrid_id: string, input: NodeLimitInput): NodeLimit {
    return this.atomic(() => {
      const node = this.nodes(microgrid_id).find((n) => n.node_id === input.node_id);
      if (!node) throw invalid("NODE_LIMIT_INVALID", "TARGET_NODE_EXISTS", { node_id: input.node_id });
      if (!LIMIT_NODE_TYPES[input.constraint_type].has(node.node_type)) {
        throw invalid("NODE_LIMIT_INVALID", "NODE_TYPE_SUPPORTS_CONSTRAINT", { node_id: node.node_id, node_type: node.node_type, constraint_type: input.constraint_type });
      }
      const status = input.status ?? "ACTIVE";
      const same = this.state.node_limits.filter((l) => l.microgrid_id === microgrid_id && l.node_id === input.node_id && l.constraint_type === input.constraint_type && l.status === "ACTIVE");
      let record = input.node_limit_id ? this.state.node_limits.find((l) => l.node_limit_id === input.node_limit_id) : same[0];
      if (record && record.microgrid_id !== microgrid_id) throw invalid("NODE_LIMIT_INVALID", "NODE_LIMIT_BELONGS_TO_MICROGRID", { node_limit_id: record.node_limit_id });
      if (status === "ACTIVE" && same.some((l) => l.node_limit_id !== (record?.node_limit_id ?? input.node_limit_id))) {
        throw invalid("NODE_LIMIT_INVALID", "ONE_ACTIVE_BASELINE_LIMIT_PER_NODE_AND_CONSTRAINT", { node_id: input.node_id, constraint_type: input.constraint_type, existing_node_limit_id: (same[0] as NodeLimit).node_limit_id });
      }
      const updated_at = this.nowIso();
      if (record) Object.assign(record, { node_id: input.node_id, constraint_type: input.constraint_type, limit_watts: input.limit_watts, source_type: input.source_type, status, updated_at });
      else {
        record = { node_limit_id: input.node_limit_id ?? this.opts.newId("node_limit"), microgrid_id, node_id: input.node_id, constraint_type: input.constraint_type, limit_watts: input.limit_watts, source_type: input.source_type, status, updated_at };
        this.state.node_limits.push(record);
      }
      this.emit("domain", "microgrid.node_limit_updated", microgrid_id, { microgrid_id, node_limit_id: record.node_limit_id, node_id: record.node_id, constraint_type: record.constraint_type });
      return { ...record };
    });
  }

  // ---------------------------------------------------------------- capability control points and status

  upsertControlPoint(microgrid_id: string, control_point_id: string, input: ControlPointInput): CapabilityControlPoint {
    return this.atomic(() => {
      const nodes = new Set(this.nodes(microgrid_id).map((n) => n.node_id));
      const cp: CapabilityControlPoint = {
        control_point_id,
        microgrid_id,
        node_id: input.node_id ?? null,
        capability_type: input.capability_type,
        state: input.state,
        control_source: input.control_source,
        description: input.description ?? "",
        local_config: input.local_config ?? null,
        external_config_type: input.external_config_type ?? null,
        external_config_ref: input.external_config_ref ?? null,
        schedule_ref: input.schedule_ref ?? null,
      };
      const others = this.state.control_points.filter((c) => c.microgrid_id === microgrid_id);
      validateControlPoint(cp, (id) => nodes.has(id), others);
      const existing = this.state.control_points.findIndex((c) => c.control_point_id === control_point_id);
      if (existing >= 0) {
        if ((this.state.control_points[existing] as CapabilityControlPoint).microgrid_id !== microgrid_id) {
          throw invalid("CONTROL_POINT_INVALID", "CONTROL_POINT_BELONGS_TO_MICROGRID", { control_point_id });
        }
        this.state.control_points[existing] = cp;
      } else this.state.control_points.push(cp);
      this.emit("domain", "microgrid.capability_control_point_updated", microgrid_id, {
        microgrid_id, control_point_id, node_id: cp.node_id, capability_type: cp.capability_type, state: cp.state, control_source: cp.control_source,
      });
      return { ...cp };
    });
  }

  /** Appends one immutable status event; a repeated source_event_ref returns the stored event (NFR-009). */
  appendStatusEvent(microgrid_id: string, control_point_id: string, input: StatusEventInput): { event: CapabilityStatusEvent; duplicate: boolean } {
    const cp = this.controlPoint(microgrid_id, control_point_id);
    if (input.source_event_ref) {
      const seen = this.statusBySourceRef.get(`${microgrid_id}|${input.source_event_ref}`);
      if (seen) return { event: seen, duplicate: true };
    }
    if (!isIsoInstant(input.observed_at)) throw invalid("STATUS_EVENT_INVALID", "OBSERVED_AT_IS_UTC_INSTANT", { observed_at: input.observed_at });
    if (input.operational_status.length === 0) throw invalid("STATUS_EVENT_INVALID", "OPERATIONAL_STATUS_REQUIRED", {});
    if (input.status_event_id && [...(this.statusEvents.get(control_point_id) ?? [])].some((e) => e.status_event_id === input.status_event_id)) {
      throw invalid("STATUS_EVENT_INVALID", "STATUS_EVENT_ID_UNIQUE", { status_event_id: input.status_event_id });
    }
    const event: CapabilityStatusEvent = {
      status_event_id: input.status_event_id ?? this.opts.newId("status_event"),
      microgrid_id,
      control_point_id,
      node_id: cp.node_id,
      capability_type: cp.capability_type,
      operational_status: input.operational_status,
      reported_by: input.reported_by,
      observed_at: utc(input.observed_at),
      ingested_at: this.nowIso(),
      source_event_ref: input.source_event_ref ?? null,
      status_detail: input.status_detail ?? null,
    };
    this.indexStatus(event);
    foldStatus(this.latestStatus, event);
    this.emit("capability_status", "CapabilityStatusEvent", microgrid_id, { ...event });
    this.emit("domain", "microgrid.capability_status.recorded", microgrid_id, {
      microgrid_id, control_point_id, node_id: event.node_id, capability_type: event.capability_type, operational_status: event.operational_status, source_event_ref: event.source_event_ref, observed_at: event.observed_at,
    });
    return { event, duplicate: false };
  }

  /** Depot alias: whole-microgrid status; the control point is named or is the one node-less point of the capability. */
  appendDepotStatusEvent(depot_id: string, input: StatusEventInput & { control_point_id?: string; capability_type?: string }): { event: CapabilityStatusEvent; duplicate: boolean } {
    const m = this.microgridOfDepot(depot_id);
    let cpId = input.control_point_id;
    if (!cpId) {
      const candidates = this.state.control_points.filter((c) => c.microgrid_id === m.microgrid_id && c.node_id === null && c.capability_type === input.capability_type);
      if (candidates.length !== 1) {
        throw invalid("STATUS_EVENT_INVALID", "REFERENCES_ONE_WHOLE_MICROGRID_CONTROL_POINT", { capability_type: input.capability_type ?? null, candidates: candidates.map((c) => c.control_point_id) });
      }
      cpId = (candidates[0] as CapabilityControlPoint).control_point_id;
    }
    const cp = this.controlPoint(m.microgrid_id, cpId);
    if (cp.node_id !== null) throw invalid("STATUS_EVENT_INVALID", "WHOLE_MICROGRID_CONTROL_POINT", { control_point_id: cpId, node_id: cp.node_id });
    return this.appendStatusEvent(m.microgrid_id, cpId, input);
  }

  // ---------------------------------------------------------------- telemetry

  /** Telemetry Ingest: the latest reading per node (older readings than the stored one are ignored). */
  ingestTelemetry(microgrid_id: string, readings: readonly TelemetryReading[]): { accepted: number; ignored_older: number } {
    const nodes = new Set(this.nodes(microgrid_id).map((n) => n.node_id));
    const skewLimit = this.opts.now().getTime() + 5000;
    for (const [i, r] of readings.entries()) {
      if (!nodes.has(r.node_id)) throw invalid("TELEMETRY_INVALID", "TARGET_NODE_EXISTS", { index: i, node_id: r.node_id });
      if (!Number.isFinite(r.measured_demand_watts)) throw invalid("TELEMETRY_INVALID", "DEMAND_IS_FINITE_WATTS", { index: i });
      if (!isIsoInstant(r.observed_at)) throw invalid("TELEMETRY_INVALID", "OBSERVED_AT_IS_UTC_INSTANT", { index: i });
      if (Date.parse(r.observed_at) > skewLimit) throw invalid("TELEMETRY_INVALID", "OBSERVED_AT_NOT_IN_FUTURE", { index: i, observed_at: r.observed_at });
    }
    let map = this.telemetry.get(microgrid_id);
    if (!map) this.telemetry.set(microgrid_id, (map = new Map()));
    let accepted = 0;
    for (const r of readings) {
      const cur = map.get(r.node_id);
      if (cur && Date.parse(cur.observed_at) > Date.parse(r.observed_at)) continue;
      const stored = { node_id: r.node_id, measured_demand_watts: r.measured_demand_watts, observed_at: utc(r.observed_at) };
      map.set(r.node_id, stored);
      this.telemetryOutbox.push({ microgrid_id, ...stored });
      accepted++;
    }
    return { accepted, ignored_older: readings.length - accepted };
  }

  latestTelemetry(microgrid_id: string): TelemetryReading[] {
    return [...(this.telemetry.get(microgrid_id)?.values() ?? [])].sort((a, b) => (a.node_id < b.node_id ? -1 : 1));
  }

  // ---------------------------------------------------------------- allocation write-back

  /**
   * Fail-safe limits for every controllable leaf, from the caps in force now (D-012), less the
   * uncontrolled load under them, reckoned as a cycle would: a fresh reading; else the node's own
   * consumption cap; else its last reading; else nothing. Generation is never counted on.
   */
  safeAllocations(microgrid_id: string): SafeAllocation[] {
    const atMs = this.opts.now().getTime();
    const constraints = this.constraintIndex(microgrid_id);
    const readings = this.telemetry.get(microgrid_id);
    const freshMs = this.freshnessThreshold(microgrid_id) * 1000;
    const reserveOf = (n: MicrogridNode): number => {
      const r = readings?.get(n.node_id);
      const known = r !== undefined && Number.isFinite(r.measured_demand_watts);
      const age = known ? atMs - Date.parse(r.observed_at) : Number.NaN;
      if (known && age >= 0 && age <= freshMs) return Math.max(0, r.measured_demand_watts);
      const set = n.node_type === "POWER_SOURCE" ? undefined : constraints.forNode(n.node_id);
      const own = set ? constraints.effectiveFor(set, "CONSUMPTION_CAP", atMs) : undefined;
      return Math.max(0, fallbackDemand(n.node_type, known ? r : undefined, own).watts ?? 0);
    };
    return safeAllocations(this.nodes(microgrid_id), constraints, atMs, reserveOf);
  }

  /** Audits limit writes to devices (stream `allocation_writes`): REQUESTED before sending, OK/FAILED after. */
  recordAllocationWrites(microgrid_id: string, writes: readonly AllocationWrite[]): void {
    this.microgrid(microgrid_id);
    for (const w of writes) this.emit("allocation_writes", w.result === "REQUESTED" ? ALLOCATION_WRITE_REQUESTED : ALLOCATION_WRITE_COMPLETED, microgrid_id, { ...w, microgrid_id });
  }

  // ---------------------------------------------------------------- envelopes (MicrogridOperatingEnvelopeWritePort)

  /**
   * Accepts an envelope for microgrid_id + node_id. Invalid content is kept as REJECTED (audited);
   * a repeated source_ref with the same content returns the stored envelope (NFR-010), with
   * different content it is a 409. Valid envelopes start PENDING: the scheduler activates them.
   */
  submitEnvelope(s: OperatingEnvelopeSubmission): { envelope: OperatingEnvelope; duplicate: boolean } {
    return this.atomic(() => {
      this.microgrid(s.microgrid_id);
      const prior = this.state.envelopes.find((e) => e.microgrid_id === s.microgrid_id && e.source_ref === s.source_ref);
      if (prior) {
        if (sameSubmission(prior, s)) return { envelope: prior, duplicate: true };
        throw conflict("ENVELOPE_SOURCE_REF_CONFLICT", null, null, { source_ref: s.source_ref, envelope_id: prior.envelope_id });
      }
      let violation = envelopeRuleViolation(s);
      const node = this.nodes(s.microgrid_id).find((n) => n.node_id === s.node_id);
      if (!violation && !node) violation = { rule: "TARGET_NODE_EXISTS", details: { node_id: s.node_id } };
      if (!violation && s.origin_control_point_id && !this.state.control_points.some((c) => c.microgrid_id === s.microgrid_id && c.control_point_id === s.origin_control_point_id)) {
        violation = { rule: "ORIGIN_CONTROL_POINT_EXISTS", details: { origin_control_point_id: s.origin_control_point_id } };
      }
      if (!violation && Date.parse(s.effective_to) <= this.opts.now().getTime()) violation = { rule: "WINDOW_NOT_IN_PAST", details: { effective_to: s.effective_to } };
      const envelope_id = this.opts.newId("envelope");
      const envelope = toEnvelope(s, envelope_id, this.nowIso(), violation ? "REJECTED" : "PENDING", violation ? violation.rule : null);
      this.state.envelopes.push(envelope);
      this.emit("domain", "microgrid.operating_envelope_received", s.microgrid_id, {
        envelope_id, microgrid_id: s.microgrid_id, origin_control_point_id: envelope.origin_control_point_id, node_id: s.node_id, constraint_type: s.constraint_type, effective_from: envelope.effective_from, effective_to: envelope.effective_to,
      });
      this.lifecycleRecord(envelope, violation ? "REJECTED" : "RECEIVED", violation ? { violated_rule: violation.rule, details: violation.details } : {});
      return { envelope, duplicate: false };
    });
  }

  private lifecycleRecord(e: OperatingEnvelope, transition: string, extra: Record<string, unknown> = {}): void {
    this.emit("envelope_lifecycle", transition, e.microgrid_id, {
      envelope_id: e.envelope_id, microgrid_id: e.microgrid_id, origin_control_point_id: e.origin_control_point_id, node_id: e.node_id, envelope_type: e.envelope_type, source_ref: e.source_ref, status: e.status, evaluated_at: this.nowIso(), ...extra,
    });
  }

  withdrawEnvelope(envelope_id: string, withdrawn_by: string): OperatingEnvelope {
    return this.atomic(() => {
      const e = this.envelope(envelope_id);
      if (e.status === "WITHDRAWN") return e;
      if (TERMINAL.has(e.status)) throw invalid("ENVELOPE_INVALID", "ONLY_PENDING_OR_ACTIVE_WITHDRAWN", { envelope_id, status: e.status });
      e.status = "WITHDRAWN";
      this.lifecycleRecord(e, "WITHDRAWN", { withdrawn_by });
      this.emit("domain", "microgrid.operating_envelope_lifecycle_evaluated", e.microgrid_id, {
        envelope_id, microgrid_id: e.microgrid_id, origin_control_point_id: e.origin_control_point_id, node_id: e.node_id, status: e.status, evaluated_at: this.nowIso(),
      });
      return e;
    });
  }

  /** The next instant the scheduler must evaluate: an envelope boundary or a forecast source going stale/offline. */
  nextLifecycleInstant(): Date | null {
    const t = this.opts.now().getTime();
    let best = nextBoundaryAfter(this.state.envelopes, t);
    for (const h of this.state.forecast_health) {
      const candidates = [h.offline_at ? Date.parse(h.offline_at) : null, h.last_heartbeat_at ? Date.parse(h.last_heartbeat_at) + h.stale_after_seconds * 1000 + 1 : null];
      for (const c of candidates) if (c !== null && c > t && (best === null || c < best)) best = c;
    }
    return best === null ? null : new Date(best);
  }

  /**
   * Scheduled lifecycle evaluation (FR-032, D-023, NFR-011): transitions PENDING → ACTIVE → EXPIRED
   * at the window edges, records block-boundary evaluations, then re-projects feeder-circuit
   * capacity (ENVELOPE_LIFECYCLE) and returns the microgrids whose projection changed.
   */
  evaluateLifecycle(): { transitions: number; changed: EffectiveCircuitCapacity[] } {
    const t = this.opts.now().getTime();
    let transitions = 0;
    const touched = new Set<string>();
    for (const e of this.state.envelopes) {
      if (TERMINAL.has(e.status)) continue;
      const last = this.state.lifecycle_evaluated_at[e.microgrid_id];
      const lastT = last ? Date.parse(last) : -Infinity;
      const next = lifecycleStatusAt(e, t);
      const crossed = boundaries(e).some((b) => b > lastT && b <= t);
      if (next !== e.status || crossed) {
        e.status = next;
        transitions++;
        touched.add(e.microgrid_id);
        this.lifecycleRecord(e, next === "ACTIVE" && !crossed ? "ACTIVE" : next);
        this.emit("domain", "microgrid.operating_envelope_lifecycle_evaluated", e.microgrid_id, {
          envelope_id: e.envelope_id, microgrid_id: e.microgrid_id, origin_control_point_id: e.origin_control_point_id, node_id: e.node_id, status: e.status, evaluated_at: this.nowIso(),
        });
      }
    }
    const changed: EffectiveCircuitCapacity[] = [];
    for (const m of this.state.microgrids) {
      this.state.lifecycle_evaluated_at[m.microgrid_id] = this.nowIso();
      changed.push(...this.project(m.microgrid_id, "ENVELOPE_LIFECYCLE"));
    }
    return { transitions, changed };
  }

  /** After receipt or withdrawal: re-project the microgrid's managed circuits (ENVELOPE_CHANGE). */
  projectAfterEnvelopeChange(microgrid_id: string): EffectiveCircuitCapacity[] {
    return this.project(microgrid_id, "ENVELOPE_CHANGE");
  }

  /**
   * The legacy rebalance seam: each managed circuit whose effective capacity changed after an
   * envelope change or a lifecycle evaluation gets one cycle scoped to its grid connection.
   */
  rebalanceProjected(changed: readonly EffectiveCircuitCapacity[]): CycleResult[] {
    return changed.map((c) => this.rebalance({ microgrid_id: c.microgrid_id, node_id: c.node_id, actor: "compatibility", source: `COMPATIBILITY_PROJECTION:${c.projection_trigger}` }));
  }

  // ---------------------------------------------------------------- forecast source health

  reportForecastSource(microgrid_id: string, node_id: string, input: { last_heartbeat_at?: string | null; offline_at?: string | null; stale_after_seconds?: number }): ForecastSourceHealth {
    this.requireNode(microgrid_id, node_id);
    let h = this.state.forecast_health.find((x) => x.microgrid_id === microgrid_id && x.node_id === node_id);
    if (!h) {
      h = { microgrid_id, node_id, last_heartbeat_at: null, offline_at: null, stale_after_seconds: input.stale_after_seconds ?? 300 };
      this.state.forecast_health.push(h);
    }
    if (input.last_heartbeat_at !== undefined) h.last_heartbeat_at = input.last_heartbeat_at === null ? null : utc(input.last_heartbeat_at);
    if (input.offline_at !== undefined) h.offline_at = input.offline_at === null ? null : utc(input.offline_at);
    if (input.stale_after_seconds !== undefined) h.stale_after_seconds = input.stale_after_seconds;
    return { ...h };
  }

  // ---------------------------------------------------------------- compatibility

  private circuitsByNode(microgrid_id: string): Map<string, FeederCircuit> {
    const m = this.microgrid(microgrid_id);
    const depot = this.state.depots.find((d) => d.depot_id === m.depot_id);
    const out = new Map<string, FeederCircuit>();
    if (!depot) return out;
    const byCircuit = new Map(depot.feeder_circuits.map((c) => [c.circuit_id, c] as const));
    for (const n of this.state.nodes[microgrid_id] ?? []) {
      if (n.parent_node_id === null && n.node_type === "GRID_CONNECTION" && n.attached_asset_type === "CIRCUIT" && n.attached_asset_id !== null) {
        const c = byCircuit.get(n.attached_asset_id);
        if (c) out.set(n.node_id, c);
      }
    }
    return out;
  }

  constraintIndex(microgrid_id: string): ConstraintIndex {
    return new ConstraintIndex({
      limits: this.state.node_limits.filter((l) => l.microgrid_id === microgrid_id),
      envelopes: this.state.envelopes.filter((e) => e.microgrid_id === microgrid_id),
      health: this.state.forecast_health.filter((h) => h.microgrid_id === microgrid_id),
      circuitsByNode: this.circuitsByNode(microgrid_id),
    });
  }

  /** Every node in every microgrid whose attached CIRCUIT asset is circuit_id. */
  private aliasCandidates(circuit_id: string): Array<{ microgrid_id: string; node: MicrogridNode }> {
    const out: Array<{ microgrid_id: string; node: MicrogridNode }> = [];
    for (const [microgrid_id, nodes] of Object.entries(this.state.nodes)) {
      for (const node of nodes) if (node.attached_asset_type === "CIRCUIT" && node.attached_asset_id === circuit_id) out.push({ microgrid_id, node });
    }
    return out.sort((a, b) => (a.microgrid_id + a.node.node_id < b.microgrid_id + b.node.node_id ? -1 : 1));
  }

  /** circuit_id → exactly one microgrid_id + node_id, else 409 CIRCUIT_ALIAS_NOT_RESOLVABLE (audited). */
  resolveCircuitAlias(circuit_id: string, path: string): { microgrid_id: string; node_id: string } {
    const c = this.aliasCandidates(circuit_id);
    if (c.length !== 1) {
      this.emit("domain", "compatibility.circuit_alias_failed", null, { circuit_id, path, reason_code: "CIRCUIT_ALIAS_NOT_RESOLVABLE", candidates: c.map((x) => ({ microgrid_id: x.microgrid_id, node_id: x.node.node_id })) });
      throw conflict("CIRCUIT_ALIAS_NOT_RESOLVABLE", null, null, { circuit_id, path, candidates: c.length }, `circuit ${circuit_id} maps to ${c.length} microgrid nodes`);
    }
    const hit = c[0] as { microgrid_id: string; node: MicrogridNode };
    this.emit("domain", "compatibility.circuit_alias_applied", hit.microgrid_id, { circuit_id, microgrid_id: hit.microgrid_id, node_id: hit.node.node_id, path });
    return { microgrid_id: hit.microgrid_id, node_id: hit.node.node_id };
  }

  /** TOU scope translation: 0 → LIMIT_SCOPE_TRANSLATION_FAILED, many → LEGACY_POLICY_SCOPE_AMBIGUOUS, non-managed → LIMIT_SCOPE_TRANSLATION_FAILED. */
  private resolveTouScope(circuit_id: string, path: string): { microgrid_id: string; node_id: string } {
    const c = this.aliasCandidates(circuit_id);
    const audit = (reason_code: string) => this.emit("domain", "compatibility.circuit_alias_failed", null, { circuit_id, path, reason_code, candidates: c.map((x) => ({ microgrid_id: x.microgrid_id, node_id: x.node.node_id })) });
    if (c.length > 1) {
      audit("LEGACY_POLICY_SCOPE_AMBIGUOUS");
      throw invalid("LEGACY_POLICY_SCOPE_AMBIGUOUS", "TOU_SCOPE_MAPS_TO_ONE_NODE", { circuit_id, candidates: c.map((x) => ({ microgrid_id: x.microgrid_id, node_id: x.node.node_id })) });
    }
    const hit = c[0];
    if (!hit || !this.circuitsByNode(hit.microgrid_id).has(hit.node.node_id)) {
      audit("LIMIT_SCOPE_TRANSLATION_FAILED");
      throw invalid("LIMIT_SCOPE_TRANSLATION_FAILED", "TOU_SCOPE_IS_MANAGED_GRID_CONNECTION", { circuit_id, node_id: hit?.node.node_id ?? null });
    }
    this.emit("domain", "compatibility.circuit_alias_applied", hit.microgrid_id, { circuit_id, microgrid_id: hit.microgrid_id, node_id: hit.node.node_id, path });
    return { microgrid_id: hit.microgrid_id, node_id: hit.node.node_id };
  }

  /**
   * Recomputes the effective capacity of every managed circuit of the microgrid; stores and
   * announces the ones that changed. ENVELOPE_CHANGE/ENVELOPE_LIFECYCLE announce a change (the
   * caller then requests the legacy rebalance); REBALANCE_GUARD announces a reconciliation only.
   */
  private project(microgrid_id: string, trigger: ProjectionTrigger): EffectiveCircuitCapacity[] {
    const index = this.constraintIndex(microgrid_id);
    const t = this.opts.now().getTime();
    const changed: EffectiveCircuitCapacity[] = [];
    for (const [node_id, circuit] of [...index.circuitsByNode.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const r = index.circuitCapacity(node_id, t);
      if (!r) continue;
      const prev = this.state.circuit_capacity.find((c) => c.circuit_id === circuit.circuit_id);
      const hasForecast = this.state.envelopes.some((e) => e.node_id === node_id && e.microgrid_id === microgrid_id && (e.envelope_type === "FORECAST" || e.envelope_type === "FALLBACK")) || this.state.forecast_health.some((h) => h.node_id === node_id && h.microgrid_id === microgrid_id);
      const record: EffectiveCircuitCapacity = {
        circuit_id: circuit.circuit_id, microgrid_id, node_id, effective_capacity_watts: r.limit_watts, constraint_ref: r.constraint_ref,
        forecast_source_state: hasForecast ? index.sourceState(node_id, t) : null, projection_trigger: trigger, evaluated_at: this.nowIso(),
      };
      if (prev && prev.effective_capacity_watts === record.effective_capacity_watts && prev.constraint_ref === record.constraint_ref) continue;
      if (!prev && r.constraint_ref === `circuit_default:${circuit.circuit_id}`) {
        this.state.circuit_capacity.push(record); // first projection at the baseline: stored, nothing changed for the circuit
        continue;
      }
      if (prev) Object.assign(prev, record);
      else this.state.circuit_capacity.push(record);
      const type = trigger === "REBALANCE_GUARD" ? "compatibility.effective_circuit_capacity_reconciled" : "compatibility.effective_circuit_capacity_changed";
      this.emit("domain", type, microgrid_id, { microgrid_id, node_id, circuit_id: circuit.circuit_id, effective_capacity_watts: record.effective_capacity_watts, projection_trigger: trigger });
      changed.push(record);
    }
    return changed;
  }

  /** get_effective_circuit_capacity(circuit_id, occurred_at): synchronous reconciliation; never requests a rebalance. */
  getEffectiveCircuitCapacity(circuit_id: string): EffectiveCircuitCapacity {
    const c = this.aliasCandidates(circuit_id);
    const hit = c.length === 1 ? c[0] : undefined;
    if (!hit || !this.circuitsByNode(hit.microgrid_id).has(hit.node.node_id)) {
      throw conflict("CIRCUIT_ALIAS_NOT_RESOLVABLE", null, null, { circuit_id, candidates: c.length }, `circuit ${circuit_id} is not one managed feeder circuit`);
    }
    this.project(hit.microgrid_id, "REBALANCE_GUARD");
    return { ...(this.state.circuit_capacity.find((x) => x.circuit_id === circuit_id) as EffectiveCircuitCapacity) };
  }

  /** GET /api/circuit/{circuit_id}/tou_limits: the TOU_LIMIT envelopes of the mapped node. */
  touLimits(circuit_id: string): Record<string, unknown> {
    const scope = this.resolveTouScope(circuit_id, "GET /api/circuit/{circuit_id}/tou_limits");
    const envelopes = this.state.envelopes.filter((e) => e.microgrid_id === scope.microgrid_id && e.node_id === scope.node_id && e.envelope_type === "TOU_LIMIT" && !TERMINAL.has(e.status));
    return { circuit_id, ...scope, envelopes, blocks: envelopes.flatMap((e) => e.blocks) };
  }

  /**
   * POST /api/circuit/{circuit_id}/tou_limits: the schedule becomes one TOU_LIMIT CONSUMPTION_CAP
   * envelope on the mapped node; it replaces (withdraws) the circuit's earlier TOU envelopes.
   */
  setTouLimits(circuit_id: string, input: TouLimitsInput, by: string): { envelope: OperatingEnvelope; duplicate: boolean; microgrid_id: string; node_id: string } {
    // translated outside the atomic block: a failed translation stays audited
    const scope = this.resolveTouScope(circuit_id, "POST /api/circuit/{circuit_id}/tou_limits");
    return this.atomic(() => {
      if (input.blocks.length === 0) throw invalid("ENVELOPE_INVALID", "AT_LEAST_ONE_BLOCK", {});
      const from = input.effective_from ?? input.blocks.map((b) => b.block_from).sort()[0] as string;
      const to = input.effective_to ?? input.blocks.map((b) => b.block_to).sort().at(-1) as string;
      const source_ref = input.source_ref ?? `tou:${circuit_id}:${digest(JSON.stringify(input.blocks))}`;
      const result = this.submitEnvelope({ microgrid_id: scope.microgrid_id, node_id: scope.node_id, envelope_type: "TOU_LIMIT", constraint_type: "CONSUMPTION_CAP", effective_from: from, effective_to: to, source_ref, blocks: input.blocks });
      if (result.envelope.status === "REJECTED") {
        throw invalid("ENVELOPE_INVALID", result.envelope.rejection_reason ?? "ENVELOPE_VALID", { envelope_id: result.envelope.envelope_id, circuit_id });
      }
      if (!result.duplicate) {
        for (const e of this.state.envelopes) {
          if (e.envelope_id !== result.envelope.envelope_id && e.microgrid_id === scope.microgrid_id && e.node_id === scope.node_id && e.envelope_type === "TOU_LIMIT" && !TERMINAL.has(e.status)) {
            this.withdrawEnvelope(e.envelope_id, by);
          }
        }
      }
      return { ...result, ...scope };
    });
  }

  /**
   * POST /api/depot/{depot_id}/microgrid/resync: the body is the depot's authoritative top-level
   * feeder circuits; each gets a first-level GRID_CONNECTION node (kept if present), managed nodes
   * of circuits that are gone are removed when nothing hangs below them.
   */
  resync(depot_id: string, feeder_circuits: FeederCircuit[], by: string): { microgrid: Microgrid; added: string[]; removed: string[] } {
    return this.atomic(() => {
      const m = this.microgridOfDepot(depot_id);
      const ids = new Set<string>();
      for (const c of feeder_circuits) {
        if (ids.has(c.circuit_id)) throw invalid("RESYNC_INVALID", "FEEDER_CIRCUIT_UNIQUE", { circuit_id: c.circuit_id });
        ids.add(c.circuit_id);
        if (c.fail_safe_capacity_watts > c.default_capacity_watts) throw invalid("RESYNC_INVALID", "FAIL_SAFE_NOT_ABOVE_DEFAULT", { circuit_id: c.circuit_id });
      }
      const prevDepot = this.state.depots.find((d) => d.depot_id === depot_id);
      const prevIds = new Set(prevDepot?.feeder_circuits.map((c) => c.circuit_id) ?? []);
      const nodes = this.state.nodes[m.microgrid_id] ?? [];
      const byCircuit = new Map(nodes.filter((n) => n.parent_node_id === null && n.attached_asset_type === "CIRCUIT").map((n) => [n.attached_asset_id as string, n] as const));
      const added: string[] = [];
      const removed: string[] = [];
      const upsert: MicrogridNode[] = [];
      let order = nodes.filter((n) => n.parent_node_id === null).reduce((a, n) => Math.max(a, n.display_order), 0);
      for (const c of feeder_circuits) {
        if (byCircuit.has(c.circuit_id)) continue;
        const node_id = `gc-${c.circuit_id}`;
        upsert.push({ node_id, microgrid_id: m.microgrid_id, parent_node_id: null, name: c.name, node_type: "GRID_CONNECTION", attached_asset_type: "CIRCUIT", attached_asset_id: c.circuit_id, status: "ACTIVE", display_order: ++order });
        added.push(node_id);
      }
      for (const [circuit_id, node] of byCircuit) {
        if (ids.has(circuit_id) || !prevIds.has(circuit_id)) continue;
        if (nodes.some((n) => n.parent_node_id === node.node_id)) throw invalid("RESYNC_INVALID", "REMOVED_FEEDER_HAS_NO_CHILDREN", { circuit_id, node_id: node.node_id });
        removed.push(node.node_id);
      }
      if (prevDepot) prevDepot.feeder_circuits = feeder_circuits;
      else this.state.depots.push({ depot_id, microgrid_id: m.microgrid_id, feeder_circuits });
      let microgrid = { ...m };
      if (added.length > 0 || removed.length > 0) microgrid = this.writeTopology(m.microgrid_id, { version: m.version, patch: { upsert, remove: removed }, updated_by: by });
      return { microgrid, added, removed };
    });
  }

  // ---------------------------------------------------------------- balancing

  private freshnessThreshold(microgrid_id: string): number {
    const cp = this.state.control_points.find((c) => c.microgrid_id === microgrid_id && c.capability_type === "LOAD_BALANCING" && c.state === "enabled" && c.node_id === null);
    const v = cp?.local_config?.["freshness_threshold_seconds"];
    return typeof v === "number" && v > 0 ? v : this.opts.freshness_threshold_seconds;
  }

  /**
   * Start-up (await_first_telemetry): the measured leaves without a fresh reading, while the first
   * scheduled cycle of the microgrid has not run and the freshness window since start is not over;
   * null when the cycle may run. A cycle before the site's first readings would only be REJECTED
   * (TELEMETRY_INSUFFICIENT) or run on fallbacks; after the window, fallback rules apply as always.
   */
  awaitingFirstTelemetry(microgrid_id: string): { missing: string[]; until: string } | null {
    if (!this.opts.await_first_telemetry || this.warmedUp.has(microgrid_id)) return null;
    const threshold = this.freshnessThreshold(microgrid_id);
    const now = this.opts.now().getTime();
    const untilMs = this.openedAtMs + threshold * 1000;
    if (now >= untilMs) return null;
    const nodes = this.nodes(microgrid_id);
    const parents = new Set(nodes.map((n) => n.parent_node_id));
    const inactive = new Set<string>();
    for (const n of indexTree(nodes).preorder) if (n.status !== "ACTIVE" || (n.parent_node_id !== null && inactive.has(n.parent_node_id))) inactive.add(n.node_id);
    const readings = this.telemetry.get(microgrid_id);
    const missing: string[] = [];
    for (const n of nodes) {
      // leaves the cycle measures; a childless GRID_CONNECTION or VIRTUAL node is 0 without a meter
      if (parents.has(n.node_id) || inactive.has(n.node_id) || n.node_type === "GRID_CONNECTION" || n.node_type === "VIRTUAL") continue;
      const r = readings?.get(n.node_id);
      const age = r ? now - Date.parse(r.observed_at) : Infinity;
      if (!(age >= 0 && age <= threshold * 1000)) missing.push(n.node_id);
    }
    return missing.length === 0 ? null : { missing: missing.sort(), until: new Date(untilMs).toISOString() };
  }

  /**
   * One balancing cycle (request → reconcile circuits → demand → constraints → allocation → audit).
   * A repeated correlation_id returns the recorded cycle (idempotent request correlation).
   */
  rebalance(cmd: RebalanceCommand): CycleResult {
    const m = this.microgrid(cmd.microgrid_id);
    if (cmd.correlation_id) {
      const seen = (this.cycles.get(m.microgrid_id) ?? []).find((c) => c.audit.correlation_id === cmd.correlation_id && c.node_id === (cmd.node_id ?? null));
      if (seen) return seen;
    }
    const correlation_id = cmd.correlation_id ?? this.opts.newId("correlation");
    this.emit("domain", "microgrid.rebalance_requested", m.microgrid_id, { microgrid_id: m.microgrid_id, node_id: cmd.node_id ?? null, source: cmd.source, correlation_id });
    this.project(m.microgrid_id, "REBALANCE_GUARD");
    const limits = this.state.node_limits.filter((l) => l.microgrid_id === m.microgrid_id && l.status === "ACTIVE");
    const envelopes = this.state.envelopes.filter((e) => e.microgrid_id === m.microgrid_id && !TERMINAL.has(e.status));
    const cycle = runBalancingCycle({
      microgrid: { ...m },
      nodes: this.state.nodes[m.microgrid_id] ?? [],
      constraints: this.constraintIndex(m.microgrid_id),
      telemetry: this.telemetry.get(m.microgrid_id) ?? new Map(),
      now: this.nowIso(),
      freshness_threshold_seconds: this.freshnessThreshold(m.microgrid_id),
      scope_node_id: cmd.node_id ?? null,
      expected_topology_version: cmd.expected_topology_version ?? null,
      actor: cmd.actor,
      source: cmd.source,
      correlation_id,
      circuit_alias: cmd.circuit_alias ?? null,
      policy_digests: { limits_digest: digest(JSON.stringify(limits)), envelopes_digest: digest(JSON.stringify(envelopes.map((e) => [e.envelope_id, e.status]))) },
    });
    const fallback = cycle.audit.demand.length > 0;
    this.emit("domain", "microgrid.demand_resolved", m.microgrid_id, {
      microgrid_id: m.microgrid_id, source_mode: fallback ? "FALLBACK_DERIVED" : "MEASURED", inputs_used: cycle.audit.demand.map((d) => ({ node_id: d.node_id, inputs_used: d.inputs_used })),
    });
    for (const b of cycle.breaches) {
      this.emit("domain", "microgrid.constraint_breach_detected", m.microgrid_id, { microgrid_id: m.microgrid_id, node_id: b.node_id, reason_code: b.reason_code, resolved_limit_watts: b.resolved_limit_watts, breach_id: b.breach_id, constraint_ref: b.constraint_ref });
    }
    this.emit("cycles", "CycleResult", m.microgrid_id, cycle as unknown as Record<string, unknown>);
    this.emit("domain", "microgrid.cycle_completed", m.microgrid_id, { cycle_id: cycle.cycle_id, microgrid_id: m.microgrid_id, outcome: cycle.outcome, reason_codes: cycle.reason_codes, allocation_summary: cycle.allocation_summary });
    this.keepCycle(cycle);
    return cycle;
  }

  /** POST /api/circuit/{circuit_id}/rebalance_load and load_balancer.rebalance_requested(circuit_id): exactly one scoped cycle (FR-015). */
  rebalanceCircuit(circuit_id: string, cmd: Omit<RebalanceCommand, "microgrid_id" | "node_id" | "circuit_alias">, path: string): CycleResult {
    const scope = this.resolveCircuitAlias(circuit_id, path);
    return this.rebalance({ ...cmd, microgrid_id: scope.microgrid_id, node_id: scope.node_id, circuit_alias: { circuit_id, path } });
  }

  /** ScheduledEventRebalancePeriodic{circuit_id|microgrid_id}: resolves at dispatch; an unresolvable alias skips with an auditable error. */
  scheduledRebalance(job: { circuit_id?: string; microgrid_id?: string }): CycleResult | null {
    const path = "ScheduledEventRebalancePeriodic";
    if (job.microgrid_id) {
      const waiting = this.awaitingFirstTelemetry(job.microgrid_id);
      if (waiting) {
        this.emit("domain", "scheduler.rebalance_deferred", job.microgrid_id, { microgrid_id: job.microgrid_id, reason_code: "AWAITING_FIRST_TELEMETRY", missing_inputs: waiting.missing, deferred_until: waiting.until, path });
        return null;
      }
      this.warmedUp.add(job.microgrid_id);
      return this.rebalance({ microgrid_id: job.microgrid_id, actor: "scheduler", source: path });
    }
    try {
      return this.rebalanceCircuit(job.circuit_id as string, { actor: "scheduler", source: path }, path);
    } catch (e) {
      this.emit("domain", "scheduler.rebalance_skipped", null, { circuit_id: job.circuit_id ?? null, reason_code: (e as CodedError).code ?? "CIRCUIT_ALIAS_NOT_RESOLVABLE", path });
      return null;
    }
  }
}

/** Maps a REJECTED cycle to its status-table error (409/422/503); null when the cycle is a 200. */
export function cycleError(cycle: CycleResult, expected_version: number | null = null): CodedError | null {
  if (cycle.outcome !== "REJECTED") return null;
  if (cycle.reason_codes.includes("TOPOLOGY_INVALID")) {
    return invalid("TOPOLOGY_INVALID", "SINGLE_ROOTED_TREE_IN_SCOPE", { cycle_id: cycle.cycle_id, node_id: cycle.node_id });
  }
  if (cycle.reason_codes.includes("TOPOLOGY_VERSION_CONFLICT")) {
    return conflict("TOPOLOGY_VERSION_CONFLICT", expected_version, cycle.topology_version, { cycle_id: cycle.cycle_id });
  }
  if (cycle.reason_codes.includes("TELEMETRY_INSUFFICIENT")) {
    return fail("TELEMETRY_INSUFFICIENT", undefined, { reason_code: "TELEMETRY_INSUFFICIENT", missing_inputs: cycle.audit.missing_inputs, safe_action_taken: cycle.audit.safe_action_taken, cycle_id: cycle.cycle_id });
  }
  return null;
}
