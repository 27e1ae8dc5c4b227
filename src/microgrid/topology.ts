import { invalid } from "./errors.ts";
import type { MicrogridNode } from "./types.ts";

/** Stable sibling order for API, UI and cycles: display_order, then node_id. */
export function compareNodes(a: MicrogridNode, b: MicrogridNode): number {
  return a.display_order - b.display_order || (a.node_id < b.node_id ? -1 : a.node_id > b.node_id ? 1 : 0);
}

export interface TreeIndex {
  byId: Map<string, MicrogridNode>;
  children: Map<string | null, MicrogridNode[]>;
  /** Pre-order (parents before children), siblings in compareNodes order. */
  preorder: MicrogridNode[];
}

/** Indexes an already validated node list. */
export function indexTree(nodes: readonly MicrogridNode[]): TreeIndex {
  const byId = new Map<string, MicrogridNode>();
  const children = new Map<string | null, MicrogridNode[]>();
  for (const n of nodes) {
    byId.set(n.node_id, n);
    const list = children.get(n.parent_node_id);
    if (list) list.push(n);
    else children.set(n.parent_node_id, [n]);
  }
  for (const list of children.values()) list.sort(compareNodes);
  const preorder: MicrogridNode[] = [];
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length > 0) {
    const n = stack.pop() as MicrogridNode;
    preorder.push(n);
    const kids = children.get(n.node_id);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as MicrogridNode);
  }
  return { byId, children, preorder };
}

/** node_id and all its descendants, pre-order. */
export function subtreeIds(index: TreeIndex, nodeId: string): string[] {
  const out: string[] = [];
  const stack = [nodeId];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    out.push(id);
    const kids = index.children.get(id);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push((kids[i] as MicrogridNode).node_id);
  }
  return out;
}

/** Ancestors of node_id from its parent up to the first-level node. */
export function ancestorIds(index: TreeIndex, nodeId: string): string[] {
  const out: string[] = [];
  let cur = index.byId.get(nodeId)?.parent_node_id ?? null;
  while (cur !== null) {
    out.push(cur);
    cur = index.byId.get(cur)?.parent_node_id ?? null;
  }
  return out;
}

/**
 * The normative tree rules: a single rooted acyclic tree under the implicit Microgrid root, every
 * first-level node a GRID_CONNECTION (at least one), every parent present (no orphan), each node
 * in this microgrid once, each source asset referenced by at most one node. Throws 422
 * TOPOLOGY_INVALID naming the violated rule.
 */
export function validateTopology(microgridId: string, nodes: readonly MicrogridNode[]): void {
  const byId = new Map<string, MicrogridNode>();
  for (const n of nodes) {
    if (byId.has(n.node_id)) throw invalid("TOPOLOGY_INVALID", "NODE_ID_UNIQUE", { node_id: n.node_id });
    if (n.microgrid_id !== microgridId) {
      throw invalid("TOPOLOGY_INVALID", "NODE_BELONGS_TO_ONE_MICROGRID", { node_id: n.node_id, microgrid_id: n.microgrid_id });
    }
    if ((n.attached_asset_type === null) !== (n.attached_asset_id === null)) {
      throw invalid("TOPOLOGY_INVALID", "ASSET_REFERENCE_COMPLETE", { node_id: n.node_id });
    }
    if (n.node_type === "VIRTUAL" && n.attached_asset_type !== null) {
      throw invalid("TOPOLOGY_INVALID", "VIRTUAL_NODE_HAS_NO_ASSET", { node_id: n.node_id });
    }
    if (n.parent_node_id === n.node_id) throw invalid("TOPOLOGY_INVALID", "ACYCLIC", { node_id: n.node_id, cycle: [n.node_id] });
    byId.set(n.node_id, n);
  }
  let firstLevel = 0;
  const assets = new Map<string, string>();
  for (const n of nodes) {
    if (n.parent_node_id === null) {
      if (n.node_type !== "GRID_CONNECTION") {
        throw invalid("TOPOLOGY_INVALID", "FIRST_LEVEL_IS_GRID_CONNECTION", { node_id: n.node_id, node_type: n.node_type });
      }
      firstLevel++;
    } else if (!byId.has(n.parent_node_id)) {
      throw invalid("TOPOLOGY_INVALID", "NO_ORPHAN", { node_id: n.node_id, parent_node_id: n.parent_node_id });
    }
    if (n.attached_asset_id !== null) {
      const key = `${n.attached_asset_type}:${n.attached_asset_id}`;
      const other = assets.get(key);
      if (other !== undefined) {
        throw invalid("TOPOLOGY_INVALID", "ASSET_REFERENCED_ONCE", { attached_asset_type: n.attached_asset_type, attached_asset_id: n.attached_asset_id, node_ids: [other, n.node_id] });
      }
      assets.set(key, n.node_id);
    }
  }
  if (nodes.length > 0 && firstLevel === 0) throw invalid("TOPOLOGY_INVALID", "FIRST_LEVEL_IS_GRID_CONNECTION", { first_level_nodes: 0 });
  // Every node must reach the root: walk parent pointers, memoising nodes known to be rooted.
  const state = new Map<string, 1 | 2>(); // 1 = on the current walk, 2 = reaches the root
  for (const start of nodes) {
    const path: string[] = [];
    let cur: string | null = start.node_id;
    while (cur !== null && state.get(cur) !== 2) {
      if (state.get(cur) === 1) {
        const from = path.indexOf(cur);
        throw invalid("TOPOLOGY_INVALID", "ACYCLIC", { node_id: cur, cycle: path.slice(from) });
      }
      state.set(cur, 1);
      path.push(cur);
      cur = (byId.get(cur) as MicrogridNode).parent_node_id;
    }
    for (const id of path) state.set(id, 2);
  }
}

export interface TopologyPatch {
  upsert?: MicrogridNode[];
  remove?: string[];
}

/** Applies upserts (add or edit, reparent included) and removals; the caller validates the result. */
export function applyTopologyPatch(nodes: readonly MicrogridNode[], patch: TopologyPatch): MicrogridNode[] {
  const byId = new Map(nodes.map((n) => [n.node_id, n] as const));
  for (const id of patch.remove ?? []) byId.delete(id);
  for (const n of patch.upsert ?? []) byId.set(n.node_id, n);
  return [...byId.values()];
}
