/**
 * Apply Allocations, the pure half: which charge point affordance carries each controllable node's
 * allocation, and the limit writes for one set of allocations.
 *
 * - a CHARGE_POINT leaf node attached to a charge point Thing → that Thing's `chargingLimit`;
 * - a CONNECTOR node attached to a connector a charge point lists in `gt:connectors` →
 *   `setConnectorLimit {connectorId, limitW}` on that charge point, and the charge point's
 *   `chargingLimit` = the sum of its connectors' allocations (the limit over the whole charge point
 *   then holds even if one connector write fails).
 * Limits are whole watts in [0, the rating] (the connector's for a connector, `gt:connectorMaxPowerW`);
 * null lifts a limit.
 */
import type { MicrogridNode } from "../../src/microgrid/types.ts";
import { CONTROLLABLE_NODE_TYPES } from "../../src/microgrid/safe-allocation.ts";
import { CHARGE_POINT_TYPE, type SiteThing } from "./telemetry-bridge.ts";

export interface AllocationTarget {
  node_id: string;
  /** Title of the charge point Thing. */
  thing: string;
  /** The connector this node is, or null for a whole charge point. */
  connector: string | null;
  /** The charge point's rating (`gt:maxPowerW`), W; null when its TD does not say. */
  maxPowerW: number | null;
  /** The connector's rating (`gt:connectorMaxPowerW`), W; null for a charge point or when the TD does not say. */
  connectorMaxPowerW: number | null;
}

export interface LimitWrite {
  /** The node whose allocation this is (for a charge point limit summed from connectors: the charge point's node, else its title). */
  node_id: string;
  thing: string;
  affordance: "chargingLimit" | "setConnectorLimit";
  connector_id: string | null;
  limit_watts: number | null;
}

/** Controllable leaves mapped to charge point Things, sorted by node id; unmapped nodes are left out. */
export function planAllocationTargets(nodes: readonly MicrogridNode[], things: readonly SiteThing[]): AllocationTarget[] {
  const chargePoints = things.filter((t) => t.types.includes(CHARGE_POINT_TYPE));
  const byTitle = new Map(chargePoints.map((t) => [t.title, t] as const));
  const byConnector = new Map(chargePoints.flatMap((t) => (t.connectors ?? []).map((c) => [c, t] as const)));
  const parents = new Set(nodes.map((n) => n.parent_node_id).filter((p): p is string => p !== null));
  const out: AllocationTarget[] = [];
  for (const n of nodes) {
    if (!CONTROLLABLE_NODE_TYPES.has(n.node_type) || parents.has(n.node_id) || n.attached_asset_id === null) continue;
    const whole = n.node_type === "CHARGE_POINT" ? byTitle.get(n.attached_asset_id) : undefined;
    const owner = whole ?? byConnector.get(n.attached_asset_id);
    if (!owner) continue;
    const connector = whole ? null : n.attached_asset_id;
    out.push({ node_id: n.node_id, thing: owner.title, connector, maxPowerW: owner.maxPowerW ?? null, connectorMaxPowerW: connector === null ? null : (owner.connectorMaxPowerW?.get(connector) ?? null) });
  }
  return out.sort((a, b) => (a.node_id < b.node_id ? -1 : a.node_id > b.node_id ? 1 : 0));
}

const clamp = (w: number | null, max: number | null): number | null => (w === null ? null : Math.min(Math.max(0, Math.round(w)), max ?? Infinity));

/**
 * The writes for allocations by node id (W, or null: no limit). Targets without an allocation (a
 * cycle scoped to another subtree) get no write. `nodeOfThing` names the charge point's own node for
 * a limit summed from its connectors.
 */
export function limitWrites(targets: readonly AllocationTarget[], allocation: ReadonlyMap<string, number | null>, nodeOfThing: ReadonlyMap<string, string> = new Map()): LimitWrite[] {
  const out: LimitWrite[] = [];
  const connectorSums = new Map<string, { sum: number | null; maxPowerW: number | null }>();
  for (const t of targets) {
    if (!allocation.has(t.node_id)) continue;
    const a = allocation.get(t.node_id) as number | null;
    if (t.connector === null) {
      out.push({ node_id: t.node_id, thing: t.thing, affordance: "chargingLimit", connector_id: null, limit_watts: clamp(a, t.maxPowerW) });
      continue;
    }
    const limit = clamp(a, Math.min(t.maxPowerW ?? Infinity, t.connectorMaxPowerW ?? Infinity));
    out.push({ node_id: t.node_id, thing: t.thing, affordance: "setConnectorLimit", connector_id: t.connector, limit_watts: limit });
    const s = connectorSums.get(t.thing) ?? { sum: 0, maxPowerW: t.maxPowerW };
    s.sum = s.sum === null || limit === null ? null : s.sum + limit;
    connectorSums.set(t.thing, s);
  }
  for (const [thing, s] of [...connectorSums].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push({ node_id: nodeOfThing.get(thing) ?? thing, thing, affordance: "chargingLimit", connector_id: null, limit_watts: clamp(s.sum, s.maxPowerW) });
  }
  return out;
}
