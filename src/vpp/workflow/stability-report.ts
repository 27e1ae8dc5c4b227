/**
 * Seed 004 step 13: the daily stability report, one self-contained HTML page with inline SVG
 * charts (energy dispatched per hour, frequency per minute with the ±0.02 Hz band) and the
 * incidents and technician tasks of the day. Pure: stats in, HTML out.
 */
import type { DayStats } from "./stability-stats.ts";
import type { Incident } from "./incidents.ts";
import type { TechnicianTask } from "./tasks.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function energyChart(stats: DayStats): string {
  const w = 720;
  const h = 180;
  const max = Math.max(1, ...stats.dischargeWhByHour, ...stats.chargeWhByHour);
  const bw = (w - 40) / 24;
  const bars = stats.dischargeWhByHour
    .map((d, i) => {
      const c = stats.chargeWhByHour[i] ?? 0;
      const dh = ((h - 40) / 2) * (d / max);
      const ch = ((h - 40) / 2) * (c / max);
      const x = 30 + i * bw;
      const mid = 10 + (h - 40) / 2;
      return `<rect x="${x.toFixed(1)}" y="${(mid - dh).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${dh.toFixed(1)}" fill="#d9480f"><title>${i}:00 discharge ${(d / 1000).toFixed(2)} kWh</title></rect><rect x="${x.toFixed(1)}" y="${mid.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${ch.toFixed(1)}" fill="#1971c2"><title>${i}:00 charge ${(c / 1000).toFixed(2)} kWh</title></rect>${i % 3 === 0 ? `<text x="${x.toFixed(1)}" y="${h - 8}" font-size="10">${i}h</text>` : ""}`;
    })
    .join("");
  return `<svg role="img" aria-label="Energy dispatched per hour" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><line x1="30" x2="${w - 10}" y1="${10 + (h - 40) / 2}" y2="${10 + (h - 40) / 2}" stroke="#888"/>${bars}<text x="2" y="14" font-size="10">${(max / 1000).toFixed(1)} kWh</text></svg>`;
}

function frequencyChart(stats: DayStats, nominalHz: number, bandHz: number): string {
  const w = 720;
  const h = 200;
  const minutes = Object.keys(stats.frequencyByMinute).map(Number).sort((a, b) => a - b);
  const span = Math.max(0.05, ...minutes.flatMap((m) => (stats.frequencyByMinute[m] as [number, number]).map((f) => Math.abs(f - nominalHz))));
  const y = (f: number) => 10 + ((h - 30) * (1 - (f - (nominalHz - span)) / (2 * span))).valueOf();
  const x = (m: number) => 30 + ((w - 40) * m) / 1440;
  const lines = minutes.map((m) => {
    const [lo, hi] = stats.frequencyByMinute[m] as [number, number];
    return `<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${y(hi).toFixed(1)}" y2="${(y(lo) + 0.5).toFixed(1)}" stroke="${Math.max(Math.abs(lo - nominalHz), Math.abs(hi - nominalHz)) > bandHz ? "#c92a2a" : "#2b8a3e"}"/>`;
  });
  const band = `<rect x="30" width="${w - 40}" y="${y(nominalHz + bandHz).toFixed(1)}" height="${(y(nominalHz - bandHz) - y(nominalHz + bandHz)).toFixed(1)}" fill="#d3f9d8"/>`;
  return `<svg role="img" aria-label="Frequency per minute" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${band}${lines.join("")}<text x="2" y="${y(nominalHz) + 3}" font-size="10">${nominalHz}</text><text x="2" y="14" font-size="10">+${span.toFixed(3)}</text></svg>`;
}

export function renderStabilityReport(stats: DayStats, incidents: readonly Incident[], tasks: readonly TechnicianTask[], options: { nominalHz?: number; bandHz?: number; generatedAt?: string } = {}): string {
  const nominalHz = options.nominalHz ?? 60;
  const bandHz = options.bandHz ?? 0.02;
  const discharged = stats.dischargeWhByHour.reduce((s, x) => s + x, 0);
  const charged = stats.chargeWhByHour.reduce((s, x) => s + x, 0);
  const rows = incidents
    .map((i) => `<tr><td>${esc(i.id)}</td><td>${esc(i.kind)}</td><td>${esc(i.openedAt)}</td><td>${esc(i.archivedAt ?? "active")}</td><td>${esc(i.detail)}</td></tr>`)
    .join("");
  const taskRows = tasks.map((t) => `<tr><td>${esc(t.id)}</td><td>${esc(t.thingId)}</td><td>${esc(t.code)}</td><td>${esc(t.createdAt)}</td><td>${esc(t.status)}</td></tr>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Daily stability report ${esc(stats.day)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.9rem}.k{font-size:1.4rem;font-weight:600}</style></head>
<body>
<h1>Daily stability report — ${esc(stats.day)}</h1>
<p>Generated ${esc(options.generatedAt ?? new Date().toISOString())} by the GridThings VPP (seed 004 step 13).</p>
<table><tr><th>Energy dispatched (discharge)</th><th>Energy absorbed (charge)</th><th>Frequency excursions (|Δf| &gt; ${bandHz} Hz)</th><th>Time outside the band</th><th>Frequency min / max</th><th>Incidents</th><th>Storage commands</th></tr>
<tr><td class="k" id="energy-dispatched">${(discharged / 1000).toFixed(2)} kWh</td><td class="k">${(charged / 1000).toFixed(2)} kWh</td><td class="k" id="excursions">${stats.excursions}</td><td class="k">${stats.secondsOutside.toFixed(0)} s</td><td class="k">${stats.minHz?.toFixed(3) ?? "—"} / ${stats.maxHz?.toFixed(3) ?? "—"} Hz</td><td class="k" id="incidents">${incidents.length}</td><td class="k">${stats.commands}</td></tr></table>
<h2>Energy dispatched per hour (UTC)</h2>
<p>Discharge above the axis, charge below.</p>
${energyChart(stats)}
<h2>Frequency per minute</h2>
<p>Green band: ${nominalHz} ± ${bandHz} Hz. Red: minutes with an excursion.</p>
${frequencyChart(stats, nominalHz, bandHz)}
<h2>Incidents</h2>
<table><tr><th>id</th><th>kind</th><th>opened</th><th>archived</th><th>detail</th></tr>${rows || '<tr><td colspan="5">none</td></tr>'}</table>
<h2>Technician tasks</h2>
<table><tr><th>id</th><th>device</th><th>code</th><th>created</th><th>status</th></tr>${taskRows || '<tr><td colspan="5">none</td></tr>'}</table>
</body></html>
`;
}
