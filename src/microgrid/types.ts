/**
 * Seed 002 contracts: every record, enum value and field name exactly as the seed writes them
 * (snake_case on purpose: the same objects cross the REST API, the event streams and the WoT Thing).
 */
export const NODE_TYPES = ["GRID_CONNECTION", "CIRCUIT", "CHARGE_POINT", "CONNECTOR", "POWER_SOURCE", "VIRTUAL"] as const;
export type NodeType = (typeof NODE_TYPES)[number];
export const ASSET_TYPES = ["CIRCUIT", "CHARGE_POINT", "CONNECTOR", "POWER_SOURCE"] as const;
export type AssetType = (typeof ASSET_TYPES)[number];
export const NODE_STATUSES = ["ACTIVE", "MAINTENANCE", "UNAVAILABLE"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];
export const CAPABILITY_TYPES = ["LOAD_BALANCING", "PEAK_SHAVING", "DER", "ENERGY_OPTIMISATION"] as const;
export type CapabilityType = (typeof CAPABILITY_TYPES)[number];
export const CAPABILITY_STATES = ["enabled", "disabled"] as const;
export type CapabilityState = (typeof CAPABILITY_STATES)[number];
export const CONTROL_SOURCES = ["LOCAL", "EXTERNAL"] as const;
export type ControlSource = (typeof CONTROL_SOURCES)[number];
export const CONSTRAINT_TYPES = ["CONSUMPTION_CAP", "GENERATION_CAP", "NET_CAP"] as const;
export type ConstraintType = (typeof CONSTRAINT_TYPES)[number];
export const LIMIT_SOURCE_TYPES = ["PHYSICAL_DERIVED", "MANUAL", "FAIL_SAFE", "STATIC_POLICY"] as const;
export type LimitSourceType = (typeof LIMIT_SOURCE_TYPES)[number];
export const LIMIT_STATUSES = ["ACTIVE", "INACTIVE"] as const;
export type LimitStatus = (typeof LIMIT_STATUSES)[number];
export const ENVELOPE_TYPES = ["TOU_LIMIT", "FORECAST", "FALLBACK", "OVERRIDE"] as const;
export type EnvelopeType = (typeof ENVELOPE_TYPES)[number];
export const ENVELOPE_STATUSES = ["PENDING", "ACTIVE", "EXPIRED", "WITHDRAWN", "REJECTED"] as const;
export type EnvelopeStatus = (typeof ENVELOPE_STATUSES)[number];
export const OUTCOMES = ["APPLIED", "CURTAILED", "REJECTED"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const SOURCE_MODES = ["MEASURED", "FALLBACK_DERIVED"] as const;
export type SourceMode = (typeof SOURCE_MODES)[number];
export const PROJECTION_TRIGGERS = ["ENVELOPE_CHANGE", "ENVELOPE_LIFECYCLE", "REBALANCE_GUARD"] as const;
export type ProjectionTrigger = (typeof PROJECTION_TRIGGERS)[number];
export const FORECAST_SOURCE_STATES = ["HEALTHY", "STALE", "OFFLINE"] as const;
export type ForecastSourceState = (typeof FORECAST_SOURCE_STATES)[number];
export const GAP_POLICIES = ["CIRCUIT_DEFAULT", "FAIL_SAFE"] as const;
export type GapPolicy = (typeof GAP_POLICIES)[number];

/**
 * Reason codes in the seed's fixed precedence order ("Deterministic Reason-Code Precedence").
 * TELEMETRY_INSUFFICIENT is our one extension: the seed's 503 row needs a reason_code for
 * "insufficient telemetry with no valid fallback" and names none; it sorts last.
 */
export const REASON_CODE_PRECEDENCE = [
  "TOPOLOGY_INVALID",
  "TOPOLOGY_VERSION_CONFLICT",
  "ANCESTOR_CAP_EXCEEDED",
  "AGGREGATE_CAP_EXCEEDED",
  "NODE_CAP_EXCEEDED",
  "TELEMETRY_STALE_FALLBACK_USED",
  "LEGACY_ALIAS_TRANSLATION_APPLIED",
  "TELEMETRY_INSUFFICIENT",
] as const;
export type ReasonCode = (typeof REASON_CODE_PRECEDENCE)[number];

/** Appendix A compatibility reason codes. */
export const COMPATIBILITY_REASON_CODES = [
  "CIRCUIT_ALIAS_NOT_RESOLVABLE",
  "LIMIT_SCOPE_TRANSLATION_FAILED",
  "LEGACY_POLICY_SCOPE_AMBIGUOUS",
  "TOPOLOGY_INVALID",
  "TELEMETRY_STALE_FALLBACK_USED",
] as const;

export interface Microgrid {
  microgrid_id: string;
  depot_id: string;
  version: number;
}

export interface MicrogridNode {
  node_id: string;
  microgrid_id: string;
  parent_node_id: string | null;
  name: string;
  node_type: NodeType;
  attached_asset_type: AssetType | null;
  attached_asset_id: string | null;
  status: NodeStatus;
  display_order: number;
}

export interface NodeLimit {
  node_limit_id: string;
  microgrid_id: string;
  node_id: string;
  constraint_type: ConstraintType;
  limit_watts: number;
  source_type: LimitSourceType;
  status: LimitStatus;
  updated_at: string;
}

export interface CapabilityControlPoint {
  control_point_id: string;
  microgrid_id: string;
  node_id: string | null;
  capability_type: CapabilityType;
  state: CapabilityState;
  control_source: ControlSource;
  description: string;
  local_config: Record<string, unknown> | null;
  external_config_type: string | null;
  external_config_ref: string | null;
  schedule_ref: string | null;
}

export interface CapabilityStatusEvent {
  status_event_id: string;
  microgrid_id: string;
  control_point_id: string;
  node_id: string | null;
  capability_type: CapabilityType;
  operational_status: string;
  reported_by: ControlSource;
  observed_at: string;
  ingested_at: string;
  source_event_ref: string | null;
  status_detail: Record<string, unknown> | null;
}

export interface CapabilityStatusProjection {
  microgrid_id: string;
  control_point_id: string;
  node_id: string | null;
  capability_type: CapabilityType;
  latest_operational_status: string;
  reported_by: ControlSource;
  last_observed_at: string;
  last_ingested_at: string;
  freshness_seconds: number;
  status_detail: Record<string, unknown> | null;
}

export interface OperatingEnvelopeBlock {
  envelope_id: string;
  block_from: string;
  block_to: string;
  min_limit_watts: number | null;
  max_limit_watts: number | null;
  target_watts: number | null;
}

export interface OperatingEnvelope {
  envelope_id: string;
  microgrid_id: string;
  origin_control_point_id: string | null;
  node_id: string;
  envelope_type: EnvelopeType;
  constraint_type: ConstraintType;
  effective_from: string;
  effective_to: string;
  source_ref: string;
  status: EnvelopeStatus;
  received_at: string;
  blocks: OperatingEnvelopeBlock[];
  /** Why the envelope was REJECTED (validation rule), null otherwise. */
  rejection_reason: string | null;
}

/** Input of the MicrogridOperatingEnvelopeWritePort: an envelope before the microgrid owns it. */
export interface OperatingEnvelopeSubmission {
  microgrid_id: string;
  node_id: string;
  origin_control_point_id?: string | null;
  envelope_type: EnvelopeType;
  constraint_type: ConstraintType;
  effective_from: string;
  effective_to: string;
  source_ref: string;
  blocks: Array<Omit<OperatingEnvelopeBlock, "envelope_id" | "min_limit_watts" | "max_limit_watts" | "target_watts"> & {
    min_limit_watts?: number | null;
    max_limit_watts?: number | null;
    target_watts?: number | null;
  }>;
}

/** A depot's authoritative top-level feeder circuit with the policy inputs of the compatibility projection. */
export interface FeederCircuit {
  circuit_id: string;
  name: string;
  default_capacity_watts: number;
  fail_safe_capacity_watts: number;
  gap_policy: GapPolicy;
}

export interface Depot {
  depot_id: string;
  microgrid_id: string;
  feeder_circuits: FeederCircuit[];
}

/** Health of the primary forecast source feeding one node (an OSCP heartbeat, a CSIP poll...). */
export interface ForecastSourceHealth {
  microgrid_id: string;
  node_id: string;
  last_heartbeat_at: string | null;
  /** The source declared itself offline at this instant (OSCP offline_mode_at), or null. */
  offline_at: string | null;
  stale_after_seconds: number;
}

export interface EffectiveCircuitCapacity {
  circuit_id: string;
  microgrid_id: string;
  node_id: string;
  effective_capacity_watts: number;
  /** Which input won: an envelope id, `circuit_default:<id>` or `circuit_fail_safe:<id>`. */
  constraint_ref: string;
  forecast_source_state: ForecastSourceState | null;
  projection_trigger: ProjectionTrigger;
  evaluated_at: string;
}

export interface TelemetryReading {
  node_id: string;
  /** Positive = consumption into the node, negative = generation (PV, BESS discharge). */
  measured_demand_watts: number;
  observed_at: string;
}

export interface Breach {
  breach_id: string;
  microgrid_id: string;
  node_id: string | null;
  constraint_ref: string;
  reason_code: ReasonCode;
  effective_demand_watts: number;
  resolved_limit_watts: number;
  source_mode: SourceMode;
  detected_at: string;
}

export interface NodeAllocation {
  node_id: string;
  requested_watts: number;
  allocated_watts: number;
  source_mode: SourceMode;
}

export interface AllocationSummary {
  applied: boolean;
  requested_watts: number;
  allocated_watts: number;
  curtailed_watts: number;
  fixed_demand_watts: number;
  generation_watts: number;
  by_node: NodeAllocation[];
}

export interface DemandResolution {
  node_id: string;
  effective_demand_watts: number | null;
  source_mode: SourceMode;
  measured_demand_watts: number | null;
  fallback_demand_watts: number | null;
  observed_at: string | null;
  age_seconds: number | null;
  freshness_threshold_seconds: number;
  inputs_used: string[];
}

export interface CycleAudit {
  actor: string;
  source: string;
  correlation_id: string;
  policy_version: { topology_version: number; limits_digest: string; envelopes_digest: string };
  freshness_threshold_seconds: number;
  demand: DemandResolution[];
  circuit_alias: { circuit_id: string; path: string } | null;
  missing_inputs: string[];
  safe_action_taken: string | null;
}

export interface CycleResult {
  cycle_id: string;
  microgrid_id: string;
  node_id: string | null;
  topology_version: number;
  started_at: string;
  ended_at: string;
  outcome: Outcome;
  reason_codes: ReasonCode[];
  allocation_summary: AllocationSummary;
  breaches: Breach[];
  audit: CycleAudit;
}
