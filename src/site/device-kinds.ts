/** The kinds of device a site runs (and `gridthings device <kind>` names); no imports, so the CLI's help stays fast. */
export type DeviceKind = "smart-meter" | "grid-meter" | "bess" | "pv" | "wind" | "weather" | "sim-control" | "charge-point";
export const DEVICE_KINDS: readonly DeviceKind[] = ["smart-meter", "grid-meter", "bess", "pv", "wind", "weather", "sim-control", "charge-point"];
