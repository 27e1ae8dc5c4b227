// The last balancing cycles (outcome, reason codes in the order the cycle gives them, allocation,
// every field of every breach) and the capability control points with their latest status.
import { el } from "../dom.js";
import { watts, time, age } from "./format.js";

const BREACH_FIELDS = ["breach_id", "node_id", "constraint_ref", "reason_code", "effective_demand_watts", "resolved_limit_watts", "source_mode", "detected_at"];

function breachTable(breaches) {
  return el(
    "table",
    { class: "breaches" },
    el("caption", { class: "muted" }, `${breaches.length} breach${breaches.length === 1 ? "" : "es"}`),
    el("thead", {}, el("tr", {}, BREACH_FIELDS.map((f) => el("th", { scope: "col", class: f.endsWith("_watts") ? "num" : undefined }, f)))),
    el("tbody", {}, breaches.map((b) => el("tr", {}, BREACH_FIELDS.map((f) => el("td", { class: f.endsWith("_watts") ? "num" : f === "breach_id" ? "mono" : undefined }, f.endsWith("_watts") ? `${b[f]} W` : f === "reason_code" || f === "source_mode" ? el("span", { class: `badge ${b[f]}` }, b[f]) : String(b[f] ?? "—")))))),
  );
}

export function cyclesTable(cycles) {
  if (cycles.length === 0) return el("p", { class: "muted" }, "No balancing cycle yet.");
  return el(
    "table",
    { class: "cycles" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Ended"), el("th", { scope: "col" }, "Outcome"), el("th", { scope: "col" }, "Reason codes (in order)"), el("th", { scope: "col", class: "num" }, "Allocated / requested"), el("th", { scope: "col", class: "num" }, "Curtailed"), el("th", { scope: "col" }, "Source, scope, version"), el("th", { scope: "col" }, "Breaches"))),
    el(
      "tbody",
      {},
      cycles.map((c) =>
        el(
          "tr",
          { "data-cycle-id": c.cycle_id },
          el("td", { title: c.cycle_id }, time(c.ended_at)),
          el("td", {}, el("span", { class: `badge ${c.outcome}`, "data-outcome": c.outcome }, c.outcome)),
          el("td", {}, c.reason_codes.length ? el("ol", { class: "reasons" }, c.reason_codes.map((r) => el("li", {}, el("code", {}, r)))) : el("span", { class: "muted" }, "none")),
          el("td", { class: "num" }, `${watts(c.allocation_summary.allocated_watts)} / ${watts(c.allocation_summary.requested_watts)}`, c.allocation_summary.applied ? "" : el("div", { class: "muted" }, "not applied")),
          el("td", { class: "num" }, watts(c.allocation_summary.curtailed_watts)),
          el("td", {}, `${c.audit.source} by ${c.audit.actor}`, el("div", { class: "muted" }, `${c.node_id ?? "whole microgrid"} · v${c.topology_version}`), c.audit.missing_inputs?.length ? el("div", { class: "error" }, `missing: ${c.audit.missing_inputs.join(", ")}`) : null),
          el("td", {}, c.breaches.length ? breachTable(c.breaches) : el("span", { class: "muted" }, "none")),
        ),
      ),
    ),
  );
}

export function controlPointsTable(points) {
  if (points.length === 0) return el("p", { class: "muted" }, "No capability control points.");
  return el(
    "table",
    { class: "control-points" },
    el("thead", {}, el("tr", {}, ["Control point", "Capability", "Target", "State", "Source", "Latest status", "Observed", "freshness_seconds"].map((h) => el("th", { scope: "col", class: h === "freshness_seconds" ? "num" : undefined }, h)))),
    el(
      "tbody",
      {},
      points.map((p) => {
        const s = p.latest_status;
        return el(
          "tr",
          { "data-control-point-id": p.control_point_id },
          el("td", { class: "mono", title: p.description ?? "" }, p.control_point_id),
          el("td", {}, p.capability_type),
          el("td", { class: "mono" }, p.node_id ?? "whole microgrid"),
          el("td", {}, el("span", { class: `badge ${p.state === "enabled" ? "ok" : ""}` }, p.state)),
          el("td", {}, p.control_source, p.external_config_ref ? el("div", { class: "muted" }, `${p.external_config_type}: ${p.external_config_ref}`) : null),
          el("td", {}, s ? `${s.latest_operational_status} (${s.reported_by})` : el("span", { class: "muted" }, "no status yet")),
          el("td", {}, s ? time(s.last_observed_at) : "—"),
          el("td", { class: "num", title: s ? `${age(s.freshness_seconds)} old` : "" }, s ? String(s.freshness_seconds) : "—"),
        );
      }),
    ),
  );
}

/** The envelope lifecycle audit (received, active, next block, expired, withdrawn, rejected), newest first. */
export function lifecycleTable(records) {
  if (records.length === 0) return el("p", { class: "muted" }, "No operating envelope has been received yet.");
  const extra = (r) => [r.withdrawn_by ? `by ${r.withdrawn_by}` : null, r.violated_rule ? `rule ${r.violated_rule}` : null].filter(Boolean).join(", ");
  return el(
    "div",
    { class: "ops-scroll" },
    el(
      "table",
      { class: "lifecycle" },
      el("thead", {}, el("tr", {}, ["Evaluated", "Transition", "Envelope", "Node", "Type", "Source ref", "Detail"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, records.map((r) => el("tr", { "data-envelope-id": r.envelope_id, "data-transition": r.transition },
        el("td", {}, time(r.evaluated_at ?? r.at)),
        el("td", {}, el("span", { class: `badge ${r.status}` }, r.transition)),
        el("td", { class: "mono" }, r.envelope_id),
        el("td", { class: "mono" }, r.node_id),
        el("td", {}, r.envelope_type),
        el("td", { class: "mono" }, r.source_ref),
        el("td", {}, extra(r) || "—")))),
    ),
  );
}
