export { GridSimulator, PHYSICS_STEP_MS, type GridSimulatorOptions, type DeviceKind } from "./grid-simulator.ts";
export { gridMeterChannels, GRID_METER_CHANNEL_NAMES, type GridMeterChannels, type GridMeterInput } from "./grid-meter.ts";
export { SIM_ERRORS, type SimErrorCode } from "./errors.ts";
export { simTimeAt, clockOf, ManualClock, type SimClock } from "./clock.ts";
export { METER_INTERVAL_MS } from "./meters.ts";
export { sessionAt, evAcceptanceW, SESSION_SLOT_MS, type SessionPlan } from "./charge-points.ts";
export type { DroopSettings, DeviceFault, BatteryStateName } from "./battery.ts";
export type { ForecastPoint } from "./weather.ts";
export type * from "./readings.ts";
