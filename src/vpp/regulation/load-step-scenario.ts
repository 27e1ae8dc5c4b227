/**
 * The seed 000 load-step scenario on the simulator, without wall time: a load step drops the
 * frequency and one of four strategies answers. Used by the tests (tuning, no oscillation) and by
 * bench/regulation. Deterministic: the simulator is seeded and time moves in 100 ms steps.
 *
 * - `none`: no control, only the area's governors.
 * - `remote`: the VPP's own decision (assess → decide → allocate) on samples taken every
 *   `controlPeriodMs`, its setpoints applied `latencyMs` later (what WoT costs end to end).
 * - `droop`: droop settings pushed to every battery once (embedded runtime); the VPP supervises.
 * - `ideal`: zero-latency control that knows the injected imbalance exactly.
 */
import { GridSimulator } from "../../sim/index.ts";
import type { SiteFile } from "../../site/site-file.ts";
import { assessFrequency, DEFAULT_REGULATION, type RegulationConfig } from "./frequency.ts";
import { decideDispatch, DEFAULT_DISPATCH, INITIAL_DISPATCH_STATE, type DispatchConfig, type DispatchState } from "../dispatch/storage-dispatch.ts";
import { allocate } from "../dispatch/allocation.ts";
import type { BatteryState } from "../dispatch/battery-state.ts";

export type Strategy = "none" | "remote" | "droop" | "ideal";

export interface ScenarioOptions {
  strategy: Strategy;
  loadStepW?: number;
  /** Simulated seconds before the step and after it. */
  preSeconds?: number;
  durationSeconds?: number;
  controlPeriodMs?: number;
  latencyMs?: number;
  regulation?: RegulationConfig;
  dispatch?: DispatchConfig;
  droop?: { deadbandHz: number; droopPercent: number };
  /** Kills this battery (fault) at this many seconds after the step. */
  killBattery?: { id: string; atSeconds: number };
}

export interface ScenarioResult {
  strategy: Strategy;
  nadirHz: number;
  /** Seconds outside ±deadband after the step. */
  secondsOutsideBand: number;
  /** Battery discharge energy after the step, Wh. */
  energyDispatchedWh: number;
  finalFrequencyHz: number;
  commands: number;
  /** Frequency every second after the step (for charts and checks). */
  trace: Array<{ t: number; frequencyHz: number; batteryW: number }>;
  /** Number of times the fleet command changed direction (oscillation check). */
  reversals: number;
}

function batteryStates(sim: GridSimulator): BatteryState[] {
  return sim.batteryIds().map((id) => {
    const r = sim.battery(id);
    return { id, socPercent: r.socPercent, activePowerW: r.activePowerW, targetPowerW: r.targetPowerW, droopPowerW: r.droopPowerW, maxDischargePowerW: r.maxDischargePowerW, maxChargePowerW: r.maxChargePowerW, state: r.state, quality: r.fault ? "ERROR" : "GOOD" };
  });
}

export function runLoadStepScenario(site: SiteFile, options: ScenarioOptions): ScenarioResult {
  const o = { loadStepW: 100_000, preSeconds: 5, durationSeconds: 120, controlPeriodMs: 1000, latencyMs: 0, ...options };
  const regulation = o.regulation ?? { ...DEFAULT_REGULATION, nominalHz: site.grid.nominalFrequencyHz };
  const dispatch = o.dispatch ?? DEFAULT_DISPATCH;
  const sim = new GridSimulator(site);
  sim.step(o.preSeconds);
  const start = sim.time();
  if (o.strategy === "droop") {
    for (const id of sim.batteryIds()) sim.setBatteryDroop(id, { enabled: true, deadbandHz: o.droop?.deadbandHz ?? 0.005, droopPercent: o.droop?.droopPercent ?? 0.2 });
  }
  sim.injectLoadStep(o.loadStepW);
  let state: DispatchState = INITIAL_DISPATCH_STATE;
  const pending: Array<{ atMs: number; setpoints: Array<{ id: string; targetW: number }> }> = [];
  let nadir = Number.POSITIVE_INFINITY;
  let outsideMs = 0;
  let energyWh = 0;
  let commands = 0;
  let reversals = 0;
  let lastDirection = 0;
  let lastFleet = 0;
  const trace: ScenarioResult["trace"] = [];
  const endMs = start + o.durationSeconds * 1000;
  let nextControl = start;
  let killed = false;
  while (sim.time() < endMs) {
    const now = sim.time();
    if (o.killBattery && !killed && now - start >= o.killBattery.atSeconds * 1000) {
      sim.injectDeviceFault(o.killBattery.id, { code: "KILLED", message: "killed by the scenario", critical: false });
      killed = true;
    }
    while (pending.length > 0 && (pending[0] as { atMs: number }).atMs <= now) {
      for (const s of (pending.shift() as { setpoints: Array<{ id: string; targetW: number }> }).setpoints) {
        try {
          sim.setBatteryTarget(s.id, s.targetW);
        } catch {
          // a faulted battery refuses non-zero setpoints: the next decision moves its share
        }
      }
    }
    if (o.strategy === "ideal") {
      const active = batteryStates(sim).filter((b) => b.quality === "GOOD");
      for (const [id, w] of allocate(o.loadStepW, active).setpointsW) sim.setBatteryTarget(id, w);
    } else if (o.strategy === "remote" && now >= nextControl) {
      nextControl += o.controlPeriodMs;
      const p = sim.physics();
      const bs = batteryStates(sim);
      const assessment = assessFrequency({ timeMs: now, frequencyHz: p.frequencyHz, rocofHzPerS: p.rocofHzPerS, quality: "GOOD" }, now, regulation, { batteryW: bs.reduce((s, b) => s + b.activePowerW, 0) });
      const { state: next, decision } = decideDispatch(state, assessment, bs, now, dispatch);
      state = next;
      if (decision.setpoints.length > 0) {
        commands += decision.setpoints.length;
        pending.push({ atMs: now + o.latencyMs, setpoints: decision.setpoints });
        const direction = Math.sign(state.fleetCommandW - lastFleet);
        if (direction !== 0 && lastDirection !== 0 && direction !== lastDirection) reversals++;
        if (direction !== 0) lastDirection = direction;
        lastFleet = state.fleetCommandW;
      }
    }
    sim.step(0.1);
    const p = sim.physics();
    nadir = Math.min(nadir, p.frequencyHz);
    if (Math.abs(p.frequencyHz - regulation.nominalHz) > regulation.deadbandHz) outsideMs += 100;
    const batteryW = p.batteryW;
    if (batteryW > 0) energyWh += (batteryW * 0.1) / 3600;
    if ((sim.time() - start) % 1000 === 0) trace.push({ t: (sim.time() - start) / 1000, frequencyHz: p.frequencyHz, batteryW });
  }
  return { strategy: o.strategy, nadirHz: nadir, secondsOutsideBand: outsideMs / 1000, energyDispatchedWh: energyWh, finalFrequencyHz: sim.physics().frequencyHz, commands, trace, reversals };
}
