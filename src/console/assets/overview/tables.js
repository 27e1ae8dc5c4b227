// The Overview's tables: grid meter per phase, PV and wind against forecast, battery fleet,
// demand by region / substation / feeder, VPP mode and last dispatch. Each `render…` returns a node.
import { el } from "../dom.js";
import { batteryPower, clock, gridPower, hz, isNum, kw, signed } from "./format.js";

const th = (text, cls) => el("th", { scope: "col", class: cls }, text);
const num = (text, cls = "") => el("td", { class: `num ${cls}`.trim() }, text);
const badge = (text, cls = text) => el("span", { class: `badge ${cls}` }, text);

export function renderGrid(grid) {
  if (!grid) return el("p", { class: "muted" }, "No grid meter reading yet.");
  const total = gridPower(grid.activePowerW);
  const row = (name, p) => {
    const g = gridPower(p.activePowerW);
    return el("tr", {}, el("th", { scope: "row" }, name), num(isNum(p.voltageV) ? p.voltageV.toFixed(1) : "—"), num(isNum(p.currentA) ? p.currentA.toFixed(1) : "—"), num(g.text, g.cls), num(isNum(p.reactivePowerVar) ? (p.reactivePowerVar / 1000).toFixed(1) : "—"));
  };
  return el(
    "div",
    {},
    el("p", { class: "grid-total" }, el("span", { class: `big ${total.cls}`, id: "grid-power" }, total.text), " ", badge(grid.quality), el("span", { class: "muted" }, ` at ${clock(grid.timestamp)}`)),
    el(
      "table",
      { id: "phase-table" },
      el("caption", { class: "muted small" }, "Active power + import / − export (seed 003)"),
      el("thead", {}, el("tr", {}, th("Phase"), th("V", "num"), th("A", "num"), th("Active power", "num"), th("kvar", "num"))),
      el(
        "tbody",
        {},
        grid.phases.map((p) => row(p.phase, p)),
        el("tr", { class: "total" }, el("th", { scope: "row" }, "Total"), num("—"), num("—"), num(total.text, total.cls), num(isNum(grid.reactivePowerVar) ? (grid.reactivePowerVar / 1000).toFixed(1) : "—")),
      ),
    ),
    el("p", { class: "muted small" }, `Power factor ${isNum(grid.powerFactor) ? grid.powerFactor.toFixed(3) : "—"} · apparent ${isNum(grid.apparentPowerVA) ? (grid.apparentPowerVA / 1000).toFixed(1) : "—"} kVA`),
  );
}

function bar(value, max, cls, label) {
  const pct = max > 0 && isNum(value) ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return el("span", { class: `bar ${cls}`, role: "presentation", title: label }, el("span", { class: "bar-fill", style: `width:${pct.toFixed(1)}%` }));
}

export function renderRenewables(r) {
  const max = Math.max(1, ...r.plants.flatMap((p) => [p.activePowerW ?? 0, p.forecastW ?? 0, p.availablePowerW ?? 0]));
  const diff = (a, f) => (isNum(a) && isNum(f) ? signed((a - f) / 1000, 1, "kW") : "—");
  return el(
    "table",
    { id: "renewables-table" },
    el("thead", {}, el("tr", {}, th("Plant"), th("Actual / forecast"), th("Actual", "num"), th("Forecast", "num"), th("Δ actual − forecast", "num"), th("Quality"))),
    el(
      "tbody",
      {},
      r.plants.map((p) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, p.title, el("span", { class: "sub" }, p.kind === "pv" ? "PV" : "wind", isNum(p.curtailmentLimitW) ? ` · curtailed to ${kw(p.curtailmentLimitW)}` : "")),
          el("td", {}, bar(p.activePowerW, max, p.kind, "actual"), bar(p.forecastW, max, "forecast", "forecast")),
          num(kw(p.activePowerW)),
          num(kw(p.forecastW)),
          num(diff(p.activePowerW, p.forecastW)),
          el("td", {}, badge(p.quality)),
        ),
      ),
      el("tr", { class: "total" }, el("th", { scope: "row" }, "PV total"), el("td"), num(kw(r.pvW)), num(kw(r.pvForecastW)), num(diff(r.pvW, r.pvForecastW)), el("td")),
      el("tr", { class: "total" }, el("th", { scope: "row" }, "Wind total"), el("td"), num(kw(r.windW)), num(kw(r.windForecastW)), num(diff(r.windW, r.windForecastW)), el("td")),
    ),
  );
}

