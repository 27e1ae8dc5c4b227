/** What the VPP knows of one battery, from its TD (`telemetry`) and the ensemble. Pure. */
import type { Quality } from "../regulation/frequency.ts";

export interface BatteryState {
  id: string;
  socPercent: number;
  /** Output now, W (+ discharge). */
  activePowerW: number;
  /** Present setpoint on the device, W. */
  targetPowerW: number;
  /** Part of the output coming from the on-device droop, W. */
  droopPowerW: number;
  /** Seed 004 `max_discharge_power`: discharge available now, W (0 at minimum SoC or on fault). */
  maxDischargePowerW: number;
  /** Charge available now, W (positive number). */
  maxChargePowerW: number;
  state: string;
  quality: Quality;
}

/** Active = answering with good telemetry and not faulted (seed 004 step 2). */
export function isActive(b: BatteryState): boolean {
  return b.quality === "GOOD" && b.state !== "fault" && Number.isFinite(b.socPercent) && Number.isFinite(b.maxDischargePowerW);
}

/** Reads a BESS `telemetry` value (the Thing's own shape) into a BatteryState; undefined when malformed. */
export function batteryStateFromTelemetry(id: string, t: unknown): BatteryState | undefined {
  if (typeof t !== "object" || t === null) return undefined;
  const r = t as Record<string, unknown>;
  const num = (k: string) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : undefined);
  const soc = num("socPercent");
  const maxDis = num("maxDischargePowerW");
  const maxCh = num("maxChargePowerW");
  if (soc === undefined || maxDis === undefined || maxCh === undefined) return undefined;
  const quality = r.quality === "GOOD" || r.quality === "STALE" || r.quality === "ERROR" ? r.quality : "ERROR";
  return {
    id,
    socPercent: soc,
    activePowerW: num("activePowerW") ?? 0,
    targetPowerW: num("targetPowerW") ?? 0,
    droopPowerW: num("droopPowerW") ?? 0,
    maxDischargePowerW: maxDis,
    maxChargePowerW: maxCh,
    state: typeof r.state === "string" ? r.state : "unknown",
    quality,
  };
}
