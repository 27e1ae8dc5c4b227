import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Stable error codes of the operator console's own routes (the views also show the codes of the APIs they call). */
export const CONSOLE_ERRORS = {
  CONSOLE_AUTH_REQUIRED: { status: 401, title: "The console call needs a valid bearer token (missing, unknown or expired)" },
  CONSOLE_FORBIDDEN: { status: 403, title: "The token's roles do not allow this console call" },
  CONSOLE_BAD_REQUEST: { status: 400, title: "A console call got an invalid value" },
  CONSOLE_NOT_ACCEPTABLE: { status: 406, title: "The Accept header rules out the only media type this console route answers with (text/event-stream for live streams)" },
  CONSOLE_UPSTREAM_FAILED: { status: 502, title: "A Thing the console forwards to (the simulator's sim-control) did not answer, or answered something that is not JSON" },
  CONSOLE_UNAVAILABLE: { status: 503, title: "The part this console view needs (VPP, microgrid API, site) does not run in this process" },
} as const satisfies ErrorCatalogue;

export const consoleError = errorFactory(CONSOLE_ERRORS);
