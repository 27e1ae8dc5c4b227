/**
 * The microgrid view's model: the node tree with, on each node, what the operator needs to read
 * it (baseline limits, live envelopes with their blocks, the effective circuit capacity where a
 * feeder circuit is mapped, measured vs fallback demand with its freshness), the last cycles and
 * the capability control points. Pure: the caller passes the service's reads and the instant.
 */
import type {
  CapabilityControlPoint,
  CapabilityStatusProjection,
  CycleResult,
  DemandResolution,
  EffectiveCircuitCapacity,
  Microgrid,
  MicrogridNode,
  NodeLimit,
  OperatingEnvelope,
  SourceMode,
  TelemetryReading,
} from "../../microgrid/types.ts";

/** The engine's default when no cycle has told us the threshold in force. */
export const DEFAULT_FRESHNESS_THRESHOLD_SECONDS = 60;

export interface MicrogridReads {
  microgrid: Microgrid;
  nodes: readonly MicrogridNode[];
  limits: readonly NodeLimit[];
  /** Every envelope of the microgrid; PENDING and ACTIVE are shown on the nodes. */
  envelopes: readonly OperatingEnvelope[];
  capacities: readonly EffectiveCircuitCapacity[];
  telemetry: readonly TelemetryReading[];
  /** Newest first. */
  cycles: readonly CycleResult[];
  controlPoints: ReadonlyArray<CapabilityControlPoint & { latest_status?: CapabilityStatusProjection | null }>;
}

export interface NodeDemand {
  /** The latest cycle's fallback resolution of this node (the cycle audit lists only nodes it could not measure). */
  fallback: (Pick<DemandResolution, "effective_demand_watts" | "source_mode" | "measured_demand_watts" | "fallback_demand_watts" | "observed_at" | "age_seconds" | "freshness_threshold_seconds" | "inputs_used"> & { cycle_id: string; at: string }) | null;
  /** The newest live reading and its age now. */
  reading: { measured_demand_watts: number; observed_at: string; age_seconds: number; fresh: boolean } | null;
  /**
   * FALLBACK_DERIVED when the latest cycle fell back for this node or its reading is not fresh now,
   * else MEASURED; null for an interior node without a meter of its own (its demand is its children's).
   */
  source_mode: SourceMode | null;
  freshness_threshold_seconds: number;
}

export interface NodeView extends MicrogridNode {
  depth: number;
  limits: NodeLimit[];
  envelopes: OperatingEnvelope[];
  effective_capacity: EffectiveCircuitCapacity | null;
  demand: NodeDemand;
  allocation: { requested_watts: number; allocated_watts: number; source_mode: SourceMode } | null;
  children: NodeView[];
}

export interface MicrogridOverview {
  microgrid: Microgrid;
  now: string;
  freshness_threshold_seconds: number;
  roots: NodeView[];
  node_count: number;
  /** Live envelopes (PENDING, ACTIVE) for the timeline's axis. */
  window: { from: string; to: string } | null;
  cycles: CycleResult[];
  control_points: MicrogridReads["controlPoints"][number][];
}

const byOrder = (a: MicrogridNode, b: MicrogridNode) => a.display_order - b.display_order || (a.node_id < b.node_id ? -1 : a.node_id > b.node_id ? 1 : 0);

export function buildMicrogridOverview(reads: MicrogridReads, now: Date): MicrogridOverview {
  const latest = reads.cycles[0];
  const threshold = latest?.audit.freshness_threshold_seconds ?? DEFAULT_FRESHNESS_THRESHOLD_SECONDS;
  const live = reads.envelopes.filter((e) => e.status === "PENDING" || e.status === "ACTIVE");
  const group = <T, K>(items: readonly T[], key: (t: T) => K) => {
    const m = new Map<K, T[]>();
    for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
    return m;
  };
  const limits = group(reads.limits.filter((l) => l.status === "ACTIVE"), (l) => l.node_id);
  const envelopes = group(live, (e) => e.node_id);
  const capacity = new Map(reads.capacities.map((c) => [c.node_id, c] as const));
  const readings = new Map(reads.telemetry.map((r) => [r.node_id, r] as const));
  const resolved = new Map((latest?.audit.demand ?? []).map((d) => [d.node_id, d] as const));
  const allocations = new Map((latest?.allocation_summary.by_node ?? []).map((a) => [a.node_id, a] as const));
  const children = group(reads.nodes, (n) => n.parent_node_id);

  const demandOf = (node_id: string, interior: boolean): NodeDemand => {
    const r = readings.get(node_id);
    const age = r ? Math.max(0, Math.round((now.getTime() - Date.parse(r.observed_at)) / 1000)) : null;
    const reading = r && age !== null ? { measured_demand_watts: r.measured_demand_watts, observed_at: r.observed_at, age_seconds: age, fresh: age <= threshold } : null;
    const d = resolved.get(node_id);
    return {
      fallback: d && latest
        ? {
            cycle_id: latest.cycle_id,
            at: latest.ended_at,
            effective_demand_watts: d.effective_demand_watts,
            source_mode: d.source_mode,
            measured_demand_watts: d.measured_demand_watts,
            fallback_demand_watts: d.fallback_demand_watts,
            observed_at: d.observed_at,
            age_seconds: d.age_seconds,
            freshness_threshold_seconds: d.freshness_threshold_seconds,
            inputs_used: d.inputs_used,
          }
        : null,
      reading,
      source_mode: d ? "FALLBACK_DERIVED" : reading?.fresh ? "MEASURED" : interior && !reading ? null : "FALLBACK_DERIVED",
      freshness_threshold_seconds: threshold,
    };
  };

  // Iterative walk so a deep tree cannot overflow the stack; a node seen twice (a cycle in bad data) is skipped.
  const seen = new Set<string>();
  const build = (parent: string | null, depth: number): NodeView[] => {
    const out: NodeView[] = [];
    for (const n of [...(children.get(parent) ?? [])].sort(byOrder)) {
      if (seen.has(n.node_id)) continue;
      seen.add(n.node_id);
      const a = allocations.get(n.node_id);
      out.push({
        ...n,
        depth,
        limits: limits.get(n.node_id) ?? [],
        envelopes: [...(envelopes.get(n.node_id) ?? [])].sort((x, y) => Date.parse(x.effective_from) - Date.parse(y.effective_from)),
        effective_capacity: capacity.get(n.node_id) ?? null,
        demand: demandOf(n.node_id, children.has(n.node_id)),
        allocation: a ? { requested_watts: a.requested_watts, allocated_watts: a.allocated_watts, source_mode: a.source_mode } : null,
        children: [],
      });
    }
    return out;
  };
  const roots = build(null, 0);
  const stack = [...roots];
  while (stack.length > 0) {
    const v = stack.pop()!;
    v.children = build(v.node_id, v.depth + 1);
    stack.push(...v.children);
  }

  const from = live.length ? Math.min(...live.map((e) => Date.parse(e.effective_from))) : null;
  const to = live.length ? Math.max(...live.map((e) => Date.parse(e.effective_to))) : null;
  return {
    microgrid: reads.microgrid,
    now: now.toISOString(),
    freshness_threshold_seconds: threshold,
    roots,
    node_count: seen.size,
    window: from !== null && to !== null ? { from: new Date(Math.min(from, now.getTime())).toISOString(), to: new Date(Math.max(to, now.getTime())).toISOString() } : null,
    cycles: [...reads.cycles],
    control_points: [...reads.controlPoints],
  };
}
