import { ConstraintIndex } from "./constraints.ts";
import { invalid } from "./errors.ts";
import { ancestorIds, indexTree, subtreeIds } from "./topology.ts";
import type { MicrogridNode } from "./types.ts";

/**
 * The operational collection view (FR-018): resource sets such as every BESS and charge point in a
 * subtree, without the caller walking the tree. A BESS is a POWER_SOURCE node; callers tell BESS
 * from PV by attached_asset_id or name through `match`.
 */
export interface CollectionQuery {
  root_node_id?: string | null;
  node_types?: readonly MicrogridNode["node_type"][];
  match?: (node: MicrogridNode) => boolean;
}

export function collect(nodes: readonly MicrogridNode[], q: CollectionQuery): MicrogridNode[] {
  const index = indexTree(nodes);
  const ids = q.root_node_id ? (index.byId.has(q.root_node_id) ? subtreeIds(index, q.root_node_id) : []) : index.preorder.map((n) => n.node_id);
  const types = q.node_types ? new Set(q.node_types) : null;
  const out: MicrogridNode[] = [];
  for (const id of ids) {
    const n = index.byId.get(id) as MicrogridNode;
    if (types && !types.has(n.node_type)) continue;
    if (q.match && !q.match(n)) continue;
    out.push(n);
  }
  return out;
}

/** One advisory ENERGY_OPTIMISATION set-point: the power a node would draw (negative = feed in). */
export interface AdvisorySetpoint {
  node_id: string;
  target_watts: number;
}

/**
 * FR-019: optimisation outputs are advice; before any apply they are checked against every node
 * limit and envelope of the node and its ancestors (subtree sums, with the rest of the tree at
 * `baseline_watts`). Throws 422 OPTIMISATION_OUTPUT_INVALID naming the first violated node.
 */
export function validateAdvisoryOutputs(
  nodes: readonly MicrogridNode[],
  constraints: ConstraintIndex,
  at: string,
  setpoints: readonly AdvisorySetpoint[],
  baseline_watts: ReadonlyMap<string, number> = new Map(),
): void {
  const index = indexTree(nodes);
  const t = Date.parse(at);
  const draw = new Map<string, number>(baseline_watts);
  for (const s of setpoints) {
    if (!index.byId.has(s.node_id)) throw invalid("OPTIMISATION_OUTPUT_INVALID", "TARGET_NODE_EXISTS", { node_id: s.node_id });
    draw.set(s.node_id, s.target_watts);
  }
  const totals = new Map<string, { consumption: number; generation: number }>();
  for (let k = index.preorder.length - 1; k >= 0; k--) {
    const node = index.preorder[k] as MicrogridNode;
    const own = draw.get(node.node_id) ?? 0;
    const kids = index.children.get(node.node_id) ?? [];
    const sum = { consumption: Math.max(0, own), generation: Math.max(0, -own) };
    if (kids.length > 0) {
      sum.consumption = 0;
      sum.generation = 0;
      for (const c of kids) {
        const ct = totals.get(c.node_id) as { consumption: number; generation: number };
        sum.consumption += ct.consumption;
        sum.generation += ct.generation;
      }
    }
    totals.set(node.node_id, sum);
  }
  const touched = new Set<string>();
  for (const s of setpoints) for (const id of [s.node_id, ...ancestorIds(index, s.node_id)]) touched.add(id);
  for (const node of index.preorder) {
    if (!touched.has(node.node_id)) continue;
    const { consumption, generation } = totals.get(node.node_id) as { consumption: number; generation: number };
    const checks: Array<[string, number]> = [
      ["CONSUMPTION_CAP", consumption],
      ["GENERATION_CAP", generation],
      ["NET_CAP", Math.abs(consumption - generation)],
    ];
    for (const [type, value] of checks) {
      const c = constraints.effective(node.node_id, type as "CONSUMPTION_CAP", t);
      if (c && value > c.limit_watts) {
        throw invalid("OPTIMISATION_OUTPUT_INVALID", "ADVISORY_OUTPUT_WITHIN_NODE_LIMITS", {
          node_id: node.node_id,
          constraint_type: type,
          constraint_ref: c.constraint_ref,
          resolved_limit_watts: c.limit_watts,
          evaluated_watts: value,
        });
      }
    }
  }
}
