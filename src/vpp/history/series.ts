/** The vocabulary of the history: which series exist, their units, groups and who may read them. Pure. */

/** How the console groups series in its picker. */
export type SeriesGroup = "grid" | "fleet" | "batteries" | "plants" | "demand" | "meters";

/** One numeric value at one (simulated) instant. `thingId` is the Thing, or the group key of an aggregate. */
export interface HistoryPoint {
  name: string;
  thingId: string | null;
  /** ms since epoch: the reading's own (simulated) instant. */
  atMs: number;
  value: number;
}

export interface SeriesDefinition {
  unit: string;
  group: SeriesGroup;
  label: string;
  /** Household data (one smart meter): privileged-reader or operator only. */
  privileged: boolean;
}

/** Every series the recorder writes. A name outside this table is refused. */
export const SERIES: Readonly<Record<string, SeriesDefinition>> = {
  "grid.frequency": { unit: "Hz", group: "grid", label: "Grid frequency", privileged: false },
  "grid.rocof": { unit: "Hz/s", group: "grid", label: "Rate of change of frequency", privileged: false },
  "grid.deviation": { unit: "Hz", group: "grid", label: "Frequency deviation from nominal", privileged: false },
  "grid.activePower": { unit: "W", group: "grid", label: "Grid meter active power (+ import)", privileged: false },
  "grid.voltageL1": { unit: "V", group: "grid", label: "Grid voltage L1", privileged: false },
  "grid.voltageL2": { unit: "V", group: "grid", label: "Grid voltage L2", privileged: false },
  "grid.voltageL3": { unit: "V", group: "grid", label: "Grid voltage L3", privileged: false },
  "fleet.command": { unit: "W", group: "fleet", label: "Fleet discharge command", privileged: false },
  "fleet.batteryPower": { unit: "W", group: "fleet", label: "Fleet battery output (+ discharge)", privileged: false },
  "fleet.imbalance": { unit: "W", group: "fleet", label: "Imbalance the batteries must cover", privileged: false },
  "fleet.localBalance": { unit: "W", group: "fleet", label: "Local balance (renewables + batteries − demand)", privileged: false },
  "battery.soc": { unit: "%", group: "batteries", label: "State of charge", privileged: false },
  "battery.activePower": { unit: "W", group: "batteries", label: "Battery active power (+ discharge)", privileged: false },
  "battery.setpoint": { unit: "W", group: "batteries", label: "Battery setpoint", privileged: false },
  "battery.maxDischarge": { unit: "W", group: "batteries", label: "Discharge available", privileged: false },
  "plant.activePower": { unit: "W", group: "plants", label: "Plant output", privileged: false },
  "plant.availablePower": { unit: "W", group: "plants", label: "Plant output available (uncurtailed)", privileged: false },
  "plant.forecast": { unit: "W", group: "plants", label: "Plant output forecast", privileged: false },
  "plants.pv": { unit: "W", group: "plants", label: "PV output, all plants", privileged: false },
  "plants.wind": { unit: "W", group: "plants", label: "Wind output, all plants", privileged: false },
  "demand.total": { unit: "W", group: "demand", label: "Aggregated demand, whole site", privileged: false },
  "demand.region": { unit: "W", group: "demand", label: "Aggregated demand by region", privileged: false },
  "demand.substation": { unit: "W", group: "demand", label: "Aggregated demand by substation", privileged: false },
  "demand.feeder": { unit: "W", group: "demand", label: "Aggregated demand by feeder", privileged: false },
  "meter.activePower": { unit: "W", group: "meters", label: "Smart meter active power (household)", privileged: true },
};

export function seriesDefinition(name: string): SeriesDefinition | undefined {
  return Object.hasOwn(SERIES, name) ? SERIES[name] : undefined;
}
