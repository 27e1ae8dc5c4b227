/** The VPP's page: what the loop is doing now, refreshed every 2 s (no script needed). Pure. */
import type { VppServient } from "./servient.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
const kw = (w: number | null) => (w === null ? "—" : `${(w / 1000).toFixed(1)} kW`);

export function renderVppPage(vpp: VppServient): string {
  const s = vpp.status();
  const rows = s.batteries
    .map((b) => `<tr><td>${esc(b.id)}</td><td>${esc(b.placement.feeder ?? "")}</td><td>${b.active ? "active" : "inactive"}</td><td>${b.socPercent?.toFixed(1) ?? "—"} %</td><td>${kw(b.activePowerW)}</td><td>${kw(b.targetW)}</td><td>${esc(b.droop)}</td></tr>`)
    .join("");
  const incidents = vpp.incidents().active.map((i) => `<li>${esc(i.id)} ${esc(i.kind)}: ${esc(i.detail)}</li>`).join("");
  const outbox = vpp.outboxEntries(10).map((o) => `<li>${esc(o.at)} ${esc(o.channel)} → ${esc(o.channel === "sms" ? o.to.replace(/\d(?=\d{2})/g, "•") : o.to)} [${esc(o.deliveredBy)} ${esc(o.status)}]: ${esc(o.subject)}</li>`).join("");
  const d = s.lastDecision;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>GridThings VPP</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:64rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}table{border-collapse:collapse}.big{font-size:2rem;font-weight:600}</style></head><body>
<h1>VPP consumer servient</h1>
<p class="big" id="frequency">${s.frequencyHz?.toFixed(3) ?? "?"} Hz</p>
<p>Simulated time ${esc(s.simTime ?? "—")} · mode <b id="mode">${s.mode}</b> · fleet command <b id="fleet">${kw(s.fleetCommandW)}</b> · steps ${s.steps} · timeouts ${s.timeouts} · commands ${s.commandsSent} sent, ${s.commandsFailed} failed</p>
<p>Ensemble: ${Object.entries(s.ensemble).filter(([, n]) => n > 0).map(([r, n]) => `${n} ${esc(r)}`).join(", ")}${s.metering ? ` · meter stream: ${s.metering.meters} meters, ${s.metering.quality.GOOD} good, ${s.metering.accepted ?? 0} readings accepted` : ""}</p>
${d ? `<p>Last dispatch ${esc(d.at)}: ${esc(d.reason)} — available ${kw(d.availableCapacityW)}, required ${kw(d.requiredW)}, command ${kw(d.commandW)}</p>` : "<p>No dispatch yet.</p>"}
<table><tr><th>battery</th><th>feeder</th><th>state</th><th>SoC</th><th>output</th><th>setpoint</th><th>droop</th></tr>${rows}</table>
<h2>Active incidents</h2><ul>${incidents || "<li>none</li>"}</ul>
<h2>Outbox (latest)</h2><ul>${outbox || "<li>empty</li>"}</ul>
<p><a href="/vpp/report">Daily stability report</a> · <a href="/vpp/status">status JSON</a> · <a href="/vpp/forecast">forecast</a> · <a href="/vpp/aggregate">load aggregates</a></p>
</body></html>`;
}
