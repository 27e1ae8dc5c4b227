/**
 * Seed 004 steps 8 and 14: an incident when the voltage deviates significantly (threshold
 * configurable) and a frequency-excursion incident when |Δf| leaves the seed 000 band; incidents
 * are archived (moved off the active list) once the grid has been back to nominal for a while.
 * Pure: state in, state and effects out.
 */
import { vppError } from "../errors.ts";

export type IncidentKind = "VOLTAGE_DEVIATION" | "FREQUENCY_EXCURSION";

export interface Incident {
  id: string;
  kind: IncidentKind;
  openedAt: string;
  /** Worst value seen: the voltage (V) or the frequency (Hz). */
  worstValue: number;
  /** Worst deviation in percent of nominal (voltage) or Hz (frequency). */
  worstDeviation: number;
  detail: string;
  archivedAt?: string;
}

export interface IncidentConfig {
  nominalVoltageV: number;
  /** Deviation that opens a voltage incident, fraction of nominal (0.05 = ±5 %). */
  voltageThreshold: number;
  nominalHz: number;
  frequencyBandHz: number;
  /** The grid must be nominal this long before incidents are archived, ms. */
  nominalHoldMs: number;
}

export const DEFAULT_INCIDENTS: IncidentConfig = { nominalVoltageV: 230, voltageThreshold: 0.05, nominalHz: 60, frequencyBandHz: 0.02, nominalHoldMs: 30_000 };

export interface IncidentBook {
  active: Incident[];
  archived: Incident[];
  nominalSinceMs: number | undefined;
  counter: number;
}

export const EMPTY_BOOK: IncidentBook = { active: [], archived: [], nominalSinceMs: undefined, counter: 0 };

export interface GridObservation {
  timeMs: number;
  frequencyHz: number;
  voltagesV: readonly number[];
}

export interface IncidentEffects {
  opened: Incident[];
  archived: Incident[];
  updated: Incident[];
}

export function validateIncidentConfig(c: IncidentConfig): IncidentConfig {
  if (!(c.voltageThreshold > 0 && c.voltageThreshold < 1)) throw vppError("VPP_BAD_ARGUMENT", `voltage threshold must be a fraction between 0 and 1, got ${c.voltageThreshold}`);
  if (!(c.nominalVoltageV > 0 && c.nominalHz > 0 && c.frequencyBandHz > 0 && c.nominalHoldMs >= 0)) throw vppError("VPP_BAD_ARGUMENT", "incident configuration needs positive nominal values and band");
  return c;
}

export function observeGrid(book: IncidentBook, o: GridObservation, c: IncidentConfig = DEFAULT_INCIDENTS): { book: IncidentBook; effects: IncidentEffects } {
  const at = new Date(o.timeMs).toISOString();
  const effects: IncidentEffects = { opened: [], archived: [], updated: [] };
  let { active, archived, counter } = book;
  const voltages = o.voltagesV.filter((v) => Number.isFinite(v));
  const worstV = voltages.reduce<number | undefined>((w, v) => (w === undefined || Math.abs(v - c.nominalVoltageV) > Math.abs(w - c.nominalVoltageV) ? v : w), undefined);
  const vDev = worstV === undefined ? 0 : Math.abs(worstV - c.nominalVoltageV) / c.nominalVoltageV;
  const fDev = Number.isFinite(o.frequencyHz) ? o.frequencyHz - c.nominalHz : 0;
  const abnormal: Array<{ kind: IncidentKind; value: number; deviation: number; detail: string }> = [];
  if (worstV !== undefined && vDev > c.voltageThreshold) abnormal.push({ kind: "VOLTAGE_DEVIATION", value: worstV, deviation: vDev * 100, detail: `voltage ${worstV.toFixed(1)} V is ${(vDev * 100).toFixed(1)} % from ${c.nominalVoltageV} V (threshold ${(c.voltageThreshold * 100).toFixed(1)} %)` });
  if (Math.abs(fDev) > c.frequencyBandHz + 1e-9) abnormal.push({ kind: "FREQUENCY_EXCURSION", value: o.frequencyHz, deviation: fDev, detail: `frequency ${o.frequencyHz.toFixed(3)} Hz, ${fDev > 0 ? "+" : ""}${fDev.toFixed(3)} Hz from ${c.nominalHz} Hz` });
  for (const a of abnormal) {
    const open = active.find((i) => i.kind === a.kind);
    if (!open) {
      counter += 1;
      const incident: Incident = { id: `INC-${o.timeMs}-${counter}`, kind: a.kind, openedAt: at, worstValue: a.value, worstDeviation: a.deviation, detail: a.detail };
      active = [...active, incident];
      effects.opened.push(incident);
    } else if (Math.abs(a.deviation) > Math.abs(open.worstDeviation)) {
      const updated = { ...open, worstValue: a.value, worstDeviation: a.deviation, detail: a.detail };
      active = active.map((i) => (i.id === open.id ? updated : i));
      effects.updated.push(updated);
    }
  }
  let nominalSinceMs = abnormal.length === 0 ? (book.nominalSinceMs ?? o.timeMs) : undefined;
  if (nominalSinceMs !== undefined && active.length > 0 && o.timeMs - nominalSinceMs >= c.nominalHoldMs) {
    const done = active.map((i) => ({ ...i, archivedAt: at }));
    archived = [...archived, ...done];
    effects.archived.push(...done);
    active = [];
  }
  return { book: { active, archived, nominalSinceMs, counter }, effects };
}
