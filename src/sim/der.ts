import type { WindSpec } from "../site/site-file.ts";

/** PV plant output, W, from irradiance (W/m²), with a small derating for hot modules. */
export function pvAvailableW(peakW: number, irradianceWm2: number, temperatureC: number, plantFactor: number): number {
  const cellC = temperatureC + irradianceWm2 * 0.03;
  const thermal = 1 - 0.004 * Math.max(0, cellC - 25);
  return Math.max(0, Math.min(peakW, peakW * (irradianceWm2 / 1000) * thermal * plantFactor));
}

/** Wind turbine power curve: cubic from cut-in to rated, flat to cut-out, stopped beyond. */
export function windAvailableW(spec: Pick<WindSpec, "ratedW" | "cutInMs" | "ratedMs" | "cutOutMs">, windSpeedMs: number): number {
  const { ratedW, cutInMs, ratedMs, cutOutMs } = spec;
  if (windSpeedMs < cutInMs || windSpeedMs >= cutOutMs) return 0;
  if (windSpeedMs >= ratedMs) return ratedW;
  const c3 = cutInMs ** 3;
  return (ratedW * (windSpeedMs ** 3 - c3)) / (ratedMs ** 3 - c3);
}

/** Output after a curtailment limit (null = no limit). */
export function curtailed(availableW: number, limitW: number | null): number {
  return limitW === null ? availableW : Math.min(availableW, limitW);
}
