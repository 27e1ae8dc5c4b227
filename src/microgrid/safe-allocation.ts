/**
 * Fail-safe allocation limits (D-012) for when no trustworthy cycle result exists: the last cycle
 * was REJECTED, or no cycle completed for longer than the result may be trusted. Without fresh
 * demand the only safe bound is static: every consumption cap on the way to the grid shared
 * equally among the controllable leaves (CHARGE_POINT, CONNECTOR) beneath it, so the chargers
 * together can never exceed any cap whatever each one draws. Uncontrolled load under a cap is not
 * known at such a time; the caps' own margin has to cover it (the operator sets the caps).
 * Pure and linear in the tree size.
 */
import type { ConstraintIndex } from "./constraints.ts";
import { indexTree } from "./topology.ts";
import type { MicrogridNode } from "./types.ts";

export const CONTROLLABLE_NODE_TYPES: ReadonlySet<string> = new Set(["CHARGE_POINT", "CONNECTOR"]);

export interface SafeAllocation {
  node_id: string;
  /** At most this, W (floored); null when no cap constrains the node's path (its rating applies). */
  limit_watts: number | null;
  /** The cap that sets the share: node_limit_id, envelope_id or circuit ref; null with no cap. */
  constraint_ref: string | null;
}

/** One entry per controllable leaf, in pre-order. Inactive leaves (or under an inactive node) get 0. */
export function safeAllocations(nodes: readonly MicrogridNode[], constraints: ConstraintIndex, atMs: number): SafeAllocation[] {
  const { preorder, children } = indexTree(nodes);
  const isLeaf = (n: MicrogridNode) => !children.has(n.node_id);
  // controllable leaves under each node, bottom-up
  const count = new Map<string, number>();
  for (let k = preorder.length - 1; k >= 0; k--) {
    const n = preorder[k] as MicrogridNode;
    const own = isLeaf(n) && CONTROLLABLE_NODE_TYPES.has(n.node_type) ? 1 : 0;
    const below = (children.get(n.node_id) ?? []).reduce((s, c) => s + (count.get(c.node_id) ?? 0), 0);
    count.set(n.node_id, own + below);
  }
  // the tightest share on the path, top-down
  const share = new Map<string, { watts: number; ref: string } | null>();
  const inactive = new Set<string>();
  const out: SafeAllocation[] = [];
  for (const n of preorder) {
    const parentShare = n.parent_node_id === null ? null : (share.get(n.parent_node_id) ?? null);
    if (n.status !== "ACTIVE" || (n.parent_node_id !== null && inactive.has(n.parent_node_id))) inactive.add(n.node_id);
    let best = parentShare;
    const set = constraints.forNode(n.node_id);
    const leaves = count.get(n.node_id) ?? 0;
    if (set && leaves > 0) {
      // a NET_CAP bounds consumption too when no generation is counted on (fail safe)
      for (const type of ["CONSUMPTION_CAP", "NET_CAP"] as const) {
        const c = constraints.effectiveFor(set, type, atMs);
        if (!c) continue;
        const w = Math.max(0, c.limit_watts) / leaves;
        if (best === null || w < best.watts) best = { watts: w, ref: c.constraint_ref };
      }
    }
    share.set(n.node_id, best);
    if (!isLeaf(n) || !CONTROLLABLE_NODE_TYPES.has(n.node_type)) continue;
    if (inactive.has(n.node_id)) out.push({ node_id: n.node_id, limit_watts: 0, constraint_ref: null });
    else out.push({ node_id: n.node_id, limit_watts: best === null ? null : Math.floor(best.watts), constraint_ref: best?.ref ?? null });
  }
  return out;
}
