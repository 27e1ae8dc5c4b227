/**
 * The virtual grid meter (seed 003): when a site has no physical meter, grid power per phase is
 * computed from the site's own measurements,
 *   grid_Lx = load_Lx + battery_Lx − pv_Lx,
 * where the seed's battery power is positive while charging. Our battery convention is positive
 * for discharge, so here grid_Lx = load_Lx − batteryDischarge_Lx − generation_Lx (PV and wind).
 * Energy registers integrate the computed power between samples. The math is pure
 * (`virtualPhasePower`, `VirtualGridMeter.sample` with explicit instants); `simulatorInputs`
 * gathers the inputs from the simulator's smart meters, charge points, batteries and plants.
 */
import { gridMeterChannels, type GridMeterChannels, type GridSimulator, type Quality } from "../../src/sim/index.ts";
import { emptySnapshot, type GridMeterSnapshot, type GridMeterSource } from "./snapshot.ts";

export type Phases = readonly [number, number, number];

export interface VirtualInputs {
  /** Load per phase as the site's meters measure it, W (import positive). */
  loadW: Phases;
  loadVar: Phases;
  /** Battery power per phase, W, positive = discharge. */
  batteryW: Phases;
  /** PV and wind generation per phase, W (positive = producing). */
  generationW: Phases;
  voltageV: Phases;
  frequencyHz: number;
  rocofHzPerS: number;
  /** Worst quality among the inputs. */
  quality: Quality;
  /** Instant of the inputs, ms. */
  timeMs: number;
}

export function virtualPhasePower(load: Phases, battery: Phases, generation: Phases): [number, number, number] {
  return [0, 1, 2].map((i) => (load[i] as number) - (battery[i] as number) - (generation[i] as number)) as [number, number, number];
}

const WORST: Record<Quality, number> = { GOOD: 0, STALE: 1, ERROR: 2 };

export function worstQuality(a: Quality, b: Quality): Quality {
  return WORST[a] >= WORST[b] ? a : b;
}

export class VirtualGridMeter implements GridMeterSource {
  private readonly listeners = new Set<(s: GridMeterSnapshot) => void>();
  private readonly energy = { importWh: 0, exportWh: 0, reactiveImportVarh: 0, reactiveExportVarh: 0 };
  private last: { channels: GridMeterChannels; timeMs: number; quality: Quality } | undefined;

  constructor(private readonly inputs: () => VirtualInputs) {}

  /** Take one sample: compute the channels and integrate energy since the previous sample. */
  sample(): GridMeterSnapshot {
    const input = this.inputs();
    const active = virtualPhasePower(input.loadW, input.batteryW, input.generationW);
    const previous = this.last;
    if (previous && input.timeMs > previous.timeMs) {
      const hours = (input.timeMs - previous.timeMs) / 3_600_000;
      const p = previous.channels.ActivePower;
      const q = previous.channels.ReactivePower;
      if (p >= 0) this.energy.importWh += p * hours;
      else this.energy.exportWh -= p * hours;
      if (q >= 0) this.energy.reactiveImportVarh += q * hours;
      else this.energy.reactiveExportVarh -= q * hours;
    }
    if (!previous || input.timeMs >= previous.timeMs) {
      const channels = gridMeterChannels({
        activePowerW: active,
        reactivePowerVar: input.loadVar,
        voltageV: input.voltageV,
        frequencyHz: input.frequencyHz,
        rocofHzPerS: input.rocofHzPerS,
        ...this.energy,
      });
      this.last = { channels, timeMs: input.timeMs, quality: input.quality };
    }
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener(snapshot);
    return snapshot;
  }

  snapshot(): GridMeterSnapshot {
    if (!this.last) return emptySnapshot("STALE");
    return { ...this.last.channels, Timestamp: new Date(this.last.timeMs).toISOString(), quality: this.last.quality };
  }

  onChange(listener: (s: GridMeterSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Inputs from the simulator: smart meters summed per phase, three-phase batteries and plants split evenly. */
export function simulatorInputs(sim: GridSimulator): () => VirtualInputs {
  return () => {
    const load = [0, 0, 0];
    const reactive = [0, 0, 0];
    const voltage = [0, 0, 0];
    const count = [0, 0, 0];
    let quality: Quality = "GOOD";
    for (const id of sim.meterIds()) {
      const m = sim.meter(id);
      const i = m.phase - 1;
      load[i]! += m.activePowerW;
      reactive[i]! += m.reactivePowerVar;
      voltage[i]! += m.voltageV;
      count[i]!++;
      quality = worstQuality(quality, m.quality);
    }
    const physics = sim.physics();
    // Sums the active power of one kind of device and folds its readings' quality into the inputs'.
    const total = (ids: string[], read: (id: string) => { activePowerW: number; quality: Quality }): number => {
      let sum = 0;
      for (const id of ids) {
        const r = read(id);
        sum += r.activePowerW;
        quality = worstQuality(quality, r.quality);
      }
      return sum;
    };
    const battery = total(sim.batteryIds(), (id) => sim.battery(id));
    const generation = total(sim.pvIds(), (id) => sim.pv(id)) + total(sim.windIds(), (id) => sim.wind(id));
    // EV charge points are three-phase site load the household meters do not see.
    const charging = total(sim.chargePointIds(), (id) => sim.chargePoint(id));
    const third = (x: number): Phases => [x / 3, x / 3, x / 3];
    const stepPerPhase = (physics.injectedLoadStepW + charging) / 3;
    return {
      loadW: [load[0]! + stepPerPhase, load[1]! + stepPerPhase, load[2]! + stepPerPhase],
      loadVar: [reactive[0]!, reactive[1]!, reactive[2]!],
      batteryW: third(battery),
      generationW: third(generation),
      voltageV: [0, 1, 2].map((i) => (count[i]! > 0 ? voltage[i]! / count[i]! : 0)) as unknown as Phases,
      frequencyHz: physics.frequencyHz,
      rocofHzPerS: physics.rocofHzPerS,
      quality,
      timeMs: sim.time(),
    };
  };
}
