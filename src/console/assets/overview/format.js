// Numbers for the Overview, with their direction in words as well as sign and colour
// (seed 003 / README: grid + import − export; battery + discharge − charge).
export const isNum = (x) => typeof x === "number" && Number.isFinite(x);

export function kw(w, digits = 1) {
  if (!isNum(w)) return "—";
  return `${(w / 1000).toFixed(digits)} kW`;
}

/** Absolute kW with the word for the direction: "import 12.3 kW", "export 4.0 kW". */
export function gridPower(w) {
  if (!isNum(w)) return { text: "—", cls: "", word: "" };
  if (Math.abs(w) < 1) return { text: "balanced 0.0 kW", cls: "", word: "balanced" };
  return w > 0 ? { text: `import +${kw(w)}`, cls: "import", word: "import" } : { text: `export −${kw(-w)}`, cls: "export", word: "export" };
}

export function batteryPower(w) {
  if (!isNum(w)) return { text: "—", cls: "", word: "" };
  if (Math.abs(w) < 1) return { text: "idle 0.0 kW", cls: "", word: "idle" };
  return w > 0 ? { text: `discharging +${kw(w)}`, cls: "discharge", word: "discharging" } : { text: `charging −${kw(-w)}`, cls: "charge", word: "charging" };
}

export function hz(f, digits = 3) {
  return isNum(f) ? `${f.toFixed(digits)} Hz` : "—";
}

export function signed(x, digits, unit) {
  if (!isNum(x)) return "—";
  return `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x).toFixed(digits)} ${unit}`;
}

/** "2026-06-21T19:02:11.324Z" → "19:02:11Z". */
export function clock(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(11, 19)}Z`;
}

export { useStylesheet } from "../dom.js";
