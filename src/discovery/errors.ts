import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Stable error codes of the discovery client. */
export const DISCOVERY_ERRORS = {
  DIRECTORY_UNREACHABLE: { status: 502, title: "The directory could not be reached" },
  DIRECTORY_REFUSED: { status: 502, title: "The directory answered with an error" },
  DISCOVERY_BAD_ARGUMENT: { status: 400, title: "A discovery client call got an invalid argument" },
} as const satisfies ErrorCatalogue;

export const discoveryError = errorFactory(DISCOVERY_ERRORS);
