import { listMeters, type MeterPlacement, type SiteFile } from "../site/site-file.ts";
import { centered, uniform } from "./prng.ts";
import { profileW, weekendness, type ProfileKind } from "./load-profiles.ts";
import { localSolarTime } from "./solar.ts";

/** Meters hold their power constant over fixed 15 s intervals (seed 000's AMI interval). */
export const METER_INTERVAL_MS = 15_000;

const PROFILES: readonly ProfileKind[] = ["residential", "commercial", "industrial"];
const S_SCALE = 11;
const S_PF = 12;
const S_PV = 13;
const S_PV_SIZE = 14;
const S_VOLT = 15;
const S_JITTER = 16;
const S_SPIKE = 17;
const S_SPIKE_SIZE = 18;
const S_VNOISE = 19;
const S_REG = 20;
const SERVICE_RESISTANCE_OHM = 0.04;
/** Interval-to-interval spread per family: households jump around, factories run steady. */
const JITTER = [0.2, 0.08, 0.04] as const;
const SPIKE_PROBABILITY = 0.04;
const SPIKE_MIN_W = 300;
const SPIKE_SPAN_W = 1700;
const ROOFTOP_PV_DERATE = 0.85;

/** What a meter's power depends on in one interval, shared by every meter. */
export interface IntervalContext {
  profileW: [number, number, number];
  irradianceWm2: number;
}

export interface MeterSample {
  activePowerW: number;
  reactivePowerVar: number;
  loadW: number;
  rooftopPvW: number;
}

export interface MeterAggregate {
  /** Net active power per phase L1..L3 (consumption minus rooftop PV), W. */
  activeW: [number, number, number];
  reactiveVar: [number, number, number];
  /** Gross consumption and rooftop PV of all meters, W. */
  loadW: number;
  rooftopPvW: number;
}

/**
 * Every smart meter of the site, evaluated lazily: a meter's power in interval k is a pure
 * function of (seed, meter index, k); its energy registers are the exact integral of that
 * piecewise-constant power, summed interval by interval in order and memoised per meter so a
 * read costs only the intervals since the previous read.
 */
export class MeterFleet {
  readonly placements: MeterPlacement[];
  private readonly byId = new Map<string, number>();
  private readonly profileCode: Uint8Array;
  private readonly phaseIndex: Uint8Array;
  private readonly scale: Float64Array;
  private readonly tanPhi: Float64Array;
  private readonly pvPeakW: Float64Array;
  private readonly voltOffset: Float64Array;
  private readonly regUpToMs: Float64Array;
  private readonly regImportWh: Float64Array;
  private readonly regExportWh: Float64Array;
  private readonly contexts = new Map<number, IntervalContext>();
  /** Σ scale per profile family and Σ rooftop PV peak: the expected fleet power in O(1). */
  private readonly scaleSum: [number, number, number] = [0, 0, 0];
  private readonly residentialCount: number;
  private rooftopPeakSumW = 0;
  private readonly aggregates = new Map<number, MeterAggregate>();

  constructor(
    private readonly seed: number,
    site: SiteFile,
    startMs: number,
    private readonly context: (k: number) => IntervalContext,
  ) {
    this.placements = listMeters(site);
    const n = this.placements.length;
    this.profileCode = new Uint8Array(n);
    this.phaseIndex = new Uint8Array(n);
    this.scale = new Float64Array(n);
    this.tanPhi = new Float64Array(n);
    this.pvPeakW = new Float64Array(n);
    this.voltOffset = new Float64Array(n);
    this.regUpToMs = new Float64Array(n).fill(startMs);
    this.regImportWh = new Float64Array(n);
    this.regExportWh = new Float64Array(n);
    this.residentialCount = this.placements.filter((m) => m.profile === "residential").length;
    for (const m of this.placements) {
      const i = m.index;
      this.byId.set(m.id, i);
      const code = PROFILES.indexOf(m.profile);
      this.profileCode[i] = code;
      this.phaseIndex[i] = m.phase - 1;
      this.scale[i] = 0.6 + 0.8 * uniform(seed, S_SCALE, i);
      const pf = 0.9 + 0.08 * uniform(seed, S_PF, i);
      this.tanPhi[i] = Math.tan(Math.acos(pf));
      const pvShare = code === 0 ? 0.3 : code === 1 ? 0.2 : 0;
      if (uniform(seed, S_PV, i) < pvShare) {
        this.pvPeakW[i] = code === 0 ? 3000 + 5000 * uniform(seed, S_PV_SIZE, i) : 8000 + 17000 * uniform(seed, S_PV_SIZE, i);
      }
      this.voltOffset[i] = 0.015 * centered(seed, S_VOLT, i);
      this.scaleSum[code as 0 | 1 | 2] += this.scale[i]!;
      this.rooftopPeakSumW += this.pvPeakW[i]!;
      // Meters in the field are not new: seeded register readings at the start.
      this.regImportWh[i] = Math.round(2_000_000 * uniform(seed, S_REG, i, 1) * (code + 1));
      this.regExportWh[i] = this.pvPeakW[i]! > 0 ? Math.round(1_500_000 * uniform(seed, S_REG, i, 2)) : 0;
    }
  }

