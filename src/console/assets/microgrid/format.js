// Formatting shared by the microgrid and operations views: power with its direction in words,
// ages, instants.
export function watts(w) {
  if (w === null || w === undefined || Number.isNaN(w)) return "—";
  const abs = Math.abs(w);
  return abs >= 1000 ? `${Number((w / 1000).toFixed(1))} kW` : `${Math.round(w)} W`;
}

/** Demand sign convention: positive = consumption, negative = generation (said in words too). */
export function demand(w) {
  if (w === null || w === undefined || Number.isNaN(w)) return "—";
  if (w < 0) return `${watts(w)} (generation)`;
  return watts(w);
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** "2026-03-01T10:00:00.000Z" → "10:00:00Z" today, else "03-01 10:00Z". */
export function time(iso, now = new Date()) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const s = d.toISOString();
  return s.slice(0, 10) === now.toISOString().slice(0, 10) ? `${s.slice(11, 19)}Z` : `${s.slice(5, 10)} ${s.slice(11, 16)}Z`;
}

export { useStylesheet } from "../dom.js";
