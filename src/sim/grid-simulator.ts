import type { PvSpec, SiteFile, WindSpec } from "../site/site-file.ts";
import { BatteryUnit, type DeviceFault, type DroopSettings } from "./battery.ts";
import { ChargePointUnit } from "./charge-points.ts";
import { curtailed, pvAvailableW, windAvailableW } from "./der.ts";
import { requireFinite, simError } from "./errors.ts";
import { gridMeterChannels } from "./grid-meter.ts";
import { backgroundShape } from "./load-profiles.ts";
import { intervalContext, METER_INTERVAL_MS, MeterFleet, type MeterAggregate } from "./meters.ts";
import { uniform } from "./prng.ts";
import type { BatteryReading, ChargePointReading, DerReading, GridMeterReading, MeterReading, PhysicsState, Stamped, WeatherReading } from "./readings.ts";
import { localSolarTime } from "./solar.ts";
import { governorOutputW, swingDerivative, swingStep, type SwingState } from "./swing.ts";
import { validateSiteForSimulation } from "./validate-site.ts";
import { WeatherModel, type ForecastPoint, type WeatherSample } from "./weather.ts";

/** Fixed step of the swing equation and the batteries, ms. Slow quantities change per 15 s interval. */
export const PHYSICS_STEP_MS = 100;
const DT_S = PHYSICS_STEP_MS / 1000;
const GRID_SOURCE_R_OHM = 0.008;
const GRID_SOURCE_X_OHM = 0.004;
const S_PLANT = 31;

export interface GridSimulatorOptions {
  /** Seed of every random draw; defaults to the site file's seed. */
  seed?: number;
  /** Simulated start instant, ms since epoch; defaults to the site file's startTime. */
  startTimeMs?: number;
}

export type DeviceKind = "meter" | "battery" | "pv" | "wind" | "grid-meter" | "weather" | "charge-point";

interface Plant<S> {
  spec: S;
  factor: number;
  limitW: number | null;
}

interface Flows {
  meters: MeterAggregate;
  pvW: number;
  windW: number;
  batteryW: number;
  chargePointW: number;
  loadStepW: number;
  siteActiveW: [number, number, number];
  siteReactiveVar: [number, number, number];
  siteImportW: number;
  backgroundW: number;
  scheduledW: number;
}

interface LoadStep {
  watts: number;
  fromMs: number;
  untilMs: number | null;
}

interface World {
  fleet: MeterFleet;
  weather: WeatherModel;
  batteries: Map<string, BatteryUnit>;
  pv: Map<string, Plant<PvSpec>>;
  wind: Map<string, Plant<WindSpec>>;
  chargePoints: Map<string, ChargePointUnit>;
  /** EV charging energy of the interval under way, and the mean power of the last complete one (the schedule follows it). */
  evInterval: { accWh: number; accMs: number; lastMeanW: number };
  kinds: Map<string, DeviceKind>;
  swing: SwingState;
  rocofHzPerS: number;
  loadSteps: LoadStep[];
  trippedW: number;
  faults: Map<string, DeviceFault>;
  dropouts: Map<string, { untilMs: number; frozen: Stamped }>;
  energy: PhysicsState["energyWh"];
  registers: { importWh: number; exportWh: number; reactiveImportVarh: number; reactiveExportVarh: number };
}

/**
 * The grid simulator: every simulated device of a site and the frequency of the small
 * synchronous area it sits in. Deterministic for a seed; time moves only through
 * `advanceTo`/`step`, in fixed 100 ms physics steps aligned to the start instant, so the state
 * does not depend on how the caller chunks time. Creating it does no work; the first call builds
 * the meter fleet.
 */
export class GridSimulator {
  readonly seed: number;
  readonly startTimeMs: number;
  private nowMs: number;
  /** Physics is integrated up to here (start + n × 100 ms ≤ nowMs). */
  private physicsMs: number;
  private built: World | undefined;

