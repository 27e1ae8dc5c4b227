import { errorFactory, type ErrorCatalogue } from "../../src/errors/coded-error.ts";

/** Stable error codes of the grid/site meter (adapter, stand-in, virtual meter). */
export const GRID_METER_ERRORS = {
  GRID_METER_MAP_INCOMPLETE: { status: 500, title: "The register map does not feed every seed 003 channel the adapter cannot derive" },
  GRID_METER_CONFIG_INVALID: { status: 500, title: "Grid meter configuration is invalid (poll period, unit id, host)" },
} as const satisfies ErrorCatalogue;

export const gridMeterError = errorFactory(GRID_METER_ERRORS);
