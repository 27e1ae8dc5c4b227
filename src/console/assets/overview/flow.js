// The energy-flow picture (as in OpenEMS, evcc, Home Assistant): grid, PV, wind, batteries and
// loads around the site's bus; each arrow points the way the power flows, its width follows the
// power, its colour the kind, and its label says the direction in words.
import { el, svg } from "../dom.js";
import { batteryPower, gridPower, isNum, kw } from "./format.js";

const W = 520;
const H = 300;
const C = { x: W / 2, y: H / 2 };
const R = 34;
const BUS_R = 16;

const NODES = [
  { key: "grid", label: "Grid", x: 62, y: 150 },
  { key: "pv", label: "PV", x: 150, y: 44 },
  { key: "wind", label: "Wind", x: 370, y: 44 },
  { key: "battery", label: "Batteries", x: 458, y: 150 },
  { key: "load", label: "Loads", x: 260, y: 262 },
];

const COLOURS = { import: "var(--import)", export: "var(--export)", pv: "var(--pv)", wind: "var(--wind)", battery: "var(--battery)", load: "var(--load)", idle: "#9aa5b1" };

/** Where the line meets a node's rim (or the bus), from `a` towards `b`. */
function rim(a, b, r) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy) || 1;
  return { x: a.x + (dx / d) * r, y: a.y + (dy / d) * r };
}

/** What one link shows: direction (into or out of the bus), colour, words. */
export function linkState(key, flow) {
  const w = (x) => (isNum(x) ? x : null);
  switch (key) {
    case "grid": {
      const g = gridPower(w(flow.gridW));
      return { watts: Math.abs(flow.gridW ?? 0), into: (flow.gridW ?? 0) > 0, colour: g.word === "import" ? COLOURS.import : g.word === "export" ? COLOURS.export : COLOURS.idle, text: g.text, word: g.word };
    }
    case "pv":
      return { watts: flow.pvW, into: true, colour: COLOURS.pv, text: `generating ${kw(flow.pvW)}`, word: "generating" };
    case "wind":
      return { watts: flow.windW, into: true, colour: COLOURS.wind, text: `generating ${kw(flow.windW)}`, word: "generating" };
    case "battery": {
      const b = batteryPower(flow.batteryW);
      return { watts: Math.abs(flow.batteryW), into: flow.batteryW > 0, colour: COLOURS.battery, text: b.text, word: b.word };
    }
    case "load":
      return { watts: Math.abs(flow.loadW ?? 0), into: false, colour: COLOURS.load, text: isNum(flow.loadW) ? `consuming ${kw(flow.loadW)}` : "—", word: "consuming" };
    default:
      return { watts: 0, into: true, colour: COLOURS.idle, text: "—", word: "" };
  }
}

export function createFlow() {
  const markers = Object.entries(COLOURS).map(([name, colour]) =>
    svg("marker", { id: `flow-arrow-${name}`, viewBox: "0 0 10 10", refX: "8", refY: "5", markerUnits: "userSpaceOnUse", markerWidth: "16", markerHeight: "16", orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: colour })),
  );
  const summary = svg("title", { id: "flow-title" }, "Energy flow");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "flow", role: "img", "aria-labelledby": "flow-title" }, summary, svg("defs", {}, ...markers));
  const parts = {};
  for (const n of NODES) {
    const line = svg("path", { class: "flow-line", fill: "none", "stroke-linecap": "round" });
    root.append(line);
    parts[n.key] = { n, line };
  }
  root.append(svg("circle", { cx: C.x, cy: C.y, r: BUS_R, class: "flow-bus" }), svg("text", { x: C.x, y: C.y + 4, "text-anchor": "middle", class: "flow-bus-label" }, "bus"));
  for (const n of NODES) {
    const p = parts[n.key];
    p.circle = svg("circle", { cx: n.x, cy: n.y, r: R, class: `flow-node flow-node-${n.key}` });
    p.label = svg("text", { x: n.x, y: n.y - 4, "text-anchor": "middle", class: "flow-label" }, n.label);
    p.value = svg("text", { x: n.x, y: n.y + 12, "text-anchor": "middle", class: "flow-value", "data-flow": n.key }, "—");
    p.word = svg("text", { x: n.x, y: n.y + R + 14, "text-anchor": "middle", class: "flow-word", "data-flow-word": n.key }, "");
    root.append(p.circle, p.label, p.value, p.word);
  }
  const legend = el("ul", { class: "flow-list", "aria-label": "Energy flow in words" });
  const node = el("div", { class: "flow-wrap" }, root, legend);

  function update(flow) {
    const states = NODES.map((n) => [n, linkState(n.key, flow)]);
    const scale = Math.max(50_000, ...states.map(([, s]) => s.watts || 0));
    const lines = [];
    for (const [n, s] of states) {
      const p = parts[n.key];
      const a = rim(n, C, R + 2);
      const b = rim(C, n, BUS_R + 4);
      const [from, to] = s.into ? [a, b] : [b, a];
      const active = (s.watts || 0) >= 100;
      p.line.setAttribute("d", `M${from.x.toFixed(1)},${from.y.toFixed(1)} L${to.x.toFixed(1)},${to.y.toFixed(1)}`);
      p.line.setAttribute("stroke", active ? s.colour : COLOURS.idle);
      p.line.setAttribute("stroke-width", (active ? 2 + 12 * Math.sqrt(s.watts / scale) : 1.5).toFixed(1));
      p.line.setAttribute("class", `flow-line${active ? " moving" : ""}`);
      const markerName = n.key === "grid" ? (s.word === "import" ? "import" : s.word === "export" ? "export" : "idle") : active ? n.key : "idle";
      if (active) p.line.setAttribute("marker-end", `url(#flow-arrow-${markerName})`);
      else p.line.removeAttribute("marker-end");
      p.value.textContent = kw(n.key === "grid" ? flow.gridW : n.key === "battery" ? flow.batteryW : n.key === "load" ? flow.loadW : n.key === "pv" ? flow.pvW : flow.windW);
      p.word.textContent = active ? s.word : "idle";
      p.word.setAttribute("class", `flow-word ${n.key === "grid" ? s.word : ""}`);
      lines.push(`${n.label}: ${active ? s.text : "idle"}`);
    }
    summary.textContent = `Energy flow. ${lines.join(". ")}.`;
    legend.replaceChildren(...lines.map((l, i) => el("li", { class: i === 0 ? gridClass(flow.gridW) : "" }, l)));
  }

  return { node, update };
}

const gridClass = (w) => (isNum(w) && w > 0 ? "import" : isNum(w) && w < 0 ? "export" : "");
