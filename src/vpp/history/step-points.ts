/**
 * What one control step observed and computed, as history points. Pure. Step-wide values carry the
 * grid meter's instant; a smart meter's value carries its own reading's instant (so a reading seen
 * at several steps is one point).
 */
import type { GridSample, FrequencyAssessment } from "../regulation/frequency.ts";
import type { BatteryState } from "../dispatch/battery-state.ts";
import type { RenewableState } from "../balancing/grid-balancing.ts";
import type { GenerationForecastPoint } from "../workflow/forecast.ts";
import type { LoadAggregate, MeterView } from "../aggregation/types.ts";
import type { HistoryPoint } from "./series.ts";

export interface StepObservation {
  sample: GridSample;
  assessment?: FrequencyAssessment;
  batteries: readonly BatteryState[];
  renewables: readonly RenewableState[];
  /** The dispatch state after this step's decision. */
  dispatch?: { fleetCommandW: number; setpointsW: Readonly<Record<string, number>> };
  aggregate?: LoadAggregate;
  /** Per-meter views with the meter's Thing id (household data; stored as privileged series). */
  meters?: ReadonlyArray<MeterView & { thingId: string }>;
  forecast?: readonly GenerationForecastPoint[];
}

/** The forecast point nearest `timeMs` within 15 minutes (the earlier one on a tie), if any: the forecast for "now". */
function forecastAt(points: readonly GenerationForecastPoint[], timeMs: number): GenerationForecastPoint | undefined {
  let found: GenerationForecastPoint | undefined;
  let best = 15 * 60_000;
  for (const p of points) {
    const d = Math.abs(Date.parse(p.time) - timeMs);
    if (d < best || (d === best && found === undefined)) (found = p), (best = d);
  }
  return found;
}

export function pointsOfStep(o: StepObservation): HistoryPoint[] {
  const at = o.sample.timeMs;
  const out: HistoryPoint[] = [];
  const add = (name: string, thingId: string | null, value: number | undefined, atMs = at) => {
    if (typeof value === "number" && Number.isFinite(value) && Number.isFinite(atMs)) out.push({ name, thingId, atMs, value });
  };
  if (!Number.isFinite(at)) return out;
  const s = o.sample;
  if (s.quality === "GOOD") {
    add("grid.frequency", null, s.frequencyHz);
    add("grid.rocof", null, s.rocofHzPerS);
    add("grid.activePower", null, s.activePowerW);
    (s.voltagesV ?? []).slice(0, 3).forEach((v, i) => add(`grid.voltageL${i + 1}`, null, v));
  }
  if (o.assessment?.usable) {
    add("grid.deviation", null, o.assessment.deviationHz);
    add("fleet.imbalance", null, o.assessment.imbalanceW);
    add("fleet.localBalance", null, o.assessment.localBalanceW);
  }
  if (o.dispatch) add("fleet.command", null, o.dispatch.fleetCommandW);
  if (o.batteries.length > 0) add("fleet.batteryPower", null, o.batteries.reduce((sum, b) => sum + b.activePowerW, 0));
  for (const b of o.batteries) {
    add("battery.soc", b.id, b.socPercent);
    add("battery.activePower", b.id, b.activePowerW);
    add("battery.setpoint", b.id, o.dispatch?.setpointsW[b.id] ?? b.targetPowerW);
    add("battery.maxDischarge", b.id, b.maxDischargePowerW);
  }
  const forecast = o.forecast ? forecastAt(o.forecast, at) : undefined;
  for (const r of o.renewables) {
    add("plant.activePower", r.id, r.activePowerW);
    add("plant.availablePower", r.id, r.availablePowerW);
    add("plant.forecast", r.id, forecast?.byPlantW[r.id]);
  }
  for (const kind of ["pv", "wind"] as const) {
    const plants = o.renewables.filter((r) => r.kind === kind);
    if (plants.length > 0) add(`plants.${kind}`, null, plants.reduce((sum, r) => sum + r.activePowerW, 0));
  }
  const a = o.aggregate;
  if (a && a.total.meters + a.total.stale > 0) {
    add("demand.total", null, a.total.demandW);
    for (const g of a.regions) add("demand.region", g.key, g.demandW);
    for (const g of a.substations) add("demand.substation", g.key, g.demandW);
    for (const g of a.feeders) add("demand.feeder", g.key, g.demandW);
  }
  for (const m of o.meters ?? []) {
    const readingMs = m.readingAt ? Date.parse(m.readingAt) : Number.NaN;
    if (m.activePowerW !== null) add("meter.activePower", m.thingId, m.activePowerW, readingMs);
  }
  return out;
}
