/**
 * Storage dispatch (seed 000 `storage_dispatch`, seed 004 steps 3–6), one decision per regulation
 * step. Pure: the state goes in and comes out.
 *
 * - Acts only when |Δf| > deadband (seed 000's condition); inside the band the fleet command is
 *   held (hysteresis: releasing it because frequency is back would bring the deviation back).
 *   A command is reduced when frequency leaves the band on the other side.
 * - Sizing: the batteries must cover their present output minus the residual imbalance seen in
 *   the frequency (Δf × stiffness). Frequency lags power, so a full re-size waits for a settled
 *   frequency; before that, only a first response of `transientGain` of it is sent.
 * - Allocation within each battery's limit and state of charge; each setpoint ramped; changes below
 *   `minChangeW` are not sent; at most one command per `minCommandIntervalMs`.
 * - When the set of active batteries changes, the held fleet command is re-allocated at once, so a
 *   battery that leaves has its share moved to the others.
 */
import type { FrequencyAssessment } from "../regulation/frequency.ts";
import { allocate } from "./allocation.ts";
import { isActive, type BatteryState } from "./battery-state.ts";

export interface DispatchConfig {
  minCommandIntervalMs: number;
  /** Largest setpoint change per battery per second, W/s. */
  rampWPerS: number;
  minChangeW: number;
  /** Share of the estimate sent before the frequency has settled (0..1). */
  transientGain: number;
}

export const DEFAULT_DISPATCH: DispatchConfig = { minCommandIntervalMs: 2000, rampWPerS: 200_000, minChangeW: 500, transientGain: 0.5 };

export interface DispatchState {
  mode: "idle" | "regulating";
  /** Fleet command, W (+ discharge). */
  fleetCommandW: number;
  /** Last setpoint sent per battery, W. */
  setpointsW: Readonly<Record<string, number>>;
  lastCommandMs: number | undefined;
}

export const INITIAL_DISPATCH_STATE: DispatchState = { mode: "idle", fleetCommandW: 0, setpointsW: {}, lastCommandMs: undefined };

export type DispatchReason =
  | "INSIDE_BAND"
  | "HOLD_INSIDE_BAND"
  | "SAMPLE_UNUSABLE"
  | "RATE_LIMITED"
  | "TRANSIENT_RESPONSE"
  | "UNSETTLED"
  | "RESIZED"
  | "NO_CHANGE"
  | "ENSEMBLE_CHANGED"
  | "RELEASED"
  | "NO_ACTIVE_BATTERY"
  | "AWAITING_NEWER_SAMPLE";

export interface Setpoint {
  id: string;
  targetW: number;
  previousW: number;
}

