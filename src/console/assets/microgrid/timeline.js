// An SVG time axis of a node's live operating envelopes: one lane per envelope, one bar per block
// (its limit as text and tooltip), a line at "now". The picture has a text equivalent in aria-label.
import { svg } from "../dom.js";
import { watts, time } from "./format.js";

const LANE = 16;

function blockValue(b) {
  return b.max_limit_watts ?? b.target_watts ?? b.min_limit_watts;
}

export function envelopeTimeline(envelopes, window, nowIso, { width = 220, labels = false } = {}) {
  const from = Date.parse(window?.from ?? nowIso);
  const to = Math.max(Date.parse(window?.to ?? nowIso), from + 60_000);
  const now = Date.parse(nowIso);
  const axis = labels ? 14 : 0;
  const height = envelopes.length * LANE + axis + 2;
  const x = (t) => Math.max(0, Math.min(width, ((t - from) / (to - from)) * width));
  const summary = envelopes
    .map((e) => `${e.envelope_type} ${e.constraint_type} ${e.status} ${time(e.effective_from)}–${time(e.effective_to)}: ${e.blocks.map((b) => `${time(b.block_from)}–${time(b.block_to)} ${watts(blockValue(b))}`).join(", ")}`)
    .join("; ");
  const root = svg("svg", { class: "timeline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `Envelope timeline: ${summary || "none"}` });
  envelopes.forEach((e, lane) => {
    const y = lane * LANE + 1;
    root.append(svg("rect", { x: x(Date.parse(e.effective_from)), y: y + LANE - 4, width: Math.max(1, x(Date.parse(e.effective_to)) - x(Date.parse(e.effective_from))), height: 2, class: "env-window" }));
    for (const b of e.blocks) {
      const bx = x(Date.parse(b.block_from));
      const bw = Math.max(2, x(Date.parse(b.block_to)) - bx);
      const g = svg("g", { class: `env-block ${e.envelope_type} ${e.status}` });
      g.append(svg("title", {}, `${e.envelope_type} ${e.constraint_type} (${e.status}) ${time(b.block_from)}–${time(b.block_to)}: ${watts(blockValue(b))}`));
      g.append(svg("rect", { x: bx, y, width: bw, height: LANE - 5, rx: 2 }));
      if (bw > 36) g.append(svg("text", { x: bx + 3, y: y + LANE - 8 }, watts(blockValue(b))));
      root.append(g);
    }
  });
  if (now >= from && now <= to) root.append(svg("line", { x1: x(now), x2: x(now), y1: 0, y2: height - axis, class: "now" }, svg("title", {}, `now ${time(nowIso)}`)));
  if (labels) {
    root.append(svg("text", { x: 0, y: height - 2, class: "axis" }, time(new Date(from).toISOString())));
    root.append(svg("text", { x: width, y: height - 2, class: "axis end" }, time(new Date(to).toISOString())));
  }
  return root;
}
