import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Error codes of the microgrid REST surface (the domain's are in src/microgrid/errors.ts). */
export const MICROGRID_API_ERRORS = {
  MICROGRID_UNAUTHENTICATED: { status: 401, title: "A valid bearer token is required" },
  MICROGRID_FORBIDDEN: { status: 403, title: "Microgrid commands need the operator role" },
} as const satisfies ErrorCatalogue;

export const apiFail = errorFactory(MICROGRID_API_ERRORS);
