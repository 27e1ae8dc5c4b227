/**
 * One live snapshot of the site for the Overview: composed from what the VPP servient knows (its
 * status, its batteries' telemetry, its forecast, the load aggregation) and the few Thing
 * properties the sampler read through their TDs' HTTP forms (the grid meter's `channels`, each
 * plant's `telemetry`). Pure: the same inputs give the same snapshot.
 *
 * Public by construction: demand appears only as region/substation/feeder totals, copied field
 * by field, so no per-household value can ride along.
 */
import type { GroupTotal, LoadAggregate } from "../../vpp/aggregation/types.ts";
import type { BatteryState } from "../../vpp/dispatch/battery-state.ts";
import type { VppStatus } from "../../vpp/servient.ts";
import type { GenerationForecastPoint } from "../../vpp/workflow/forecast.ts";
import { energyFlow, type EnergyFlow } from "./energy-flow.ts";
import { forecastAt } from "./forecast-now.ts";

export type Quality = "GOOD" | "STALE" | "ERROR";
export type Phase = "L1" | "L2" | "L3";

export interface PhaseValues {
  phase: Phase;
  voltageV: number | null;
  currentA: number | null;
  /** W, + import / − export (seed 003). */
  activePowerW: number | null;
  /** var, IEEE 1459 load convention. */
  reactivePowerVar: number | null;
}

export interface GridView {
  timestamp: string | null;
  quality: Quality;
  frequencyHz: number | null;
  rocofHzPerS: number | null;
  /** Frequency − nominal, Hz. */
  deviationHz: number | null;
  /** Outside the regulation band (|deviation| > band). */
  outsideBand: boolean;
  /** W, + import / − export. */
  activePowerW: number | null;
  direction: "import" | "export" | "balanced" | "unknown";
  reactivePowerVar: number | null;
  apparentPowerVA: number | null;
  powerFactor: number | null;
  phases: PhaseValues[];
}

export interface PlantView {
  id: string;
  title: string;
  kind: "pv" | "wind";
  activePowerW: number | null;
  availablePowerW: number | null;
  curtailmentLimitW: number | null;
  /** The VPP's forecast for this plant now, W (null before its first forecast). */
  forecastW: number | null;
  quality: Quality;
}

export interface BatteryView {
  id: string;
  title: string;
  socPercent: number | null;
  /** W, + discharge / − charge. */
  activePowerW: number | null;
  /** Setpoint the VPP holds (or the device's own), W, + discharge / − charge. */
  setpointW: number | null;
  state: string;
  quality: Quality | "UNKNOWN";
  /** Counted in dispatch (GOOD and not faulted). */
  active: boolean;
  region: string | null;
  substation: string | null;
  feeder: string | null;
}

export interface DemandRow {
  key: string;
  region: string | null;
  substation: string | null;
  feeder: string | null;
  /** Net demand, W (import − export). */
  demandW: number;
  importW: number;
  exportW: number;
  meters: number;
  stale: number;
}

export interface DemandView {
  at: string;
  total: DemandRow;
  regions: DemandRow[];
  substations: DemandRow[];
  feeders: DemandRow[];
}

export interface DispatchView {
  at: string;
  reason: string;
  /** Fleet command, W (+ discharge). */
  commandW: number;
  requiredW: number;
  availableCapacityW: number;
  setpoints: Array<{ id: string; title: string; targetW: number }>;
}

export interface LiveSnapshot {
  /** Sequence number of this snapshot in this process (the SSE event id). */
  seq: number;
  /** Wall-clock time the sample was taken. */
  sampledAt: string;
  /** Simulated time (the grid meter's timestamp, else the VPP's last sample). */
  simTime: string | null;
  nominalHz: number;
  bandHz: number;
  grid: GridView | null;
  renewables: { pvW: number; windW: number; pvForecastW: number | null; windForecastW: number | null; plants: PlantView[] };
  batteries: BatteryView[];
  demand: DemandView | null;
  flow: EnergyFlow;
  vpp: {
    running: boolean;
    mode: string;
    fleetCommandW: number;
    lastDispatch: DispatchView | null;
    activeIncidents: number;
    openTasks: number;
    steps: number;
  };
}

/** What the sampler gathered for one snapshot. */
export interface SnapshotInputs {
  seq: number;
  sampledAt: string;
  nominalHz: number;
  bandHz: number;
  status: Pick<VppStatus, "running" | "simTime" | "frequencyHz" | "mode" | "fleetCommandW" | "lastDecision" | "batteries" | "activeIncidents" | "openTasks" | "steps" | "aggregate">;
  batteryStates: readonly BatteryState[];
  /** The grid meter's `channels` value as read (undefined when the read failed). */
  channels: unknown;
  plants: ReadonlyArray<{ id: string; title: string; kind: "pv" | "wind"; telemetry: unknown }>;
  forecast: readonly GenerationForecastPoint[];
  /** Thing id → title, from the TDs. */
  titles: Readonly<Record<string, string>>;
}