  get count(): number {
    return this.placements.length;
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  phaseOf(i: number): 1 | 2 | 3 {
    return (this.phaseIndex[i]! + 1) as 1 | 2 | 3;
  }

  hasRooftopPv(i: number): boolean {
    return this.pvPeakW[i]! > 0;
  }

  private ctx(k: number): IntervalContext {
    let c = this.contexts.get(k);
    if (c === undefined) {
      if (this.contexts.size > 4096) this.contexts.clear();
      c = this.context(k);
      this.contexts.set(k, c);
    }
    return c;
  }

  sample(i: number, k: number): MeterSample {
    const c = this.ctx(k);
    const code = this.profileCode[i]!;
    let loadW = c.profileW[code as 0 | 1 | 2] * this.scale[i]! * (1 + JITTER[code]! * centered(this.seed, S_JITTER, i, k));
    // Residential appliances (kettle, oven, EV plug-in) switch on for an interval now and then.
    if (code === 0 && uniform(this.seed, S_SPIKE, i, k) < SPIKE_PROBABILITY) loadW += SPIKE_MIN_W + SPIKE_SPAN_W * uniform(this.seed, S_SPIKE_SIZE, i, k);
    const rooftopPvW = this.pvPeakW[i]! > 0 ? this.pvPeakW[i]! * Math.min(1, c.irradianceWm2 / 1000) * ROOFTOP_PV_DERATE : 0;
    return {
      activePowerW: loadW - rooftopPvW,
      reactivePowerVar: loadW * this.tanPhi[i]!,
      loadW,
      rooftopPvW,
    };
  }

  voltage(i: number, k: number, activePowerW: number, nominalV: number): number {
    return nominalV * (1 + this.voltOffset[i]!) - (activePowerW * SERVICE_RESISTANCE_OHM) / nominalV + 0.4 * centered(this.seed, S_VNOISE, i, k);
  }

  /** Expected (mean) net power of all meters in interval k, W: what a dispatcher schedules for. */
  expectedW(k: number): number {
    const c = this.ctx(k);
    const spikes = this.residentialCount * SPIKE_PROBABILITY * (SPIKE_MIN_W + SPIKE_SPAN_W / 2);
    const rooftop = this.rooftopPeakSumW * Math.min(1, c.irradianceWm2 / 1000) * ROOFTOP_PV_DERATE;
    return c.profileW[0] * this.scaleSum[0] + c.profileW[1] * this.scaleSum[1] + c.profileW[2] * this.scaleSum[2] + spikes - rooftop;
  }

  /** Import and export registers, Wh, at `timeMs` (never earlier than the previous call for this meter). */
  registers(i: number, timeMs: number): { importWh: number; exportWh: number } {
    let upTo = this.regUpToMs[i]!;
    let imp = this.regImportWh[i]!;
    let exp = this.regExportWh[i]!;
    let k = Math.floor(upTo / METER_INTERVAL_MS);
    let boundary = (k + 1) * METER_INTERVAL_MS;
    while (boundary <= timeMs) {
      const p = this.sample(i, k).activePowerW;
      const wh = (p * (boundary - upTo)) / 3_600_000;
      if (wh >= 0) imp += wh;
      else exp -= wh;
      upTo = boundary;
      k += 1;
      boundary += METER_INTERVAL_MS;
    }
    this.regUpToMs[i] = upTo;
    this.regImportWh[i] = imp;
    this.regExportWh[i] = exp;
    if (timeMs > upTo) {
      const p = this.sample(i, k).activePowerW;
      const wh = (p * (timeMs - upTo)) / 3_600_000;
      if (wh >= 0) imp += wh;
      else exp -= wh;
    }
    return { importWh: imp, exportWh: exp };
  }

  /** Sum over all meters in interval k (computed once per interval, kept for a few intervals). */
  aggregate(k: number): MeterAggregate {
    let a = this.aggregates.get(k);
    if (a !== undefined) return a;
    const activeW: [number, number, number] = [0, 0, 0];
    const reactiveVar: [number, number, number] = [0, 0, 0];
    let loadW = 0;
    let rooftopPvW = 0;
    for (let i = 0; i < this.placements.length; i++) {
      const s = this.sample(i, k);
      const ph = this.phaseIndex[i]! as 0 | 1 | 2;
      activeW[ph] += s.activePowerW;
      reactiveVar[ph] += s.reactivePowerVar;
      loadW += s.loadW;
      rooftopPvW += s.rooftopPvW;
    }
    a = { activeW, reactiveVar, loadW, rooftopPvW };
    if (this.aggregates.size >= 8) {
      const oldest = this.aggregates.keys().next().value;
      if (oldest !== undefined) this.aggregates.delete(oldest);
    }
    this.aggregates.set(k, a);
    return a;
  }
}

/** Per-profile mean power and irradiance for interval k (the meter fleet's shared context). */
export function intervalContext(k: number, longitudeDeg: number, irradianceWm2: number): IntervalContext {
  const t = k * METER_INTERVAL_MS;
  const { hour, weekday } = localSolarTime(t, longitudeDeg);
  const weekend = weekendness(hour, weekday);
  return {
    profileW: [profileW("residential", hour, weekend), profileW("commercial", hour, weekend), profileW("industrial", hour, weekend)],
    irradianceWm2,
  };
}
