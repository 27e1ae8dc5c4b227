/** The grid meter's `channels` snapshot (seed 003 names) as a regulation sample. Pure. */
import type { GridSample, Quality } from "./regulation/frequency.ts";

export function gridSampleFromChannels(value: unknown): GridSample | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const c = value as Record<string, unknown>;
  const num = (k: string) => (typeof c[k] === "number" ? (c[k] as number) : Number.NaN);
  const timeMs = typeof c.Timestamp === "string" ? Date.parse(c.Timestamp) : Number.NaN;
  const quality: Quality = c.quality === "GOOD" || c.quality === "STALE" || c.quality === "ERROR" ? c.quality : "ERROR";
  if (!Number.isFinite(timeMs)) return undefined;
  return {
    timeMs,
    frequencyHz: num("Frequency"),
    rocofHzPerS: Number.isFinite(num("Frequency_RoCoF")) ? num("Frequency_RoCoF") : 0,
    voltagesV: [num("Voltage_L1"), num("Voltage_L2"), num("Voltage_L3")].filter(Number.isFinite),
    activePowerW: num("ActivePower"),
    quality,
  };
}