  constructor(
    private readonly site: SiteFile,
    options: GridSimulatorOptions = {},
  ) {
    validateSiteForSimulation(site);
    const seed = options.seed ?? site.seed;
    this.seed = requireFinite("seed", seed) >>> 0;
    const start = options.startTimeMs ?? (site.startTime !== undefined ? Date.parse(site.startTime) : Number.NaN);
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw simError("SIM_INVALID_START_TIME", `start time ${String(options.startTimeMs ?? site.startTime)} is not a valid instant`);
    }
    // On the 100 ms grid, so every 15 s interval boundary is also a physics step boundary.
    this.startTimeMs = Math.round(start / PHYSICS_STEP_MS) * PHYSICS_STEP_MS;
    this.nowMs = this.startTimeMs;
    this.physicsMs = this.startTimeMs;
  }

  // ── time ──────────────────────────────────────────────────────────────────────────────────

  time(): number {
    return this.nowMs;
  }

  advanceTo(simTimeMs: number): void {
    requireFinite("simTimeMs", simTimeMs);
    if (simTimeMs < this.nowMs) {
      throw simError("SIM_TIME_BACKWARDS", `cannot move from ${this.nowMs} back to ${simTimeMs}`, { nowMs: this.nowMs, simTimeMs });
    }
    const w = this.world();
    while (this.physicsMs + PHYSICS_STEP_MS <= simTimeMs) {
      this.physicsStep(w, this.physicsMs);
      this.physicsMs += PHYSICS_STEP_MS;
    }
    this.nowMs = simTimeMs;
  }

  step(dtSeconds: number): void {
    requireFinite("dtSeconds", dtSeconds, 0);
    this.advanceTo(this.nowMs + dtSeconds * 1000);
  }

  // ── inventory ─────────────────────────────────────────────────────────────────────────────

  meterIds(): string[] {
    return this.world().fleet.placements.map((m) => m.id);
  }

  batteryIds(): string[] {
    return [...this.world().batteries.keys()];
  }

  pvIds(): string[] {
    return [...this.world().pv.keys()];
  }

  windIds(): string[] {
    return [...this.world().wind.keys()];
  }

  chargePointIds(): string[] {
    return [...this.world().chargePoints.keys()];
  }

  kindOf(deviceId: string): DeviceKind | undefined {
    return this.world().kinds.get(deviceId);
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────────

  meter(id: string): MeterReading {
    const w = this.world();
    const i = w.fleet.indexOf(id);
    if (i === undefined) throw this.unknownOrWrongKind(id, "meter");
    return this.withDropout(id, () => {
      const m = w.fleet.placements[i]!;
      const k = Math.floor(this.nowMs / METER_INTERVAL_MS);
      const s = w.fleet.sample(i, k);
      const voltageV = w.fleet.voltage(i, k, s.activePowerW, this.site.grid.nominalVoltageV);
      const reg = w.fleet.registers(i, this.nowMs);
      const fault = w.faults.get(id) ?? null;
      return {
        id,
        region: m.region,
        substation: m.substation,
        feeder: m.feeder,
        phase: m.phase,
        activePowerW: s.activePowerW,
        reactivePowerVar: s.reactivePowerVar,
        voltageV,
        currentA: Math.hypot(s.activePowerW, s.reactivePowerVar) / voltageV,
        energyImportWh: reg.importWh,
        energyExportWh: reg.exportWh,
        hasRooftopPv: w.fleet.hasRooftopPv(i),
        fault,
        ...this.stamp(fault ? "ERROR" : "GOOD"),
      };
    });
  }

  gridMeter(): GridMeterReading {
    const w = this.world();
    return this.withDropout("grid-meter", () => {
      const f = this.flowsAt(w, this.physicsMs);
      const vn = this.site.grid.nominalVoltageV;
      const voltage = (ph: 0 | 1 | 2): number => vn - (f.siteActiveW[ph] * GRID_SOURCE_R_OHM + f.siteReactiveVar[ph] * GRID_SOURCE_X_OHM) / vn;
      const fault = w.faults.get("grid-meter") ?? null;
      return {
        ...gridMeterChannels({
          activePowerW: f.siteActiveW,
          reactivePowerVar: f.siteReactiveVar,
          voltageV: [voltage(0), voltage(1), voltage(2)],
          frequencyHz: this.frequencyHz(w),
          rocofHzPerS: w.rocofHzPerS,
          ...w.registers,
        }),
        fault,
        ...this.stamp(fault ? "ERROR" : "GOOD"),
      };
    });
  }

  battery(id: string): BatteryReading {
    const b = this.batteryUnit(id);
    return this.withDropout(id, () => ({
      id,
      socPercent: (b.socWh / b.spec.capacityWh) * 100,
      activePowerW: b.powerW,
      targetPowerW: b.targetW,
      droopPowerW: b.droopW,
      maxDischargePowerW: b.availableDischargeW(),
      maxChargePowerW: b.availableChargeW(),
      capacityWh: b.spec.capacityWh,
      state: b.state(),
      fault: b.fault,
      droop: { ...b.droop },
      ...this.stamp("GOOD"),
    }));
  }

  pv(id: string): DerReading {
    const p = this.world().pv.get(id);
    if (p === undefined) throw this.unknownOrWrongKind(id, "pv");
    return this.withDropout(id, () => this.derReading(id, "pv", p, p.spec.peakW, [...this.world().pv.keys()].indexOf(id)));
  }

  wind(id: string): DerReading {
    const p = this.world().wind.get(id);
    if (p === undefined) throw this.unknownOrWrongKind(id, "wind");
    return this.withDropout(id, () => this.derReading(id, "wind", p, p.spec.ratedW, [...this.world().wind.keys()].indexOf(id)));
  }

  chargePoint(id: string): ChargePointReading {
    const u = this.chargePointUnit(id);
    return this.withDropout(id, () => ({ ...u.reading(), ...this.stamp(u.fault ? "ERROR" : "GOOD") }));
  }

  weather(): WeatherReading {
    const w = this.world();
    return this.withDropout("weather", () => {
      const s = this.weatherAt(w, Math.floor(this.nowMs / METER_INTERVAL_MS));
      const fault = w.faults.get("weather") ?? null;
      return {
        irradianceWm2: s.irradianceWm2,
        windSpeedMs: s.windSpeedMs,
        temperatureC: s.temperatureC,
        cloudCover: s.cloudCover,
        fault,
        ...this.stamp(fault ? "ERROR" : "GOOD"),
      };
    });
  }

  /** Forecast issued now for the next `hours`, one point per `stepMinutes` (aligned to the step). */
  weatherForecast(hours = 4, stepMinutes = 15): ForecastPoint[] {
    requireFinite("hours", hours, 0.25, 48);
    requireFinite("stepMinutes", stepMinutes, 1, 240);
    const w = this.world();
    return w.weather.forecast(this.nowMs, (t) => this.weatherAt(w, Math.floor(t / METER_INTERVAL_MS)), hours, stepMinutes);
  }

  physics(): PhysicsState {
    const w = this.world();
    const f = this.flowsAt(w, this.physicsMs);
    const g = this.site.grid;
    const generationW = f.scheduledW + governorOutputW(g, w.swing) + w.swing.secondaryW - w.trippedW;
    const loadW = f.backgroundW + f.siteImportW;
    return {
      frequencyHz: this.frequencyHz(w),
      rocofHzPerS: w.rocofHzPerS,
      generationW,
      loadW,
      imbalanceW: generationW - loadW,
      siteImportW: f.siteImportW,
      inertiaSeconds: g.inertiaSeconds,
      dampingPerUnit: g.dampingPerUnit,
      injectedLoadStepW: f.loadStepW,
      trippedGenerationW: w.trippedW,
      scheduledGenerationW: f.scheduledW,
      governorW: governorOutputW(g, w.swing),
      secondaryW: w.swing.secondaryW,
      backgroundLoadW: f.backgroundW,
      meterNetW: f.meters.activeW[0] + f.meters.activeW[1] + f.meters.activeW[2],
      pvW: f.pvW,
      windW: f.windW,
      batteryW: f.batteryW,
      chargePointW: f.chargePointW,
      energyWh: { ...w.energy },
      time: new Date(this.physicsMs).toISOString(),
      timeMs: this.physicsMs,
    };
  }

  // ── writes ────────────────────────────────────────────────────────────────────────────────

  /** Battery setpoint, W (positive = discharge), clamped to the ratings; returns the value kept. */
  setBatteryTarget(id: string, watts: number): number {
    const b = this.batteryUnit(id);
    requireFinite("watts", watts);
    if (b.fault !== null && watts !== 0) {
      throw simError("SIM_DEVICE_FAULTED", `${id} is faulted (${b.fault.code}); only 0 W is accepted`, { id, fault: b.fault.code });
    }
    b.targetW = Math.max(-b.spec.maxChargeW, Math.min(b.spec.maxDischargeW, watts));
    return b.targetW;
  }

  setBatteryDroop(id: string, settings: Partial<DroopSettings>): DroopSettings {
    const b = this.batteryUnit(id);
    if (typeof settings !== "object" || settings === null) throw simError("SIM_INVALID_VALUE", "droop settings must be an object");
    const next = { ...b.droop };
    if (settings.enabled !== undefined) {
      if (typeof settings.enabled !== "boolean") throw simError("SIM_INVALID_VALUE", "droop.enabled must be a boolean");
      next.enabled = settings.enabled;
    }
    if (settings.deadbandHz !== undefined) next.deadbandHz = requireFinite("droop.deadbandHz", settings.deadbandHz, 0, 5);
    if (settings.droopPercent !== undefined) next.droopPercent = requireFinite("droop.droopPercent", settings.droopPercent, 0.1, 100);
    if (settings.maxPowerW !== undefined) next.maxPowerW = requireFinite("droop.maxPowerW", settings.maxPowerW, 0);
    b.droop = next;
    return { ...next };
  }

  /** Curtailment limit of a PV or wind plant, W; null lifts it. */
  setCurtailment(id: string, wattsOrNull: number | null): void {
    const w = this.world();
    const plant = w.pv.get(id) ?? w.wind.get(id);
    if (plant === undefined) throw this.unknownOrWrongKind(id, "pv or wind");
    plant.limitW = wattsOrNull === null ? null : requireFinite("curtailment watts", wattsOrNull, 0);
  }

  /** Allocation limit of a charge point over all its connectors, W; null lifts it. Takes effect from the next step. */
  setChargeLimit(id: string, wattsOrNull: number | null): void {
    const u = this.chargePointUnit(id);
    u.limitW = wattsOrNull === null ? null : requireFinite("charge limit watts", wattsOrNull, 0);
  }

  /** Allocation limit of one connector, W, in [0, its rating]; null lifts it. Takes effect from the next step. */
  setConnectorLimit(id: string, connectorId: string, wattsOrNull: number | null): void {
    this.chargePointUnit(id).setConnectorLimit(connectorId, wattsOrNull);
  }

  // ── injections ────────────────────────────────────────────────────────────────────────────

  /** Extra site load, W (negative = load lost), from now, for `durationSeconds` or until cleared. */
  injectLoadStep(watts: number, durationSeconds?: number): void {
    const w = this.world();
    requireFinite("watts", watts);
    const untilMs = durationSeconds === undefined ? null : this.nowMs + requireFinite("durationSeconds", durationSeconds, 0) * 1000;
    w.loadSteps = w.loadSteps.filter((s) => s.untilMs === null || s.untilMs > this.physicsMs);
    w.loadSteps.push({ watts, fromMs: this.nowMs, untilMs });
  }

  /** Ends every injected load step from now. */
  clearLoadSteps(): void {
    const w = this.world();
    for (const s of w.loadSteps) if (s.untilMs === null || s.untilMs > this.nowMs) s.untilMs = this.nowMs;
  }

  /** Loss of conventional generation, W (cumulative); secondary control slowly replaces it. */
  injectGeneratorTrip(watts: number): void {
    this.world().trippedW += requireFinite("watts", watts, 0);
  }

  injectDeviceFault(deviceId: string, fault: DeviceFault): void {
    const w = this.world();
    const kind = this.requireKind(deviceId);
    if (
      typeof fault !== "object" || fault === null ||
      typeof fault.code !== "string" || fault.code.length === 0 ||
      typeof fault.message !== "string" || typeof fault.critical !== "boolean"
    ) {
      throw simError("SIM_INVALID_VALUE", "a fault needs {code: non-empty string, message: string, critical: boolean}");
    }
    const copy = { code: fault.code, message: fault.message, critical: fault.critical };
    w.faults.set(deviceId, copy);
    if (kind === "battery") {
      const b = w.batteries.get(deviceId)!;
      b.fault = copy;
      b.targetW = 0;
      b.powerW = 0;
    }
    if (kind === "charge-point") w.chargePoints.get(deviceId)!.fault = copy;
  }

  clearDeviceFault(deviceId: string): void {
    const w = this.world();
    const kind = this.requireKind(deviceId);
    w.faults.delete(deviceId);
    if (kind === "battery") w.batteries.get(deviceId)!.fault = null;
    if (kind === "charge-point") w.chargePoints.get(deviceId)!.fault = null;
  }

  /** Readings of the device (or "grid-meter", "weather") freeze at their last good values, marked STALE. */
  injectTelemetryDropout(deviceId: string, durationSeconds: number): void {
    const w = this.world();
    this.requireKind(deviceId);
    requireFinite("durationSeconds", durationSeconds, 0);
    const untilMs = this.nowMs + durationSeconds * 1000;
    const current = w.dropouts.get(deviceId);
    if (current !== undefined && current.untilMs > this.nowMs) {
      current.untilMs = Math.max(current.untilMs, untilMs);
      return;
    }
    w.dropouts.delete(deviceId);
    const frozen = this.read(deviceId);
    w.dropouts.set(deviceId, { untilMs, frozen });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  private read(deviceId: string): Stamped {
    switch (this.requireKind(deviceId)) {
      case "meter": return this.meter(deviceId);
      case "battery": return this.battery(deviceId);
      case "pv": return this.pv(deviceId);
      case "wind": return this.wind(deviceId);
      case "grid-meter": return this.gridMeter();
      case "weather": return this.weather();
      case "charge-point": return this.chargePoint(deviceId);
    }
  }

  private withDropout<T extends Stamped>(deviceId: string, fresh: () => T): T {
    const d = this.built?.dropouts.get(deviceId);
    if (d !== undefined && this.nowMs < d.untilMs) return { ...(d.frozen as T), quality: "STALE" };
    return fresh();
  }

  private stamp(quality: Stamped["quality"]): Stamped {
    return { timestampMs: this.nowMs, timestamp: new Date(this.nowMs).toISOString(), quality };
  }

  /** A plant's output in the step under way (the same numbers the physics uses for that step). */
  private derReading(id: string, kind: "pv" | "wind", p: Plant<unknown>, ratedPowerW: number, index: number): DerReading {
    const w = this.world();
    const availablePowerW = this.availability(w, Math.floor(this.physicsMs / METER_INTERVAL_MS))[kind][index]!;
    const fault = w.faults.get(id) ?? null;
    return {
      id,
      kind,
      activePowerW: fault !== null ? 0 : curtailed(availablePowerW, p.limitW),
      availablePowerW,
      curtailmentLimitW: p.limitW,
      ratedPowerW,
      fault,
      ...this.stamp("GOOD"),
    };
  }

  private frequencyHz(w: World): number {
    return this.site.grid.nominalFrequencyHz * (1 + w.swing.x);
  }

  private requireKind(deviceId: string): DeviceKind {
    if (typeof deviceId !== "string") throw simError("SIM_UNKNOWN_DEVICE", `device id must be a string, got ${typeof deviceId}`);
    const kind = this.world().kinds.get(deviceId);
    if (kind === undefined) throw simError("SIM_UNKNOWN_DEVICE", `no simulated device "${deviceId}"`, { deviceId });
    return kind;
  }

  private unknownOrWrongKind(id: string, wanted: string): Error {
    const kind = typeof id === "string" ? this.world().kinds.get(id) : undefined;
    if (kind === undefined) return simError("SIM_UNKNOWN_DEVICE", `no simulated device "${String(id)}"`, { deviceId: String(id) });
    return simError("SIM_WRONG_DEVICE_KIND", `"${id}" is a ${kind}, not a ${wanted}`, { deviceId: id, kind });
  }

  private batteryUnit(id: string): BatteryUnit {
    const b = this.world().batteries.get(id);
    if (b === undefined) throw this.unknownOrWrongKind(id, "battery");
    return b;
  }

  private chargePointUnit(id: string): ChargePointUnit {
    const u = this.world().chargePoints.get(id);
    if (u === undefined) throw this.unknownOrWrongKind(id, "charge-point");
    return u;
  }

  private weatherAt(w: World, k: number): WeatherSample {
    return w.weather.atInterval(k, METER_INTERVAL_MS);
  }

  private availability(w: World, k: number): { pv: number[]; wind: number[] } {
    const s = this.weatherAt(w, k);
    return {
      pv: [...w.pv.values()].map((p) => pvAvailableW(p.spec.peakW, s.irradianceWm2, s.temperatureC, p.factor)),
      wind: [...w.wind.values()].map((p) => windAvailableW(p.spec, s.windSpeedMs * p.factor)),
    };
  }

  private backgroundW(k: number): number {
    const { hour } = localSolarTime(k * METER_INTERVAL_MS, this.site.weather.longitudeDeg);
    return this.site.grid.backgroundLoadW * backgroundShape(hour);
  }

  /**
   * Conventional generation is dispatched to the expected load: the area's background plus the
   * site's expected uncontrolled import (the meters' mean profile, minus the PV and wind available
   * in the previous interval). The meters' random spread, batteries, curtailment, injected steps
   * and trips are not in the schedule: governor and AGC meet them, so they move the frequency.
   */
  private scheduledW(w: World, k: number): number {
    const a = this.availability(w, k - 1);
    const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
    return this.backgroundW(k) + w.fleet.expectedW(k) + w.evInterval.lastMeanW - sum(a.pv) - sum(a.wind);
  }

  /**
   * Site flows for the step starting at `b`, with the batteries' powers already set for it.
   * Reads call it for the step now under way, so the grid meter and the meters agree on the
   * 15 s interval; it is a pure function of the state (it changes nothing), so reading never
   * changes the outcome.
   */
  private flowsAt(w: World, b: number): Flows {
    const k = Math.floor(b / METER_INTERVAL_MS);
    const meters = w.fleet.aggregate(k);
    const avail = this.availability(w, k);
    let pvW = 0;
    let i = 0;
    for (const [id, p] of w.pv) {
      const availableW = avail.pv[i++]!;
      if (!w.faults.has(id)) pvW += curtailed(availableW, p.limitW);
    }
    let windW = 0;
    i = 0;
    for (const [id, p] of w.wind) {
      const availableW = avail.wind[i++]!;
      if (!w.faults.has(id)) windW += curtailed(availableW, p.limitW);
    }
    let batteryW = 0;
    for (const u of w.batteries.values()) batteryW += u.powerW;
    let chargePointW = 0;
    for (const u of w.chargePoints.values()) chargePointW += u.powerW;
    let loadStepW = 0;
    for (const s of w.loadSteps) if (s.fromMs <= b && (s.untilMs === null || b < s.untilMs)) loadStepW += s.watts;
    // Three-phase DERs, charge points and injected loads split evenly over the phases; meters sit on their phase.
    const perPhase = (loadStepW + chargePointW - pvW - windW - batteryW) / 3;
    const siteActiveW: [number, number, number] = [meters.activeW[0] + perPhase, meters.activeW[1] + perPhase, meters.activeW[2] + perPhase];
    return {
      meters,
      pvW,
      windW,
      batteryW,
      chargePointW,
      loadStepW,
      siteActiveW,
      siteReactiveVar: [meters.reactiveVar[0], meters.reactiveVar[1], meters.reactiveVar[2]],
      siteImportW: siteActiveW[0] + siteActiveW[1] + siteActiveW[2],
      backgroundW: this.backgroundW(k),
      scheduledW: this.scheduledW(w, k),
    };
  }

  private physicsStep(w: World, b: number): void {
    const g = this.site.grid;
    const f0 = g.nominalFrequencyHz;
    const frequency = this.frequencyHz(w);
    for (const u of w.batteries.values()) u.step(DT_S, frequency, f0);
    for (const u of w.chargePoints.values()) u.plan(this.seed, b, DT_S);
    const f = this.flowsAt(w, b);
    const inputs = { scheduledW: f.scheduledW, loadW: f.backgroundW + f.siteImportW, trippedW: w.trippedW };
    w.swing = swingStep(g, w.swing, inputs, DT_S);
    w.rocofHzPerS = swingDerivative(g, w.swing, inputs).x * f0;
    const h = DT_S / 3600;
    const e = w.energy;
    e.siteImport += f.siteImportW * h;
    e.meterNet += (f.meters.activeW[0] + f.meters.activeW[1] + f.meters.activeW[2]) * h;
    e.pv += f.pvW * h;
    e.wind += f.windW * h;
    e.battery += f.batteryW * h;
    e.loadStep += f.loadStepW * h;
    e.chargePoints += f.chargePointW * h;
    for (const u of w.chargePoints.values()) u.integrate(DT_S);
    const ev = w.evInterval;
    ev.accWh += f.chargePointW * h;
    ev.accMs += PHYSICS_STEP_MS;
    if ((b + PHYSICS_STEP_MS) % METER_INTERVAL_MS === 0) {
      ev.lastMeanW = (ev.accWh * 3_600_000) / ev.accMs;
      ev.accWh = 0;
      ev.accMs = 0;
    }
    const q = f.siteReactiveVar[0] + f.siteReactiveVar[1] + f.siteReactiveVar[2];
    const r = w.registers;
    if (f.siteImportW >= 0) r.importWh += f.siteImportW * h;
    else r.exportWh -= f.siteImportW * h;
    if (q >= 0) r.reactiveImportVarh += q * h;
    else r.reactiveExportVarh -= q * h;
  }

  private world(): World {
    if (this.built !== undefined) return this.built;
    const site = this.site;
    const weather = new WeatherModel(this.seed, site.weather);
    const fleet = new MeterFleet(this.seed, site, this.startTimeMs, (k) =>
      intervalContext(k, site.weather.longitudeDeg, weather.atInterval(k, METER_INTERVAL_MS).irradianceWm2),
    );
    const kinds = new Map<string, DeviceKind>([["grid-meter", "grid-meter"], ["weather", "weather"]]);
    for (const m of fleet.placements) kinds.set(m.id, "meter");
    const batteries = new Map(site.batteries.map((b) => [b.id, new BatteryUnit(b)] as const));
    for (const id of batteries.keys()) kinds.set(id, "battery");
    const pv = new Map<string, Plant<PvSpec>>();
    site.pv.forEach((spec, i) => {
      pv.set(spec.id, { spec, factor: 0.9 + 0.08 * uniform(this.seed, S_PLANT, 1, i), limitW: null });
      kinds.set(spec.id, "pv");
    });
    const wind = new Map<string, Plant<WindSpec>>();
    site.wind.forEach((spec, i) => {
      wind.set(spec.id, { spec, factor: 0.9 + 0.2 * uniform(this.seed, S_PLANT, 2, i), limitW: null });
      kinds.set(spec.id, "wind");
    });
    const chargePoints = new Map<string, ChargePointUnit>();
    let connectorIndex = 0;
    for (const spec of site.chargePoints ?? []) {
      chargePoints.set(spec.id, new ChargePointUnit(spec, connectorIndex));
      connectorIndex += spec.connectors.length;
      kinds.set(spec.id, "charge-point");
    }
    const w: World = {
      weather,
      fleet,
      batteries,
      pv,
      wind,
      chargePoints,
      evInterval: { accWh: 0, accMs: 0, lastMeanW: 0 },
      kinds,
      swing: { x: 0, governorW: 0, secondaryW: 0 },
      rocofHzPerS: 0,
      loadSteps: [],
      trippedW: 0,
      faults: new Map<string, DeviceFault>(),
      dropouts: new Map<string, { untilMs: number; frozen: Stamped }>(),
      energy: { siteImport: 0, meterNet: 0, pv: 0, wind: 0, battery: 0, loadStep: 0, chargePoints: 0 },
      registers: { importWh: 0, exportWh: 0, reactiveImportVarh: 0, reactiveExportVarh: 0 },
    };
    this.built = w;
    // EVs already plugged in at the start draw from the first step: the schedule knows them.
    for (const u of chargePoints.values()) u.plan(this.seed, this.startTimeMs, DT_S);
    w.evInterval.lastMeanW = [...chargePoints.values()].reduce((sum, u) => sum + u.powerW, 0);
    // Start in balance: the secondary control holds whatever the schedule misses at the start.
    const f = this.flowsAt(w, this.startTimeMs);
    w.swing.secondaryW = f.backgroundW + f.siteImportW - f.scheduledW;
    return w;
  }
}
