/**
 * Fail-safe allocation limits (D-012) for when no trustworthy cycle result exists: the last cycle
 * was REJECTED, or no cycle completed for longer than the result may be trusted. Without fresh
 * demand for the chargers the only safe bound is static: every consumption cap on the way to the
 * grid, less what the uncontrolled leaves beneath it are known to draw, shared equally among the
 * controllable leaves (CHARGE_POINT, CONNECTOR) beneath it, so the chargers together cannot push a
 * cap over whatever each one draws. The uncontrolled draw is the caller's conservative estimate
 * per leaf (`reserveOf`: never generation, which may stop at any moment); without one, the caps'
 * own margin has to cover it. Pure and linear in the tree size.
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
  /** What the uncontrolled leaves under that cap were reckoned to draw, W (taken off the cap before sharing). */
  reserved_watts: number;
}

/** The conservative draw of an uncontrolled leaf, W (≥ 0). */
export type ReserveOf = (node: MicrogridNode) => number;

/** One entry per controllable leaf, in pre-order. Inactive leaves (or under an inactive node) get 0. */
export function safeAllocations(nodes: readonly MicrogridNode[], constraints: ConstraintIndex, atMs: number, reserveOf: ReserveOf = () => 0): SafeAllocation[] {
  const { preorder, children } = indexTree(nodes);
  const isLeaf = (n: MicrogridNode) => !children.has(n.node_id);
  // a node is active when it and every ancestor are ACTIVE; then, bottom-up, the controllable leaves
  // and the reserved draw of the active uncontrolled ones under each node
  const count = new Map<string, number>();
  const reserved = new Map<string, number>();
  const active = new Set<string>();
  for (const n of preorder) if (n.status === "ACTIVE" && (n.parent_node_id === null || active.has(n.parent_node_id))) active.add(n.node_id);
  for (let k = preorder.length - 1; k >= 0; k--) {
    const n = preorder[k] as MicrogridNode;
    const controllable = isLeaf(n) && CONTROLLABLE_NODE_TYPES.has(n.node_type);
    const kids = children.get(n.node_id) ?? [];
    count.set(n.node_id, (controllable ? 1 : 0) + kids.reduce((s, c) => s + (count.get(c.node_id) ?? 0), 0));
    const ownReserve = isLeaf(n) && !controllable && active.has(n.node_id) ? Math.max(0, reserveOf(n)) : 0;
    reserved.set(n.node_id, (Number.isFinite(ownReserve) ? ownReserve : 0) + kids.reduce((s, c) => s + (reserved.get(c.node_id) ?? 0), 0));
  }
  // the tightest share on the path, top-down
  const share = new Map<string, { watts: number; ref: string; reserved: number } | null>();
  const out: SafeAllocation[] = [];
  for (const n of preorder) {
    const parentShare = n.parent_node_id === null ? null : (share.get(n.parent_node_id) ?? null);
    let best = parentShare;
    const set = constraints.forNode(n.node_id);
    const leaves = count.get(n.node_id) ?? 0;
    if (set && leaves > 0) {
      // a NET_CAP bounds consumption too when no generation is counted on (fail safe)
      for (const type of ["CONSUMPTION_CAP", "NET_CAP"] as const) {
        const c = constraints.effectiveFor(set, type, atMs);
        if (!c) continue;
        const held = reserved.get(n.node_id) ?? 0;
        const w = Math.max(0, c.limit_watts - held) / leaves;
        if (best === null || w < best.watts) best = { watts: w, ref: c.constraint_ref, reserved: held };
      }
    }
    share.set(n.node_id, best);
    if (!isLeaf(n) || !CONTROLLABLE_NODE_TYPES.has(n.node_type)) continue;
    if (!active.has(n.node_id)) out.push({ node_id: n.node_id, limit_watts: 0, constraint_ref: null, reserved_watts: 0 });
    else out.push({ node_id: n.node_id, limit_watts: best === null ? null : Math.floor(best.watts), constraint_ref: best?.ref ?? null, reserved_watts: best?.reserved ?? 0 });
  }
  return out;
}
