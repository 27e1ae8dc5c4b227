import { activeBlockAt, blockLimit, blockProjectionValue } from "./envelopes.ts";
import type {
  ConstraintType,
  FeederCircuit,
  ForecastSourceHealth,
  ForecastSourceState,
  NodeLimit,
  OperatingEnvelope,
} from "./types.ts";

/** Everything a constraint decision reads, for one microgrid, at one instant. */
export interface ConstraintInputs {
  limits: readonly NodeLimit[];
  envelopes: readonly OperatingEnvelope[];
  health: readonly ForecastSourceHealth[];
  /** node_id → feeder circuit, only for managed first-level GRID_CONNECTION nodes. */
  circuitsByNode: ReadonlyMap<string, FeederCircuit>;
}

export interface ResolvedConstraint {
  limit_watts: number;
  /** node_limit_id, envelope_id, `circuit_default:<circuit_id>` or `circuit_fail_safe:<circuit_id>`. */
  constraint_ref: string;
}

export function forecastSourceState(h: ForecastSourceHealth | undefined, t: number): ForecastSourceState {
  if (!h) return "HEALTHY";
  if (h.offline_at !== null && t >= Date.parse(h.offline_at)) return "OFFLINE";
  if (h.last_heartbeat_at === null) return "STALE";
  return t - Date.parse(h.last_heartbeat_at) > h.stale_after_seconds * 1000 ? "STALE" : "HEALTHY";
}

type Candidate = ResolvedConstraint & { rank: number };

function pick(candidates: Candidate[]): ResolvedConstraint | null {
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.limit_watts - b.limit_watts || a.rank - b.rank || (a.constraint_ref < b.constraint_ref ? -1 : a.constraint_ref > b.constraint_ref ? 1 : 0));
  const best = candidates[0] as Candidate;
  return { limit_watts: best.limit_watts, constraint_ref: best.constraint_ref };
}

/** Per-node lookups built once per evaluation so a cycle stays linear in the tree size. */
export class ConstraintIndex {
  private readonly limits = new Map<string, NodeLimit>();
  private readonly envelopes = new Map<string, OperatingEnvelope[]>();
  private readonly health = new Map<string, ForecastSourceHealth>();
  readonly circuitsByNode: ReadonlyMap<string, FeederCircuit>;

  constructor(inputs: ConstraintInputs) {
    for (const l of inputs.limits) if (l.status === "ACTIVE") this.limits.set(`${l.node_id}|${l.constraint_type}`, l);
    for (const e of inputs.envelopes) {
      if (e.status === "WITHDRAWN" || e.status === "REJECTED") continue;
      const key = `${e.node_id}|${e.constraint_type}`;
      const list = this.envelopes.get(key);
      if (list) list.push(e);
      else this.envelopes.set(key, [e]);
    }
    for (const h of inputs.health) this.health.set(h.node_id, h);
    this.circuitsByNode = inputs.circuitsByNode;
  }

  /** Nodes that carry at least one constraint of any type (limits, envelopes or a circuit mapping). */
  constrainedNodeIds(): Set<string> {
    const out = new Set<string>();
    for (const l of this.limits.values()) out.add(l.node_id);
    for (const list of this.envelopes.values()) for (const e of list) out.add(e.node_id);
    for (const id of this.circuitsByNode.keys()) out.add(id);
    return out;
  }

  sourceState(nodeId: string, t: number): ForecastSourceState {
    return forecastSourceState(this.health.get(nodeId), t);
  }

