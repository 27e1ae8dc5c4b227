/**
 * The energy-flow totals the Overview draws (OpenEMS/evcc style). Pure.
 *
 * Signs as the README and seed 003 write them: grid meter active power positive = import,
 * negative = export; battery active power positive = discharge, negative = charge; PV and wind
 * positive = generation. The site load is what the energy balance leaves: everything that flows
 * into the site's bus (grid import, generation, battery discharge) is consumed there.
 */

export interface EnergyFlow {
  /** Net grid exchange, W (+ import, − export); null when the grid meter gave no value. */
  gridW: number | null;
  gridImportW: number;
  gridExportW: number;
  pvW: number;
  windW: number;
  /** Net battery output, W (+ discharge, − charge). */
  batteryW: number;
  batteryDischargeW: number;
  batteryChargeW: number;
  /** Site consumption by energy balance, W (≥ 0 in a consistent sample); null without the grid value. */
  loadW: number | null;
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

export function energyFlow(input: { gridW: number | null | undefined; pvW: readonly number[]; windW: readonly number[]; batteryW: readonly number[] }): EnergyFlow {
  const sum = (xs: readonly number[]) => xs.filter(finite).reduce((s, x) => s + x, 0);
  const gridW = finite(input.gridW) ? input.gridW : null;
  const pvW = sum(input.pvW);
  const windW = sum(input.windW);
  const batteries = input.batteryW.filter(finite);
  const batteryDischargeW = batteries.filter((w) => w > 0).reduce((s, w) => s + w, 0);
  const batteryChargeW = batteries.filter((w) => w < 0).reduce((s, w) => s - w, 0);
  const batteryW = batteryDischargeW - batteryChargeW;
  return {
    gridW,
    gridImportW: gridW !== null && gridW > 0 ? gridW : 0,
    gridExportW: gridW !== null && gridW < 0 ? -gridW : 0,
    pvW,
    windW,
    batteryW,
    batteryDischargeW,
    batteryChargeW,
    loadW: gridW === null ? null : gridW + pvW + windW + batteryW,
  };
}
