// A Thing's affordances from its TD: type, unit, range and forms grouped by protocol; live values
// read through the Thing's own HTTP forms (reads need no token: the devices' TDs say nosec).
import { el } from "../dom.js";

const resolve = (href, base) => {
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
};
const protocolOf = (href) => (/^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1] ?? "relative").toLowerCase();
const opsOf = (f) => [].concat(f.op ?? []);

/** The HTTP form that reads the property (GET), if any. */
export function httpReadForm(affordance, base) {
  return (affordance.forms ?? []).find((f) => /^https?:/.test(resolve(f.href, base)) && (opsOf(f).length === 0 || opsOf(f).includes("readproperty")) && (!f["htv:methodName"] || f["htv:methodName"] === "GET"));
}

function formsCell(forms, base) {
  const byProtocol = new Map();
  for (const f of forms ?? []) {
    const href = resolve(f.href, base);
    const p = protocolOf(href);
    if (!byProtocol.has(p)) byProtocol.set(p, []);
    byProtocol.get(p).push({ href, ops: opsOf(f), contentType: f.contentType });
  }
  if (byProtocol.size === 0) return el("td", { class: "muted" }, "no forms");
  return el(
    "td",
    {},
    el(
      "ul",
      { class: "dir-forms" },
      [...byProtocol].map(([p, fs]) =>
        el("li", {}, el("span", { class: "badge", "data-protocol": p }, p), " ", [...new Set(fs.flatMap((f) => f.ops))].join(", ") || "—",
          el("details", {}, el("summary", {}, `${fs.length} form${fs.length === 1 ? "" : "s"}`), fs.map((f) => el("div", {}, el("code", {}, f.href), f.contentType ? el("span", { class: "muted" }, ` ${f.contentType}`) : null)))),
      ),
    ),
  );
}

function formatLive(text, schema) {
  try {
    const v = JSON.parse(text);
    if (typeof v === "number") return `${Number.isInteger(v) ? v : v.toFixed(3)}${schema.unit ? ` ${schema.unit}` : ""}`;
    const s = JSON.stringify(v);
    return s.length > 160 ? `${s.slice(0, 160)}…` : s;
  } catch {
    return text.length > 160 ? `${text.slice(0, 160)}…` : text;
  }
}

/** Reads one property over HTTP into `cell`; resolves when done (errors shown in the cell). */
export async function readInto(cell, form, base, schema, signal) {
  cell.replaceChildren(el("span", { class: "muted" }, "reading…"));
  try {
    const r = await fetch(resolve(form.href, base), { headers: { accept: form.contentType ?? "application/json" }, signal });
    const text = await r.text();
    if (!r.ok) throw new Error(`${r.status} ${text.slice(0, 80)}`);
    cell.replaceChildren(el("span", { class: "dir-value", "data-live": "true" }, formatLive(text, schema)));
  } catch (e) {
    if (signal?.aborted) return;
    cell.replaceChildren(el("span", { class: "error" }, e.message));
  }
}

/**
 * One table per kind (properties, actions, events). For properties, `onRead(name, cell, form)`
 * gets each row with an HTTP read form (the view reads them and wires the Read buttons).
 */
export function affordanceTable(kind, affordances, base, onRead) {
  const entries = Object.entries(affordances ?? {});
  if (entries.length === 0) return null;
  const props = kind === "properties";
  const rows = entries.map(([name, a]) => {
    const schema = kind === "actions" ? a.input ?? {} : kind === "events" ? a.data ?? {} : a;
    const notes = [schema.unit ? `unit ${schema.unit}` : null, schema.minimum !== undefined || schema.maximum !== undefined ? `${schema.minimum ?? "…"} to ${schema.maximum ?? "…"}` : null, a.readOnly ? "read-only" : null, a.writeOnly ? "write-only" : null, a.observable ? "observable" : null, a.safe ? "safe" : null, a.idempotent ? "idempotent" : null].filter(Boolean);
    const cells = [
      el("th", { scope: "row" }, name, a.title && a.title !== name ? el("div", { class: "muted" }, a.title) : null),
      el("td", {}, schema.type ?? "—", notes.length ? el("div", { class: "muted" }, notes.join(" · ")) : null),
      formsCell(a.forms, base),
    ];
    if (props) {
      const cell = el("td", { class: "dir-live" });
      const form = httpReadForm(a, base);
      if (form) onRead(name, cell, form, schema);
      else cell.append(el("span", { class: "muted" }, "no HTTP read form"));
      cells.push(cell);
    }
    return el("tr", { "data-affordance": name }, cells);
  });
  const head = ["Name", "Type", "Forms by protocol", ...(props ? ["Live value"] : [])];
  return el(
    "section",
    { "aria-label": kind },
    el("h3", {}, kind[0].toUpperCase() + kind.slice(1)),
    el("table", { class: "dir-affordances", "data-kind": kind }, el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)),
  );
}