  /**
   * The forecast-side limit (FR-030/031): healthy source → active FORECAST block, else gap policy;
   * stale/offline source → active FALLBACK block, else the circuit fail-safe capacity.
   * `valueOf` chooses the balancing bound or the circuit-facing projection value of a block.
   */
  private forecastSide(nodeId: string, type: ConstraintType, t: number, valueOf: (b: NonNullable<ReturnType<typeof activeBlockAt>>) => number | null): Candidate | null {
    const list = this.envelopes.get(`${nodeId}|${type}`) ?? [];
    const circuit = type === "CONSUMPTION_CAP" ? this.circuitsByNode.get(nodeId) : undefined;
    const hasForecasts = list.some((e) => e.envelope_type === "FORECAST" || e.envelope_type === "FALLBACK");
    if (!hasForecasts && !this.health.has(nodeId)) return null;
    const state = this.sourceState(nodeId, t);
    const wanted = state === "HEALTHY" ? "FORECAST" : "FALLBACK";
    const active: Candidate[] = [];
    for (const e of list) {
      if (e.envelope_type !== wanted) continue;
      const block = activeBlockAt(e, t);
      const value = block ? valueOf(block) : null;
      if (value !== null) active.push({ limit_watts: value, constraint_ref: e.envelope_id, rank: 1 });
    }
    const chosen = pick(active);
    if (chosen) return { ...chosen, rank: 1 };
    if (!circuit) return null;
    const useFailSafe = state !== "HEALTHY" || circuit.gap_policy === "FAIL_SAFE";
    return useFailSafe
      ? { limit_watts: circuit.fail_safe_capacity_watts, constraint_ref: `circuit_fail_safe:${circuit.circuit_id}`, rank: 2 }
      : { limit_watts: circuit.default_capacity_watts, constraint_ref: `circuit_default:${circuit.circuit_id}`, rank: 2 };
  }

  private nonForecast(nodeId: string, type: ConstraintType, t: number, valueOf: (b: NonNullable<ReturnType<typeof activeBlockAt>>) => number | null): Candidate[] {
    const out: Candidate[] = [];
    for (const e of this.envelopes.get(`${nodeId}|${type}`) ?? []) {
      if (e.envelope_type === "FORECAST" || e.envelope_type === "FALLBACK") continue;
      const block = activeBlockAt(e, t);
      const value = block ? valueOf(block) : null;
      if (value !== null) out.push({ limit_watts: value, constraint_ref: e.envelope_id, rank: 1 });
    }
    return out;
  }

  /** Most restrictive active value for balancing: baseline NodeLimit, envelopes, forecast side. */
  effective(nodeId: string, type: ConstraintType, t: number): ResolvedConstraint | null {
    const candidates: Candidate[] = [];
    const baseline = this.limits.get(`${nodeId}|${type}`);
    if (baseline) candidates.push({ limit_watts: baseline.limit_watts, constraint_ref: baseline.node_limit_id, rank: 0 });
    const forecast = this.forecastSide(nodeId, type, t, blockLimit);
    if (forecast) candidates.push(forecast);
    const circuit = type === "CONSUMPTION_CAP" ? this.circuitsByNode.get(nodeId) : undefined;
    if (circuit && !forecast) candidates.push({ limit_watts: circuit.default_capacity_watts, constraint_ref: `circuit_default:${circuit.circuit_id}`, rank: 2 });
    candidates.push(...this.nonForecast(nodeId, type, t, blockLimit));
    return pick(candidates);
  }

  /**
   * Effective feeder-circuit capacity of a managed GRID_CONNECTION node (D-021): recomputed from the
   * active forecast state and circuit policy, tightened by active OVERRIDE/TOU_LIMIT envelopes; the
   * circuit default capacity is the non-envelope baseline it restores to.
   */
  circuitCapacity(nodeId: string, t: number): ResolvedConstraint | null {
    const circuit = this.circuitsByNode.get(nodeId);
    if (!circuit) return null;
    const candidates: Candidate[] = [];
    const forecast = this.forecastSide(nodeId, "CONSUMPTION_CAP", t, blockProjectionValue);
    candidates.push(forecast ?? { limit_watts: circuit.default_capacity_watts, constraint_ref: `circuit_default:${circuit.circuit_id}`, rank: 2 });
    candidates.push(...this.nonForecast(nodeId, "CONSUMPTION_CAP", t, blockProjectionValue));
    return pick(candidates);
  }
}
