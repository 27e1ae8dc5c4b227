import { errorFactory, type ErrorCatalogue } from "../../errors/coded-error.ts";

/** Stable error codes of the VPP's time-series history. */
export const HISTORY_ERRORS = {
  HISTORY_BAD_ARGUMENT: { status: 400, title: "A history query or point got an invalid value (series, instants, range, points)" },
  HISTORY_SERIES_NOT_FOUND: { status: 404, title: "No such series in the history (name and thingId)" },
  HISTORY_STORE_FAILED: { status: 500, title: "The history store could not write or read (closed, disk, SQLite)" },
} as const satisfies ErrorCatalogue;

export const historyError = errorFactory(HISTORY_ERRORS);
