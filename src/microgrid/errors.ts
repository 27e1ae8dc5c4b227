import { CodedError, errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/**
 * Stable error codes of the microgrid domain. The codes that are seed 002 reason codes keep the
 * seed's spelling; every 409 carries reason_code/expected_version/actual_version, every 422
 * reason_code/violated_rule/details and every 503 reason_code/missing_inputs/safe_action_taken.
 */
export const MICROGRID_ERRORS = {
  MICROGRID_NOT_FOUND: { status: 404, title: "No microgrid has this microgrid_id" },
  DEPOT_NOT_FOUND: { status: 404, title: "No microgrid is resolved from this depot_id" },
  NODE_NOT_FOUND: { status: 404, title: "No node has this node_id in the microgrid" },
  CONTROL_POINT_NOT_FOUND: { status: 404, title: "No capability control point has this control_point_id in the microgrid" },
  ENVELOPE_NOT_FOUND: { status: 404, title: "No operating envelope has this envelope_id" },
  TOPOLOGY_VERSION_CONFLICT: { status: 409, title: "The supplied topology version is not the current one" },
  TOPOLOGY_INVALID: { status: 422, title: "The topology violates the microgrid tree rules" },
  NODE_LIMIT_INVALID: { status: 422, title: "The node limit violates a node-limit rule" },
  CONTROL_POINT_INVALID: { status: 422, title: "The capability control point violates a control-point rule" },
  STATUS_EVENT_INVALID: { status: 422, title: "The capability status event violates a status-event rule" },
  ENVELOPE_INVALID: { status: 422, title: "The operating envelope violates an envelope rule" },
  ENVELOPE_SOURCE_REF_CONFLICT: { status: 409, title: "An envelope with this source_ref and different content exists" },
  TELEMETRY_INVALID: { status: 422, title: "A telemetry reading is not valid" },
  RESYNC_INVALID: { status: 422, title: "The feeder circuits cannot be resynced onto the topology" },
  OPTIMISATION_OUTPUT_INVALID: { status: 422, title: "An advisory optimisation output violates node limits" },
  CIRCUIT_ALIAS_NOT_RESOLVABLE: { status: 409, title: "Legacy circuit identifier did not map to exactly one microgrid node" },
  LIMIT_SCOPE_TRANSLATION_FAILED: { status: 422, title: "Legacy policy scope could not be translated to a managed microgrid node" },
  LEGACY_POLICY_SCOPE_AMBIGUOUS: { status: 422, title: "Legacy limit target maps to multiple microgrid node scopes" },
  TELEMETRY_INSUFFICIENT: { status: 503, title: "Insufficient telemetry with no valid fallback" },
} as const satisfies ErrorCatalogue;

export type MicrogridErrorCode = keyof typeof MICROGRID_ERRORS;

export const fail = errorFactory(MICROGRID_ERRORS);

/** 422 with the status table's fields. */
export function invalid(
  code: "TOPOLOGY_INVALID" | "NODE_LIMIT_INVALID" | "CONTROL_POINT_INVALID" | "STATUS_EVENT_INVALID" | "ENVELOPE_INVALID" | "TELEMETRY_INVALID" | "RESYNC_INVALID" | "OPTIMISATION_OUTPUT_INVALID" | "LIMIT_SCOPE_TRANSLATION_FAILED" | "LEGACY_POLICY_SCOPE_AMBIGUOUS",
  violated_rule: string,
  details: Record<string, unknown>,
  message?: string,
): CodedError {
  return fail(code, message ?? `${violated_rule}`, { reason_code: code, violated_rule, details });
}

/** 409 with the status table's fields. */
export function conflict(
  code: "TOPOLOGY_VERSION_CONFLICT" | "CIRCUIT_ALIAS_NOT_RESOLVABLE" | "ENVELOPE_SOURCE_REF_CONFLICT",
  expected_version: number | null,
  actual_version: number | null,
  extra: Record<string, unknown> = {},
  message?: string,
): CodedError {
  return fail(code, message, { reason_code: code, expected_version, actual_version, ...extra });
}

export function notFound(code: "MICROGRID_NOT_FOUND" | "DEPOT_NOT_FOUND" | "NODE_NOT_FOUND" | "CONTROL_POINT_NOT_FOUND" | "ENVELOPE_NOT_FOUND", id: string): CodedError {
  return fail(code, `${MICROGRID_ERRORS[code].title}: ${id}`, { reason_code: code, id });
}
