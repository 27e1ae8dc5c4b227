import { runBalancingCycle, type CycleInput } from "../../src/microgrid/balancing.ts";
import { ConstraintIndex } from "../../src/microgrid/constraints.ts";
import type { FeederCircuit, MicrogridNode, NodeLimit, OperatingEnvelope, TelemetryReading } from "../../src/microgrid/types.ts";

export const MG = "mg-test";
export const NOW = "2026-01-01T12:00:00.000Z";

export function node(node_id: string, parent_node_id: string | null, node_type: MicrogridNode["node_type"], display_order = 0, extra: Partial<MicrogridNode> = {}): MicrogridNode {
  const asset = node_type === "VIRTUAL" ? null : node_type === "GRID_CONNECTION" ? "CIRCUIT" : node_type;
  return {
    node_id, microgrid_id: MG, parent_node_id, name: node_id, node_type,
    attached_asset_type: asset as MicrogridNode["attached_asset_type"], attached_asset_id: asset ? `asset-${node_id}` : null,
    status: "ACTIVE", display_order, ...extra,
  };
}

/**
 * gc1 ─┬─ cir1 ─┬─ cp1          gc2 ── cp3
 *      │        └─ cp2
 *      ├─ pv1 (POWER_SOURCE)
 *      └─ load1 (CIRCUIT leaf, uncontrolled)
 */
export function tree(): MicrogridNode[] {
  return [
    node("gc1", null, "GRID_CONNECTION", 1),
    node("cir1", "gc1", "CIRCUIT", 1),
    node("cp1", "cir1", "CHARGE_POINT", 1),
    node("cp2", "cir1", "CHARGE_POINT", 2),
    node("pv1", "gc1", "POWER_SOURCE", 2),
    node("load1", "gc1", "CIRCUIT", 3),
    node("gc2", null, "GRID_CONNECTION", 2),
    node("cp3", "gc2", "CHARGE_POINT", 1),
  ];
}

export function limit(node_id: string, limit_watts: number, constraint_type: NodeLimit["constraint_type"] = "CONSUMPTION_CAP"): NodeLimit {
  return { node_limit_id: `lim-${node_id}-${constraint_type}`, microgrid_id: MG, node_id, constraint_type, limit_watts, source_type: "MANUAL", status: "ACTIVE", updated_at: NOW };
}

export function reading(node_id: string, measured_demand_watts: number, ageSeconds = 5): TelemetryReading {
  return { node_id, measured_demand_watts, observed_at: new Date(Date.parse(NOW) - ageSeconds * 1000).toISOString() };
}

export function envelope(envelope_id: string, node_id: string, envelope_type: OperatingEnvelope["envelope_type"], value: number, extra: Partial<OperatingEnvelope> = {}): OperatingEnvelope {
  const from = "2026-01-01T00:00:00.000Z";
  const to = "2026-01-02T00:00:00.000Z";
  return {
    envelope_id, microgrid_id: MG, origin_control_point_id: null, node_id, envelope_type, constraint_type: "CONSUMPTION_CAP",
    effective_from: from, effective_to: to, source_ref: `src-${envelope_id}`, status: "ACTIVE", received_at: from,
    blocks: [{ envelope_id, block_from: from, block_to: to, min_limit_watts: null, max_limit_watts: null, target_watts: value }],
    rejection_reason: null, ...extra,
  };
}

export const BASE_READINGS = [reading("cp1", 3000), reading("cp2", 3000), reading("pv1", -2000), reading("load1", 1000), reading("cp3", 4000)];

export interface CycleCase {
  nodes?: MicrogridNode[];
  limits?: NodeLimit[];
  envelopes?: OperatingEnvelope[];
  readings?: TelemetryReading[];
  circuits?: Map<string, FeederCircuit>;
  input?: Partial<CycleInput>;
}

export function cycle(c: CycleCase) {
  const telemetry = new Map((c.readings ?? BASE_READINGS).map((r) => [r.node_id, r] as const));
  return runBalancingCycle({
    microgrid: { microgrid_id: MG, depot_id: "depot-test", version: 3 },
    nodes: c.nodes ?? tree(),
    constraints: new ConstraintIndex({ limits: c.limits ?? [], envelopes: c.envelopes ?? [], health: [], circuitsByNode: c.circuits ?? new Map() }),
    telemetry,
    now: NOW,
    freshness_threshold_seconds: 60,
    scope_node_id: null,
    expected_topology_version: null,
    actor: "test",
    source: "TEST",
    correlation_id: "corr-1",
    circuit_alias: null,
    policy_digests: { limits_digest: "l", envelopes_digest: "e" },
    ...c.input,
  });
}
