import { errorFactory, type ErrorCatalogue } from "../errors/coded-error.ts";

/** Stable error codes of the grid simulator (`src/sim`). The README lists each one. */
export const SIM_ERRORS = {
  SIM_INVALID_SITE: { status: 400, title: "The site file cannot be simulated (a rating, limit or physics value is out of range)" },
  SIM_INVALID_START_TIME: { status: 400, title: "No valid simulated start time (give startTimeMs or the site file's startTime)" },
  SIM_UNKNOWN_DEVICE: { status: 404, title: "No simulated device has this id" },
  SIM_WRONG_DEVICE_KIND: { status: 400, title: "The device exists but is of another kind than the operation needs" },
  SIM_INVALID_VALUE: { status: 400, title: "A value is not a finite number or is outside its allowed range" },
  SIM_TIME_BACKWARDS: { status: 409, title: "Simulated time only moves forward" },
  SIM_DEVICE_FAULTED: { status: 409, title: "The device is in a hardware fault and refuses a non-zero setpoint" },
} as const satisfies ErrorCatalogue;

export type SimErrorCode = keyof typeof SIM_ERRORS;

export const simError = errorFactory(SIM_ERRORS);

/** Throws SIM_INVALID_VALUE unless `value` is a finite number within [min, max]. */
export function requireFinite(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw simError("SIM_INVALID_VALUE", `${name} must be a finite number in [${min}, ${max}], got ${String(value)}`, {
      name,
      value: typeof value === "number" ? value : String(value),
    });
  }
  return value;
}
