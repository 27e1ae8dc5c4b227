import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Stable error codes of the VPP consumer servient (control, dispatch, workflow, object memory). */
export const VPP_ERRORS = {
  VPP_BAD_ARGUMENT: { status: 400, title: "A VPP call or setting got an invalid value" },
  VPP_STEP_TIMEOUT: { status: 504, title: "A regulation step exceeded its time limit (seed 000: 5 s) and was abandoned fail-safe" },
  VPP_DISPATCH_UNAUTHORIZED: { status: 403, title: "Storage dispatch is high-risk: the principal lacks the operator role" },
  VPP_DISPATCH_RATE_LIMITED: { status: 429, title: "Storage dispatch command refused by the per-battery rate limit" },
  VPP_LIMIT_VIOLATION: { status: 409, title: "A balancing plan breaks a node limit or operating envelope and was not applied" },
  VPP_DEVICE_WRITE_FAILED: { status: 502, title: "A setpoint write to a device failed (logged, audited, retried next cycle)" },
  VPP_MEMORY_FAILED: { status: 500, title: "The object memory could not store or read an entry" },
  VPP_TRANSPORT_FAILED: { status: 502, title: "A notification transport (SMTP, SMS webhook, outbox) failed to deliver" },
  VPP_NOT_FOUND: { status: 404, title: "No such incident, task, Thing history or report" },
  VPP_AUTH_REQUIRED: { status: 401, title: "This VPP view needs a bearer token (missing, unknown or expired)" },
  VPP_FORBIDDEN: { status: 403, title: "The token's roles do not cover this VPP view (household or owner data)" },
  VPP_NOT_STARTED: { status: 503, title: "The VPP servient is not running yet" },
} as const satisfies ErrorCatalogue;

export const vppError = errorFactory(VPP_ERRORS);
