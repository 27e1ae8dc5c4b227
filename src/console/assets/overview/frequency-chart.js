// Grid frequency and RoCoF as a moving uPlot chart over simulated time, with the regulation band
// (nominal ± band, 59.98–60.02 Hz at 60 Hz) shaded and its edges dashed.
import uPlot from "/console/vendor/uPlot.esm.js";
import { el } from "../dom.js";

const MAX_POINTS = 600;

export function createFrequencyChart({ nominalHz = 60, bandHz = 0.02 } = {}) {
  const band = { nominalHz, bandHz };
  const data = [[], [], []];
  const host = el("div", { class: "freq-chart", id: "frequency-chart", role: "img", "aria-label": "Grid frequency and RoCoF over the last minutes", "data-points": "0" });
  let plot;

  const drawBand = (u) => {
    const c = u.ctx;
    const top = u.valToPos(band.nominalHz + band.bandHz, "y", true);
    const bottom = u.valToPos(band.nominalHz - band.bandHz, "y", true);
    c.save();
    c.fillStyle = "rgba(27, 122, 58, 0.12)";
    c.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
    c.strokeStyle = "rgba(27, 122, 58, 0.8)";
    c.setLineDash([6, 4]);
    c.lineWidth = devicePixelRatio;
    for (const y of [top, bottom]) {
      c.beginPath();
      c.moveTo(u.bbox.left, y);
      c.lineTo(u.bbox.left + u.bbox.width, y);
      c.stroke();
    }
    c.restore();
  };

  function options(width) {
    return {
      width,
      height: 210,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(min ?? band.nominalHz, band.nominalHz - band.bandHz * 2), Math.max(max ?? band.nominalHz, band.nominalHz + band.bandHz * 2)] },
        rocof: { range: (_u, min, max) => { const m = Math.max(0.005, Math.abs(min ?? 0), Math.abs(max ?? 0)); return [-m, m]; } },
      },
      axes: [
        { stroke: "#4f5b66", grid: { stroke: "#e4e8ec" } },
        { scale: "y", label: "Frequency (Hz)", stroke: "#17202a", values: (_u, vals) => vals.map((v) => v.toFixed(2)), size: 60, grid: { stroke: "#e4e8ec" } },
        { scale: "rocof", side: 1, label: "RoCoF (Hz/s)", stroke: "#6a3fa0", values: (_u, vals) => vals.map((v) => v.toFixed(3)), size: 60, grid: { show: false } },
      ],
      series: [
        { label: "sim time (UTC)" },
        { label: "Frequency", scale: "y", stroke: "#0b5cad", width: 2, value: (_u, v) => (v == null ? "—" : `${v.toFixed(3)} Hz`) },
        { label: "RoCoF", scale: "rocof", stroke: "#6a3fa0", width: 1, dash: [4, 3], value: (_u, v) => (v == null ? "—" : `${v.toFixed(4)} Hz/s`) },
      ],
      hooks: { drawClear: [drawBand] },
    };
  }

  function ensurePlot() {
    if (plot || !host.isConnected) return;
    plot = new uPlot(options(Math.max(300, host.clientWidth)), data, host);
  }

  const resize = new ResizeObserver(() => {
    if (plot) plot.setSize({ width: Math.max(300, host.clientWidth), height: 210 });
    else ensurePlot();
  });
  resize.observe(host);

  function redraw() {
    host.dataset.points = String(data[0].length);
    const fs = data[1].filter((f) => typeof f === "number");
    host.dataset.minHz = fs.length ? Math.min(...fs).toFixed(4) : "";
    host.dataset.maxHz = fs.length ? Math.max(...fs).toFixed(4) : "";
    ensurePlot();
    plot?.setData(data);
  }

  return {
    node: host,
    setBand(nominal, width) {
      band.nominalHz = nominal;
      band.bandHz = width;
    },
    /** Replaces the window (a fresh connection) or appends to it (a resumed one). */
    load(points, append) {
      if (!append) for (const a of data) a.length = 0;
      for (const p of points) push(p);
      redraw();
    },
    add(point) {
      push(point);
      redraw();
    },
    destroy() {
      resize.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };

  function push(p) {
    const t = p.t / 1000;
    const last = data[0][data[0].length - 1];
    if (last !== undefined && t <= last) {
      if (t === last) return;
      for (const a of data) a.length = 0;
    }
    data[0].push(t);
    data[1].push(p.frequencyHz);
    data[2].push(p.rocofHzPerS);
    const excess = data[0].length - MAX_POINTS;
    if (excess > 0) for (const a of data) a.splice(0, excess);
  }
}
