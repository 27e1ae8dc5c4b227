import type { ErrorCatalogue } from "../errors/coded-error.ts";

/** Errors of the WoT glue: what a client of any binding gets for bad input or missing rights. */
export const WOT_ERRORS = {
  INPUT_INVALID: { status: 400, title: "The value does not match the affordance's schema" },
  INPUT_MALFORMED: { status: 400, title: "The payload is not valid JSON" },
  UNAUTHENTICATED: { status: 401, title: "A bearer token is required for this power-changing operation" },
  FORBIDDEN: { status: 403, title: "The token's roles do not allow this operation" },
  PROTOCOL_NOT_AUTHENTICATED: { status: 401, title: "Power-changing operations need HTTP with a bearer token; this binding cannot authenticate the caller" },
  PROTOCOL_NOT_OFFERED: { status: 404, title: "This Thing is not served over this protocol" },
  NOT_FOUND: { status: 404, title: "No such Thing or affordance" },
  METHOD_NOT_ALLOWED: { status: 405, title: "The affordance does not allow this operation" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The content type is not supported" },
  DEVICE_FAULT: { status: 409, title: "The device is in a fault state and refuses the command" },
  DEVICE_UNAVAILABLE: { status: 503, title: "The device did not answer in time" },
  INTERNAL_ERROR: { status: 500, title: "Internal error" },
} as const satisfies ErrorCatalogue;

export type WotErrorCode = keyof typeof WOT_ERRORS;
