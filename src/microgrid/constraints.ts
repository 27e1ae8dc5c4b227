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

/** Everything that constrains one node, gathered once per evaluation. */
export interface NodeConstraintSet {
  /** Baseline limits already resolved, by constraint type (the fast path when nothing else applies). */
  baseline: Partial<Record<ConstraintType, ResolvedConstraint>>;
  envelopes: OperatingEnvelope[] | null;
  health: ForecastSourceHealth | undefined;
  circuit: FeederCircuit | undefined;
  /** Constraint types with at least one input on this node, in CONSUMPTION, NET, GENERATION order. */
  types: ConstraintType[];
}

const TYPE_ORDER: readonly ConstraintType[] = ["CONSUMPTION_CAP", "NET_CAP", "GENERATION_CAP"];

/** Per-node lookups built once per evaluation so a cycle stays linear in the tree size. */
export class ConstraintIndex {
  private readonly byNode = new Map<string, NodeConstraintSet>();
  readonly circuitsByNode: ReadonlyMap<string, FeederCircuit>;

  constructor(inputs: ConstraintInputs) {
    const set = (nodeId: string): NodeConstraintSet => {
      let s = this.byNode.get(nodeId);
      if (!s) this.byNode.set(nodeId, (s = { baseline: {}, envelopes: null, health: undefined, circuit: undefined, types: [] }));
      return s;
    };
    for (const l of inputs.limits) {
      if (l.status === "ACTIVE") set(l.node_id).baseline[l.constraint_type] = { limit_watts: l.limit_watts, constraint_ref: l.node_limit_id };
    }
    for (const e of inputs.envelopes) {
      if (e.status === "WITHDRAWN" || e.status === "REJECTED") continue;
      const s = set(e.node_id);
      (s.envelopes ??= []).push(e);
    }
    for (const h of inputs.health) set(h.node_id).health = h;
    for (const [nodeId, c] of inputs.circuitsByNode) set(nodeId).circuit = c;
    for (const s of this.byNode.values()) {
      s.types = TYPE_ORDER.filter((t) => s.baseline[t] !== undefined || (t === "CONSUMPTION_CAP" && s.circuit !== undefined) || (s.envelopes?.some((e) => e.constraint_type === t) ?? false));
    }
    this.circuitsByNode = inputs.circuitsByNode;
  }

  entries(): IterableIterator<[string, NodeConstraintSet]> {
    return this.byNode.entries();
  }

  forNode(nodeId: string): NodeConstraintSet | undefined {
    return this.byNode.get(nodeId);
  }

  /** Nodes that carry at least one constraint of any type (limits, envelopes or a circuit mapping). */
  constrainedNodeIds(): Set<string> {
    return new Set(this.byNode.keys());
  }

  sourceState(nodeId: string, t: number): ForecastSourceState {
    return forecastSourceState(this.byNode.get(nodeId)?.health, t);
  }

  /**
   * The forecast-side limit (FR-030/031): healthy source → active FORECAST block, else gap policy;
   * stale/offline source → active FALLBACK block, else the circuit fail-safe capacity.
   * `valueOf` chooses the balancing bound or the circuit-facing projection value of a block.
   */
  private forecastSide(s: NodeConstraintSet, type: ConstraintType, t: number, valueOf: (b: NonNullable<ReturnType<typeof activeBlockAt>>) => number | null): Candidate | null {
    const list = (s.envelopes ?? []).filter((e) => e.constraint_type === type);
    const circuit = type === "CONSUMPTION_CAP" ? s.circuit : undefined;
    const hasForecasts = list.some((e) => e.envelope_type === "FORECAST" || e.envelope_type === "FALLBACK");
    if (!hasForecasts && !s.health) return null;
    const state = forecastSourceState(s.health, t);
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

  private nonForecast(s: NodeConstraintSet, type: ConstraintType, t: number, valueOf: (b: NonNullable<ReturnType<typeof activeBlockAt>>) => number | null): Candidate[] {
    const out: Candidate[] = [];
    for (const e of s.envelopes ?? []) {
      if (e.constraint_type !== type || e.envelope_type === "FORECAST" || e.envelope_type === "FALLBACK") continue;
      const block = activeBlockAt(e, t);
      const value = block ? valueOf(block) : null;
      if (value !== null) out.push({ limit_watts: value, constraint_ref: e.envelope_id, rank: 1 });
    }
    return out;
  }

  /** Most restrictive active value for balancing: baseline NodeLimit, envelopes, forecast side. */
  effective(nodeId: string, type: ConstraintType, t: number): ResolvedConstraint | null {
    const s = this.byNode.get(nodeId);
    return s ? this.effectiveFor(s, type, t) : null;
  }

  effectiveFor(s: NodeConstraintSet, type: ConstraintType, t: number): ResolvedConstraint | null {
    const baseline = s.baseline[type];
    if (s.envelopes === null && s.health === undefined && s.circuit === undefined) return baseline ?? null;
    const candidates: Candidate[] = [];
    if (baseline) candidates.push({ ...baseline, rank: 0 });
    const forecast = this.forecastSide(s, type, t, blockLimit);
    if (forecast) candidates.push(forecast);
    const circuit = type === "CONSUMPTION_CAP" ? s.circuit : undefined;
    if (circuit && !forecast) candidates.push({ limit_watts: circuit.default_capacity_watts, constraint_ref: `circuit_default:${circuit.circuit_id}`, rank: 2 });
    candidates.push(...this.nonForecast(s, type, t, blockLimit));
    return pick(candidates);
  }

  /**
   * Effective feeder-circuit capacity of a managed GRID_CONNECTION node (D-021): recomputed from the
   * active forecast state and circuit policy, tightened by active OVERRIDE/TOU_LIMIT envelopes; the
   * circuit default capacity is the non-envelope baseline it restores to.
   */
  circuitCapacity(nodeId: string, t: number): ResolvedConstraint | null {
    const s = this.byNode.get(nodeId);
    const circuit = s?.circuit;
    if (!s || !circuit) return null;
    const candidates: Candidate[] = [];
    const forecast = this.forecastSide(s, "CONSUMPTION_CAP", t, blockProjectionValue);
    candidates.push(forecast ?? { limit_watts: circuit.default_capacity_watts, constraint_ref: `circuit_default:${circuit.circuit_id}`, rank: 2 });
    candidates.push(...this.nonForecast(s, "CONSUMPTION_CAP", t, blockProjectionValue));
    return pick(candidates);
  }
}