const num = (o: Record<string, unknown>, k: string): number | null => (typeof o[k] === "number" && Number.isFinite(o[k]) ? (o[k] as number) : null);
const qualityOf = (v: unknown): Quality => (v === "GOOD" || v === "STALE" || v === "ERROR" ? v : "ERROR");
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The grid meter's seed 003 channels as the Overview's grid view; null when there is nothing to show. */
export function gridView(channels: unknown, nominalHz: number, bandHz: number): GridView | null {
  if (!isObject(channels)) return null;
  const frequencyHz = num(channels, "Frequency");
  const activePowerW = num(channels, "ActivePower");
  const deviationHz = frequencyHz === null ? null : frequencyHz - nominalHz;
  return {
    timestamp: typeof channels.Timestamp === "string" ? channels.Timestamp : null,
    quality: qualityOf(channels.quality),
    frequencyHz,
    rocofHzPerS: num(channels, "Frequency_RoCoF"),
    deviationHz,
    outsideBand: deviationHz !== null && Math.abs(deviationHz) > bandHz,
    activePowerW,
    direction: activePowerW === null ? "unknown" : activePowerW > 0 ? "import" : activePowerW < 0 ? "export" : "balanced",
    reactivePowerVar: num(channels, "ReactivePower"),
    apparentPowerVA: num(channels, "ApparentPower"),
    powerFactor: num(channels, "PowerFactor"),
    phases: (["L1", "L2", "L3"] as const).map((phase) => ({
      phase,
      voltageV: num(channels, `Voltage_${phase}`),
      currentA: num(channels, `Current_${phase}`),
      activePowerW: num(channels, `ActivePower_${phase}`),
      reactivePowerVar: num(channels, `ReactivePower_${phase}`),
    })),
  };
}

function demandRow(g: GroupTotal): DemandRow {
  return {
    key: g.key,
    region: g.region ?? null,
    substation: g.substation ?? null,
    feeder: g.feeder ?? null,
    demandW: g.demandW,
    importW: g.importW,
    exportW: g.exportW,
    meters: g.meters,
    stale: g.stale,
  };
}

export function demandView(aggregate: LoadAggregate | null | undefined): DemandView | null {
  if (!aggregate) return null;
  return {
    at: aggregate.at,
    total: demandRow(aggregate.total),
    regions: aggregate.regions.map(demandRow),
    substations: aggregate.substations.map(demandRow),
    feeders: aggregate.feeders.map(demandRow),
  };
}

export function composeSnapshot(input: SnapshotInputs): LiveSnapshot {
  const { status, titles } = input;
  const title = (id: string) => titles[id] ?? id.split(":").pop() ?? id;
  const grid = gridView(input.channels, input.nominalHz, input.bandHz);
  const simTime = grid?.timestamp ?? status.simTime ?? null;
  const forecast = simTime ? forecastAt(input.forecast, Date.parse(simTime)) : null;

  const plants: PlantView[] = input.plants.map((p) => {
    const t = isObject(p.telemetry) ? p.telemetry : undefined;
    return {
      id: p.id,
      title: p.title,
      kind: p.kind,
      activePowerW: t ? num(t, "activePowerW") : null,
      availablePowerW: t ? num(t, "availablePowerW") : null,
      curtailmentLimitW: t ? num(t, "curtailmentLimitW") : null,
      forecastW: forecast ? (forecast.byPlantW[p.id] ?? null) : null,
      quality: t ? qualityOf(t.quality) : "ERROR",
    };
  });
  const output = (kind: "pv" | "wind") => plants.filter((p) => p.kind === kind && p.quality !== "ERROR").map((p) => p.activePowerW ?? 0);

  const states = new Map(input.batteryStates.map((s) => [s.id, s]));
  const batteries: BatteryView[] = status.batteries.map((b) => {
    const s = states.get(b.id);
    return {
      id: b.id,
      title: title(b.id),
      socPercent: b.socPercent,
      activePowerW: b.activePowerW,
      setpointW: b.targetW,
      state: s?.state ?? (b.active ? "unknown" : "unreachable"),
      quality: s?.quality ?? "UNKNOWN",
      active: b.active,
      region: b.placement.region ?? null,
      substation: b.placement.substation ?? null,
      feeder: b.placement.feeder ?? null,
    };
  });

  const d = status.lastDecision;
  return {
    seq: input.seq,
    sampledAt: input.sampledAt,
    simTime,
    nominalHz: input.nominalHz,
    bandHz: input.bandHz,
    grid,
    renewables: {
      pvW: output("pv").reduce((s, w) => s + w, 0),
      windW: output("wind").reduce((s, w) => s + w, 0),
      pvForecastW: forecast?.pvW ?? null,
      windForecastW: forecast?.windW ?? null,
      plants,
    },
    batteries,
    demand: demandView(status.aggregate),
    flow: energyFlow({
      gridW: grid?.quality === "ERROR" ? null : grid?.activePowerW,
      pvW: output("pv"),
      windW: output("wind"),
      batteryW: batteries.filter((b) => b.quality !== "ERROR").map((b) => b.activePowerW ?? 0),
    }),
    vpp: {
      running: status.running,
      mode: status.mode,
      fleetCommandW: status.fleetCommandW,
      lastDispatch: d
        ? { at: d.at, reason: d.reason, commandW: d.commandW, requiredW: d.requiredW, availableCapacityW: d.availableCapacityW, setpoints: d.setpoints.map((s) => ({ id: s.id, title: title(s.id), targetW: s.targetW })) }
        : null,
      activeIncidents: status.activeIncidents,
      openTasks: status.openTasks,
      steps: status.steps,
    },
  };
}
