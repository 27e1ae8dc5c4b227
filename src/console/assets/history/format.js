// Numbers, names and series labels shared by the History and Directory views.

/** A value in its unit, readable: W shown as kW (the sign stays: + import/discharge, − export/charge). */
export function formatValue(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (unit === "W") return `${(v / 1000).toFixed(Math.abs(v) < 10_000 ? 2 : 1)} kW`;
  if (unit === "Hz") return `${v.toFixed(3)} Hz`;
  if (unit === "Hz/s") return `${v.toFixed(4)} Hz/s`;
  if (unit === "%") return `${v.toFixed(1)} %`;
  if (unit === "V") return `${v.toFixed(1)} V`;
  return `${v} ${unit}`;
}

/** The unit a chart axis shows (W is charted as kW). */
export const axisUnit = (unit) => (unit === "W" ? "kW" : unit);
export const axisValue = (v, unit) => (v === null || v === undefined ? null : unit === "W" ? v / 1000 : v);

/** The last segment of a Thing id (urn:gridthings:small:bess-north-1 → bess-north-1); group keys as they are. */
export const shortId = (id) => (id ? String(id).split(":").pop() : "");

/** "Battery active power · bess-north-1" */
export const seriesTitle = (s) => `${s.label}${s.thingId ? ` · ${shortId(s.thingId)}` : ""}`;

/** The id a series gets in a form control: name|thingId. */
export const seriesKey = (s) => `${s.name}|${s.thingId ?? ""}`;
export function parseSeriesKey(key) {
  const cut = key.indexOf("|");
  const name = key.slice(0, cut);
  const thingId = key.slice(cut + 1);
  return { name, thingId: thingId === "" ? null : thingId };
}

/** 2026-06-21 19:05:00 UTC */
export const utc = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—");

export { useStylesheet } from "../dom.js";

/** The history route's URL for one series over [from, to]. */
export function historyUrl(s, fromIso, toIso, points) {
  const q = new URLSearchParams({ series: s.name, from: fromIso, to: toIso, points: String(points) });
  if (s.thingId) q.set("thingId", s.thingId);
  return `/console/history?${q}`;
}
