/**
 * The grid/site meter channels of seed 003, computed from per-phase values at the point of
 * common coupling. Signs: active power positive = import, negative = export; reactive power
 * IEEE 1459 load convention (positive = inductive). Units as in the seed's channel table.
 */
export type Phases = readonly [number, number, number];

export interface GridMeterInput {
  activePowerW: Phases;
  reactivePowerVar?: Phases;
  voltageV?: Phases;
  frequencyHz?: number;
  rocofHzPerS?: number;
  importWh?: number;
  exportWh?: number;
  reactiveImportVarh?: number;
  reactiveExportVarh?: number;
}

/** Channel names exactly as seed 003 writes them (`grid/{channel}`). */
export interface GridMeterChannels {
  ActivePower: number;
  ActivePower_L1: number;
  ActivePower_L2: number;
  ActivePower_L3: number;
  ReactivePower: number;
  ReactivePower_L1: number;
  ReactivePower_L2: number;
  ReactivePower_L3: number;
  ApparentPower: number;
  PowerFactor: number;
  Frequency: number;
  Frequency_RoCoF: number;
  Voltage_L1: number;
  Voltage_L2: number;
  Voltage_L3: number;
  Current_L1: number;
  Current_L2: number;
  Current_L3: number;
  EnergyImport: number;
  EnergyExport: number;
  EnergyNet: number;
  ReactiveEnergyImport: number;
  ReactiveEnergyExport: number;
}

export const GRID_METER_CHANNEL_NAMES: readonly (keyof GridMeterChannels)[] = [
  "ActivePower", "ActivePower_L1", "ActivePower_L2", "ActivePower_L3",
  "ReactivePower", "ReactivePower_L1", "ReactivePower_L2", "ReactivePower_L3",
  "ApparentPower", "PowerFactor", "Frequency", "Frequency_RoCoF",
  "Voltage_L1", "Voltage_L2", "Voltage_L3", "Current_L1", "Current_L2", "Current_L3",
  "EnergyImport", "EnergyExport", "EnergyNet", "ReactiveEnergyImport", "ReactiveEnergyExport",
];

/**
 * Pure: per-phase P, Q, V → every seed 003 channel. Totals are the sums of the phases;
 * ApparentPower is |P + jQ| of the totals; PowerFactor = P/S (negative while exporting, 1 at
 * zero flow); Current_Lx = |Px + jQx| / Vx.
 */
export function gridMeterChannels(input: GridMeterInput): GridMeterChannels {
  const [p1, p2, p3] = input.activePowerW;
  const [q1, q2, q3] = input.reactivePowerVar ?? [0, 0, 0];
  const [v1, v2, v3] = input.voltageV ?? [230, 230, 230];
  const p = p1 + p2 + p3;
  const q = q1 + q2 + q3;
  const s = Math.hypot(p, q);
  const current = (pp: number, qq: number, v: number): number => (v > 0 ? Math.hypot(pp, qq) / v : 0);
  const importKWh = (input.importWh ?? 0) / 1000;
  const exportKWh = (input.exportWh ?? 0) / 1000;
  return {
    ActivePower: p,
    ActivePower_L1: p1,
    ActivePower_L2: p2,
    ActivePower_L3: p3,
    ReactivePower: q,
    ReactivePower_L1: q1,
    ReactivePower_L2: q2,
    ReactivePower_L3: q3,
    ApparentPower: s,
    PowerFactor: s > 0 ? p / s : 1,
    Frequency: input.frequencyHz ?? 60,
    Frequency_RoCoF: input.rocofHzPerS ?? 0,
    Voltage_L1: v1,
    Voltage_L2: v2,
    Voltage_L3: v3,
    Current_L1: current(p1, q1, v1),
    Current_L2: current(p2, q2, v2),
    Current_L3: current(p3, q3, v3),
    EnergyImport: importKWh,
    EnergyExport: exportKWh,
    EnergyNet: importKWh - exportKWh,
    ReactiveEnergyImport: (input.reactiveImportVarh ?? 0) / 1000,
    ReactiveEnergyExport: (input.reactiveExportVarh ?? 0) / 1000,
  };
}
