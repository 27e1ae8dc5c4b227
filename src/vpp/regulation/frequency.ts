/**
 * Frequency regulation (seed 000 `freq_regulate`): deviation from nominal, rate of change, and the
 * generation–load imbalance. Pure; the caller passes samples with their own timestamps.
 *
 * Sign: imbalance = generation − load, so a positive imbalance is a surplus (frequency rises) and
 * a negative one a deficit. The frequency estimate uses the area's frequency response
 * characteristic (W/Hz): in quasi-steady state Δf = imbalance / stiffness.
 */
import { vppError } from "../errors.ts";

export type Quality = "GOOD" | "STALE" | "ERROR";

export interface GridSample {
  /** Instant of the measurement, ms since epoch (the meter's `Timestamp`). */
  timeMs: number;
  frequencyHz: number;
  rocofHzPerS: number;
  /** Phase voltages, V (for incident detection). */
  voltagesV?: readonly number[];
  /** Site import at the grid meter, W (+ import). */
  activePowerW?: number;
  quality: Quality;
}

export interface RegulationConfig {
  nominalHz: number;
  /** Seed 000: storage dispatch only when |Δf| exceeds this, Hz. */
  deadbandHz: number;
  /** Area frequency response characteristic, W/Hz (β·S/f0). */
  stiffnessWPerHz: number;
  /** |RoCoF| below this counts as settled, Hz/s. */
  settledRocofHzPerS: number;
  /** A sample older than this is not acted on, ms. */
  maxSampleAgeMs: number;
}

export const DEFAULT_REGULATION: RegulationConfig = {
  nominalHz: 60,
  deadbandHz: 0.02,
  stiffnessWPerHz: 2_100_000,
  settledRocofHzPerS: 0.004,
  maxSampleAgeMs: 5000,
};

export interface DerSnapshot {
  /** Aggregated demand from the meter stream, W (absent before the first aggregate). */
  aggregatedLoadW?: number;
  /** PV + wind output, W. */
  renewableW?: number;
  /** Battery output now, W (+ discharge). */
  batteryW?: number;
}

export interface FrequencyAssessment {
  timeMs: number;
  deviationHz: number;
  rocofHzPerS: number;
  /** Seed 000 condition `abs(freq_deviation) > 0.02`. */
  outsideBand: boolean;
  settled: boolean;
  /** Residual imbalance seen in the frequency, W (generation − load). */
  residualImbalanceW: number;
  /** Imbalance before the batteries' present output: what the batteries must cover, W. */
  imbalanceW: number;
  /** Local balance from aggregation and DER outputs, W (renewables + batteries − demand), when known. */
  localBalanceW: number | undefined;
  usable: boolean;
  /** Why the sample is not usable (stale, bad quality, not a number). */
  unusableReason?: "QUALITY" | "STALE_SAMPLE" | "NOT_A_NUMBER";
}

export function validateRegulationConfig(c: RegulationConfig): RegulationConfig {
  const positive = (name: keyof RegulationConfig) => {
    if (!(typeof c[name] === "number" && Number.isFinite(c[name]) && c[name] > 0)) throw vppError("VPP_BAD_ARGUMENT", `regulation ${name} must be a positive number, got ${String(c[name])}`);
  };
  for (const k of ["nominalHz", "deadbandHz", "stiffnessWPerHz", "settledRocofHzPerS", "maxSampleAgeMs"] as const) positive(k);
  return c;
}

/** One regulation step over a grid sample at instant `nowMs`. */
export function assessFrequency(sample: GridSample, nowMs: number, config: RegulationConfig = DEFAULT_REGULATION, der: DerSnapshot = {}): FrequencyAssessment {
  const deviationHz = sample.frequencyHz - config.nominalHz;
  const batteryW = der.batteryW ?? 0;
  const residualImbalanceW = deviationHz * config.stiffnessWPerHz;
  const localBalanceW = der.aggregatedLoadW === undefined ? undefined : (der.renewableW ?? 0) + batteryW - der.aggregatedLoadW;
  let unusableReason: FrequencyAssessment["unusableReason"];
  if (!Number.isFinite(sample.frequencyHz) || !Number.isFinite(sample.rocofHzPerS) || !Number.isFinite(sample.timeMs)) unusableReason = "NOT_A_NUMBER";
  else if (sample.quality !== "GOOD") unusableReason = "QUALITY";
  else if (nowMs - sample.timeMs > config.maxSampleAgeMs) unusableReason = "STALE_SAMPLE";
  const usable = unusableReason === undefined;
  return {
    timeMs: sample.timeMs,
    deviationHz,
    rocofHzPerS: sample.rocofHzPerS,
    // 1e-9 Hz of slack: 60 − 59.98 is 0.0200000000000031 in binary floating point.
    outsideBand: usable && Math.abs(deviationHz) > config.deadbandHz + 1e-9,
    settled: Math.abs(sample.rocofHzPerS) < config.settledRocofHzPerS,
    residualImbalanceW,
    imbalanceW: residualImbalanceW - batteryW,
    localBalanceW,
    usable,
    ...(unusableReason ? { unusableReason } : {}),
  };
}
