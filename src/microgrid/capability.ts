import { invalid } from "./errors.ts";
import type { CapabilityControlPoint, CapabilityStatusEvent, CapabilityStatusProjection } from "./types.ts";

/**
 * Control-point rules: schedule_ref only for LOCAL (D-015, FR-022), a target node that exists (or
 * null for the whole microgrid), and at most one enabled control point per
 * microgrid_id + node_id + capability_type.
 */
export function validateControlPoint(cp: CapabilityControlPoint, nodeExists: (id: string) => boolean, others: readonly CapabilityControlPoint[]): void {
  if (cp.control_source === "EXTERNAL" && cp.schedule_ref !== null) {
    throw invalid("CONTROL_POINT_INVALID", "SCHEDULE_REF_ONLY_FOR_LOCAL", { control_point_id: cp.control_point_id, schedule_ref: cp.schedule_ref });
  }
  if (cp.node_id !== null && !nodeExists(cp.node_id)) {
    throw invalid("CONTROL_POINT_INVALID", "TARGET_NODE_EXISTS", { control_point_id: cp.control_point_id, node_id: cp.node_id });
  }
  if ((cp.external_config_type === null) !== (cp.external_config_ref === null)) {
    throw invalid("CONTROL_POINT_INVALID", "EXTERNAL_CONFIG_REFERENCE_COMPLETE", { control_point_id: cp.control_point_id });
  }
  if (cp.state === "enabled") {
    const clash = others.find(
      (o) => o.control_point_id !== cp.control_point_id && o.state === "enabled" && o.node_id === cp.node_id && o.capability_type === cp.capability_type,
    );
    if (clash) {
      throw invalid("CONTROL_POINT_INVALID", "ONE_ACTIVE_CONTROL_POINT_PER_SCOPE_AND_CAPABILITY", {
        control_point_id: cp.control_point_id,
        conflicting_control_point_id: clash.control_point_id,
        node_id: cp.node_id,
        capability_type: cp.capability_type,
      });
    }
  }
}

/** Latest status per control point: the newest observed_at wins; equal instants, the later ingest wins. */
export function foldStatus(
  latest: Map<string, CapabilityStatusEvent>,
  e: CapabilityStatusEvent,
): void {
  const cur = latest.get(e.control_point_id);
  if (!cur || Date.parse(e.observed_at) >= Date.parse(cur.observed_at)) latest.set(e.control_point_id, e);
}

/** Rebuilds the latest-status read model from the ordered event stream. */
export function rebuildStatusProjection(events: Iterable<CapabilityStatusEvent>): Map<string, CapabilityStatusEvent> {
  const latest = new Map<string, CapabilityStatusEvent>();
  for (const e of events) foldStatus(latest, e);
  return latest;
}

export function toProjection(e: CapabilityStatusEvent, now: string): CapabilityStatusProjection {
  return {
    microgrid_id: e.microgrid_id,
    control_point_id: e.control_point_id,
    node_id: e.node_id,
    capability_type: e.capability_type,
    latest_operational_status: e.operational_status,
    reported_by: e.reported_by,
    last_observed_at: e.observed_at,
    last_ingested_at: e.ingested_at,
    freshness_seconds: Math.max(0, Math.floor((Date.parse(now) - Date.parse(e.observed_at)) / 1000)),
    status_detail: e.status_detail,
  };
}

/**
 * External controllers often report booleans: normalise them to the stable strings ON/OFF and keep
 * the raw value in status_detail (seed: CapabilityStatusProjection notes).
 */
export function normaliseOperationalStatus(raw: unknown): { operational_status: string; raw_value: unknown } | null {
  if (typeof raw === "boolean") return { operational_status: raw ? "ON" : "OFF", raw_value: raw };
  if (typeof raw === "string" && raw.length > 0) return { operational_status: raw, raw_value: undefined };
  return null;
}