export interface DispatchDecision {
  reason: DispatchReason;
  /** Seed 004 step 3: Σ max_discharge_power of active batteries, W. */
  availableCapacityW: number;
  availableChargeW: number;
  /** Seed 004 step 5 input: what the batteries should deliver, W (+ discharge). */
  requiredW: number;
  /** Seed 004 step 4: available capacity − requirement, W (negative = deficit). */
  netImbalanceW: number;
  /** Seed 004 step 5: the fleet command, W, within what is available. */
  commandW: number;
  /** Seed 004 step 6: setpoints to write (only those that change). */
  setpoints: Setpoint[];
  activeIds: string[];
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function decideDispatch(
  state: DispatchState,
  assessment: FrequencyAssessment,
  batteries: readonly BatteryState[],
  nowMs: number,
  config: DispatchConfig = DEFAULT_DISPATCH,
): { state: DispatchState; decision: DispatchDecision } {
  const active = batteries.filter(isActive);
  const activeIds = active.map((b) => b.id).sort();
  const availableCapacityW = active.reduce((s, b) => s + Math.max(0, b.maxDischargePowerW), 0);
  const availableChargeW = active.reduce((s, b) => s + Math.max(0, b.maxChargePowerW), 0);
  const deliveredW = active.reduce((s, b) => s + b.activePowerW - b.droopPowerW, 0);
  const estimateW = deliveredW - assessment.residualImbalanceW;
  const clampFleet = (w: number) => Math.max(-availableChargeW, Math.min(availableCapacityW, w));
  const base = { availableCapacityW, availableChargeW, activeIds };
  const hold = (reason: DispatchReason, requiredW = state.fleetCommandW) => ({
    state,
    decision: { ...base, reason, requiredW, netImbalanceW: availableCapacityW - requiredW, commandW: state.fleetCommandW, setpoints: [] },
  });

  if (!assessment.usable) return hold("SAMPLE_UNUSABLE");
  const ensembleChanged = state.mode === "regulating" && !sameIds(activeIds, Object.keys(state.setpointsW).sort());
  // What the batteries that left were told to deliver: no longer in `deliveredW`, and not yet in the
  // frequency either (an inverter holds its setpoint a while), so the estimate alone would lose it.
  const departedW = ensembleChanged ? Object.entries(state.setpointsW).filter(([id]) => !activeIds.includes(id)).reduce((s, [, w]) => s + w, 0) : 0;

  // The grid meter may be read more often than it samples: a decision already made on this sample
  // has no ramp time left, so a change of ensemble waits for the next sample instead of being
  // taken with no setpoint moved (which would drop the share of the battery that left).
  if (ensembleChanged && state.lastCommandMs !== undefined && nowMs <= state.lastCommandMs) return hold("AWAITING_NEWER_SAMPLE");

  let requiredW = state.fleetCommandW;
  let reason: DispatchReason;
  if (assessment.outsideBand) {
    if (state.lastCommandMs !== undefined && nowMs - state.lastCommandMs < config.minCommandIntervalMs && !ensembleChanged) return hold("RATE_LIMITED", estimateW);
    if (assessment.settled) {
      requiredW = estimateW + departedW;
      reason = "RESIZED";
    } else if (state.mode === "idle") {
      // First response of an excursion: part of the estimate at once, the rest once settled.
      requiredW = deliveredW + config.transientGain * (estimateW - deliveredW);
      reason = "TRANSIENT_RESPONSE";
    } else if (ensembleChanged) {
      reason = "ENSEMBLE_CHANGED"; // the held command, re-allocated now; a re-size waits for a settled frequency
    } else {
      return hold("UNSETTLED", estimateW);
    }
  } else if (ensembleChanged) {
    reason = "ENSEMBLE_CHANGED";
  } else {
    return hold(state.mode === "regulating" ? "HOLD_INSIDE_BAND" : "INSIDE_BAND", estimateW);
  }

  if (active.length === 0) {
    const next: DispatchState = { ...state, fleetCommandW: 0, setpointsW: {}, mode: "idle" };
    return { state: next, decision: { ...base, reason: "NO_ACTIVE_BATTERY", requiredW, netImbalanceW: -requiredW, commandW: 0, setpoints: [] } };
  }

  const commandW = clampFleet(requiredW);
  const { setpointsW: wanted } = allocate(commandW, active);
  const dtS = state.lastCommandMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, nowMs - state.lastCommandMs) / 1000;
  const maxMove = config.rampWPerS * dtS;
  const setpoints: Setpoint[] = [];
  const nextSetpoints: Record<string, number> = {};
  for (const b of active) {
    const previousW = state.setpointsW[b.id] ?? b.targetPowerW;
    const desired = wanted.get(b.id) ?? 0;
    const targetW = previousW + Math.max(-maxMove, Math.min(maxMove, desired - previousW));
    nextSetpoints[b.id] = targetW;
    if (Math.abs(targetW - previousW) >= config.minChangeW) setpoints.push({ id: b.id, targetW, previousW });
  }
  const sentW = Object.values(nextSetpoints).reduce((s, w) => s + w, 0);
  const released = Math.abs(sentW) < config.minChangeW;
  if (setpoints.length === 0 && !ensembleChanged) {
    return { state: { ...state, mode: released ? "idle" : "regulating" }, decision: { ...base, reason: "NO_CHANGE", requiredW, netImbalanceW: availableCapacityW - requiredW, commandW: state.fleetCommandW, setpoints: [] } };
  }
  const next: DispatchState = { mode: released ? "idle" : "regulating", fleetCommandW: sentW, setpointsW: nextSetpoints, lastCommandMs: nowMs };
  return {
    state: next,
    decision: { ...base, reason: released && reason !== "ENSEMBLE_CHANGED" ? "RELEASED" : reason, requiredW, netImbalanceW: availableCapacityW - requiredW, commandW: sentW, setpoints },
  };
}

/**
 * At start (or after a restart of the VPP) the devices may still hold setpoints from before:
 * adopt them as the fleet command, so the hysteresis holds them instead of reading a
 * mismatched state.
 */
export function adoptSetpoints(batteries: readonly BatteryState[], minChangeW = DEFAULT_DISPATCH.minChangeW): DispatchState {
  const held = batteries.filter((b) => isActive(b) && Math.abs(b.targetPowerW) >= minChangeW);
  if (held.length === 0) return INITIAL_DISPATCH_STATE;
  const setpointsW = Object.fromEntries(batteries.filter(isActive).map((b) => [b.id, b.targetPowerW]));
  return { mode: "regulating", fleetCommandW: Object.values(setpointsW).reduce((s, w) => s + w, 0), setpointsW, lastCommandMs: undefined };
}
