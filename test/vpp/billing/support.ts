import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamCore } from "../../../src/vpp/metering/meter-stream-core.ts";

export const T0 = Date.parse("2026-06-01T12:00:00Z");

export interface TrueReading {
  sequence: number;
  timeMs: number;
  importWh: number;
  exportWh: number;
  powerW: number;
}

export function payload(meterId: string, r: TrueReading): string {
  return JSON.stringify({ meterId, sequence: r.sequence, timestamp: new Date(r.timeMs).toISOString(), activePowerW: r.powerW, energyImportWh: r.importWh, energyExportWh: r.exportWh, voltageV: 230, quality: "GOOD" });
}

export function core(lateWindowMs = 30 * 24 * 3_600_000): MeterStreamCore {
  const c = new MeterStreamCore({ tariff: flatTariff(), vee: { lateWindowMs } });
  c.place({ id: "m1", region: "north", substation: "s1", feeder: "f1" });
  return c;
}
