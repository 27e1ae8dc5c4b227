/**
 * Node limits from the microgrid orchestrator's Thing (seed 002 `topology` and `node_limits`) as
 * the battery limits the balancing plan is validated against. Pure.
 *
 * A limit applies to the batteries in its node's subtree (nodes whose attached asset is a battery
 * the VPP knows): GENERATION_CAP bounds their total discharge, CONSUMPTION_CAP their total charge,
 * NET_CAP both. The cap is the node's whole flow, so holding only the batteries to it is the
 * loosest check the VPP can make alone; the orchestrator's own cycle, which the VPP triggers after
 * a dispatch, accounts for the loads.
 */
import type { NodeLimit } from "./grid-balancing.ts";

interface TopologyNode {
  node_id: string;
  parent_node_id: string | null;
  attached_asset_id: string | null;
  status?: string;
}

interface OrchestratorLimit {
  node_id: string;
  constraint_type: string;
  limit_watts: number;
  status?: string;
}

export function nodeLimitsFromOrchestrator(topology: unknown, limits: unknown, batteryIdOf: (assetId: string) => string | undefined): NodeLimit[] {
  const nodes = (Array.isArray(topology) ? topology : ((topology as { nodes?: unknown } | null)?.nodes ?? [])) as TopologyNode[];
  if (!Array.isArray(nodes) || !Array.isArray(limits)) return [];
  const children = new Map<string, TopologyNode[]>();
  for (const n of nodes) {
    if (typeof n?.node_id !== "string") continue;
    const key = n.parent_node_id ?? "";
    children.set(key, [...(children.get(key) ?? []), n]);
  }
  const byId = new Map(nodes.filter((n) => typeof n?.node_id === "string").map((n) => [n.node_id, n]));
  const batteriesUnder = (nodeId: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>();
    const walk = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      const n = byId.get(id);
      const battery = n?.attached_asset_id ? batteryIdOf(n.attached_asset_id) : undefined;
      if (battery) out.push(battery);
      for (const c of children.get(id) ?? []) walk(c.node_id);
    };
    walk(nodeId);
    return out;
  };
  const result = new Map<string, NodeLimit>();
  for (const l of limits as OrchestratorLimit[]) {
    if (typeof l?.node_id !== "string" || typeof l.limit_watts !== "number" || !Number.isFinite(l.limit_watts) || (l.status !== undefined && l.status !== "ACTIVE")) continue;
    const deviceIds = batteriesUnder(l.node_id);
    if (deviceIds.length === 0) continue;
    const current = result.get(l.node_id) ?? { nodeId: l.node_id, deviceIds };
    const w = Math.max(0, l.limit_watts);
    const strictest = (a: number | undefined) => (a === undefined ? w : Math.min(a, w));
    if (l.constraint_type === "GENERATION_CAP" || l.constraint_type === "NET_CAP") current.maxExportW = strictest(current.maxExportW);
    if (l.constraint_type === "CONSUMPTION_CAP" || l.constraint_type === "NET_CAP") current.maxImportW = strictest(current.maxImportW);
    result.set(l.node_id, current);
  }
  return [...result.values()];
}
