import type {
  CapabilityControlPoint,
  CapabilityStatusEvent,
  CycleResult,
  Depot,
  EffectiveCircuitCapacity,
  ForecastSourceHealth,
  Microgrid,
  MicrogridNode,
  NodeLimit,
  OperatingEnvelope,
  TelemetryReading,
} from "./types.ts";

/** Authored state: what the storage port persists as one document (lowdb). */
export interface AuthoredState {
  microgrids: Microgrid[];
  nodes: Record<string, MicrogridNode[]>;
  node_limits: NodeLimit[];
  control_points: CapabilityControlPoint[];
  envelopes: OperatingEnvelope[];
  depots: Depot[];
  forecast_health: ForecastSourceHealth[];
  /** Last projected effective feeder-circuit capacity per circuit (derived, kept for operator reads). */
  circuit_capacity: EffectiveCircuitCapacity[];
  /** Instant of the last scheduled lifecycle evaluation per microgrid. */
  lifecycle_evaluated_at: Record<string, string>;
}

export function emptyState(): AuthoredState {
  return { microgrids: [], nodes: {}, node_limits: [], control_points: [], envelopes: [], depots: [], forecast_health: [], circuit_capacity: [], lifecycle_evaluated_at: {} };
}

/** The append-only streams (D-017, D-025): each is its own audit concern. */
export const STREAMS = ["domain", "capability_status", "envelope_lifecycle", "cycles", "allocation_writes"] as const;
export type StreamName = (typeof STREAMS)[number];

/** One appended record; `type` is an Event Dictionary name for the domain stream. */
export interface StreamRecord {
  stream: StreamName;
  type: string;
  microgrid_id: string | null;
  at: string;
  payload: Record<string, unknown>;
}

/** The latest accepted reading of one node: live state kept behind the storage port (fallback and derivation need it after a restart). */
export interface StoredTelemetry extends TelemetryReading {
  microgrid_id: string;
}

/** What a restart replays to rebuild projections. */
export interface ReplayedStreams {
  status_events: CapabilityStatusEvent[];
  cycles: CycleResult[];
  /** Latest reading per node as last persisted. */
  telemetry?: StoredTelemetry[];
}