export function renderBatteries(batteries) {
  if (batteries.length === 0) return el("p", { class: "muted" }, "The VPP knows no battery yet.");
  return el(
    "table",
    { id: "battery-table" },
    el("thead", {}, el("tr", {}, th("Battery"), th("SoC"), th("Power"), th("Setpoint"), th("State"))),
    el(
      "tbody",
      {},
      batteries.map((b) => {
        const p = batteryPower(b.activePowerW);
        const s = batteryPower(b.setpointW);
        return el(
          "tr",
          { "data-battery": b.title },
          el("th", { scope: "row" }, b.title, el("span", { class: "sub" }, [b.region, b.substation, b.feeder].filter(Boolean).join(" / "))),
          el("td", { class: "soc" }, el("meter", { min: "0", max: "100", low: "20", high: "80", optimum: "60", value: isNum(b.socPercent) ? b.socPercent.toFixed(1) : "0", "aria-label": `state of charge of ${b.title}` }), ` ${isNum(b.socPercent) ? b.socPercent.toFixed(1) : "—"} %`),
          powerCell(p, "power"),
          powerCell(s, "setpoint", { "data-setpoint-w": isNum(b.setpointW) ? String(Math.round(b.setpointW)) : "" }),
          el("td", {}, badge(b.state, b.state === "fault" ? "bad" : ""), el("span", { class: "sub" }, badge(b.quality), b.active ? "" : badge("not dispatched", "warn"))),
        );
      }),
    ),
  );
}

/** Power with its direction word above the signed value. */
function powerCell(p, cls, attrs = {}) {
  const [word, ...rest] = p.text.split(" ");
  return el("td", { class: `${cls} ${p.cls}`.trim(), ...attrs }, el("span", { class: "sub" }, word), rest.join(" "));
}

const LEVELS = { region: "regions", substation: "substations", feeder: "feeders" };

export function renderDemand(demand, level) {
  if (!demand) return el("p", { class: "muted" }, "No meter aggregates yet (the VPP starts the meter stream once the simulated clock is known).");
  const rows = demand[LEVELS[level]] ?? [];
  const max = Math.max(1, ...rows.map((r) => Math.abs(r.demandW)));
  const name = (r) => (level === "region" ? r.region : level === "substation" ? `${r.region} / ${r.substation}` : `${r.region} / ${r.substation} / ${r.feeder}`);
  const net = (w) => (w < 0 ? { text: `net export −${kw(-w)}`, cls: "export" } : { text: `demand ${kw(w)}`, cls: "" });
  const total = net(demand.total.demandW);
  return el(
    "table",
    { id: "demand-table" },
    el("caption", { class: "muted small" }, `Smart-meter aggregates at ${clock(demand.at)}`),
    el("thead", {}, el("tr", {}, th(level[0].toUpperCase() + level.slice(1)), th("Net demand"), th("", "num"), th("Import", "num"), th("Export", "num"), th("Meters", "num"))),
    el(
      "tbody",
      {},
      rows.map((r) => {
        const n = net(r.demandW);
        return el("tr", {}, el("th", { scope: "row" }, name(r) ?? r.key), el("td", {}, bar(Math.abs(r.demandW), max, r.demandW < 0 ? "export" : "load", n.text)), num(n.text, n.cls), num(kw(r.importW)), num(kw(r.exportW)), num(`${r.meters}${r.stale ? ` (+${r.stale} stale)` : ""}`));
      }),
      el("tr", { class: "total" }, el("th", { scope: "row" }, "Site"), el("td"), num(total.text, total.cls), num(kw(demand.total.importW)), num(kw(demand.total.exportW)), num(`${demand.total.meters}${demand.total.stale ? ` (+${demand.total.stale} stale)` : ""}`)),
    ),
  );
}

export function renderVpp(vpp, grid) {
  const fleet = batteryPower(vpp.fleetCommandW);
  const d = vpp.lastDispatch;
  return el(
    "div",
    {},
    el(
      "p",
      {},
      "Mode ",
      el("span", { id: "vpp-mode", class: `badge ${vpp.mode === "regulating" ? "ACTIVE" : ""}` }, vpp.mode),
      " · fleet command ",
      el("strong", { id: "fleet-command", class: fleet.cls, "data-fleet-w": String(Math.round(vpp.fleetCommandW)) }, fleet.text),
      grid?.outsideBand ? el("span", { class: "badge bad" }, "outside band") : "",
    ),
    d
      ? el(
          "div",
          { id: "last-dispatch" },
          el("p", {}, `Last dispatch at ${clock(d.at)} (sim): `, el("strong", {}, d.reason), ` · command ${batteryPower(d.commandW).text} of ${kw(d.requiredW)} required · ${kw(d.availableCapacityW)} available`),
          d.setpoints.length ? el("ul", { class: "setpoints" }, d.setpoints.map((s) => el("li", {}, `${s.title}: ${batteryPower(s.targetW).text}`))) : "",
        )
      : el("p", { class: "muted", id: "last-dispatch" }, "No dispatch yet."),
    el("p", { class: "muted small" }, `${vpp.activeIncidents} open incident(s) · ${vpp.openTasks} open task(s) · ${vpp.steps} regulation steps`),
  );
}

export { hz };
