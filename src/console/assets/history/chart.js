// A bucketed series as a uPlot chart (min–max band and average line, times in UTC) and the same
// numbers as a table for screen readers.
import uPlot from "/console/vendor/uPlot.esm.js";
import { el } from "../dom.js";
import { axisUnit, axisValue, formatValue, utc } from "./format.js";

const COLOURS = { grid: "#0b5cad", fleet: "#6a3fa0", batteries: "#6a3fa0", plants: "#b06d00", demand: "#37474f", meters: "#b3261e" };
const FILL = { grid: "rgba(11,92,173,0.18)", fleet: "rgba(106,63,160,0.18)", batteries: "rgba(106,63,160,0.18)", plants: "rgba(176,109,0,0.2)", demand: "rgba(55,71,79,0.18)", meters: "rgba(179,38,30,0.15)" };

/**
 * Draws `answer` (GET /console/history) into `container`; returns { destroy() }.
 * An answer without buckets shows a note instead of an empty chart.
 */
export function bandChart(container, answer, { group = "grid", width, height = 200, title, legend = true } = {}) {
  if (answer.buckets.length === 0) {
    container.append(el("p", { class: "muted" }, "No stored values in this range."));
    return { destroy() {} };
  }
  const xs = answer.buckets.map((b) => Date.parse(b.at) / 1000 + answer.bucketMs / 2000);
  const v = (k) => answer.buckets.map((b) => axisValue(b[k], answer.unit));
  const colour = COLOURS[group] ?? COLOURS.grid;
  const unit = axisUnit(answer.unit);
  const opts = {
    width: width ?? Math.max(280, container.clientWidth || 600),
    height,
    ...(title ? { title } : {}),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    legend: { show: legend },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { label: unit, size: 60 }],
    series: [
      { label: "time (UTC)" },
      { label: `min (${unit})`, stroke: "transparent", points: { show: false } },
      { label: `average (${unit})`, stroke: colour, width: 2, points: { show: answer.buckets.length < 3 } },
      { label: `max (${unit})`, stroke: "transparent", points: { show: false } },
    ],
    bands: [{ series: [3, 1], fill: FILL[group] ?? FILL.grid }],
  };
  const plot = new uPlot(opts, [xs, v("min"), v("avg"), v("max")], container);
  return { destroy: () => plot.destroy(), plot };
}

/** The buckets as a table (time, min, average, max, last, samples). */
export function bucketTable(answer, caption) {
  return el(
    "table",
    { class: "history-table" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ["Bucket start (UTC)", "Min", "Average", "Max", "Last", "Samples"].map((h, i) => el("th", { scope: "col", class: i > 0 ? "num" : undefined }, h)))),
    el(
      "tbody",
      {},
      answer.buckets.map((b) =>
        el(
          "tr",
          { "data-at": b.at },
          el("td", {}, utc(b.at)),
          ...["min", "avg", "max", "last"].map((k) => el("td", { class: "num" }, formatValue(b[k], answer.unit))),
          el("td", { class: "num" }, String(b.n)),
        ),
      ),
    ),
  );
}
