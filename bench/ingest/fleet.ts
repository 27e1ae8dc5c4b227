/** The benchmark's meter fleet and readings, shared by run.ts, worker.ts and core-only.ts. */
import type { MeterPlacementInfo } from "../../src/vpp/metering/types.ts";

export const BENCH_T0 = Date.parse("2026-06-01T11:55:00Z");
export const BENCH_NOW = BENCH_T0 + 86_400_000;

export function benchFleet(meters: number): MeterPlacementInfo[] {
  return Array.from({ length: meters }, (_, i) => ({ id: `meter-${i}`, region: `r${i % 4}`, substation: `s${i % 20}`, feeder: `f${i % 200}` }));
}

export function benchPayload(meterId: string, k: number, i: number): string {
  const wh = 5 + (i % 17);
  return JSON.stringify({ meterId, sequence: k, timestamp: new Date(BENCH_T0 + k * 15_000 + (i % 15_000)).toISOString(), activePowerW: wh * 240, energyImportWh: 1000 + k * wh, energyExportWh: 0, voltageV: 230.1, quality: "GOOD" });
}
