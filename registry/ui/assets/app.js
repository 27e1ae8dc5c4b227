// The directory browser: lists and searches TDs, shows affordances, reads live values through the
// Things' own HTTP forms and follows registrations over SSE. Plain DOM, no build step.
const $ = (id) => document.getElementById(id);
const PAGE = 100;
const state = { token: sessionStorage.getItem("gt-token") || "", things: new Map(), next: undefined, selected: undefined, source: undefined };

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
};
const headers = (extra = {}) => (state.token ? { authorization: `Bearer ${state.token}`, ...extra } : extra);
const types = (td) => [].concat(td["@type"] ?? []);
const household = (td) => td["gt:privacy"] === "household";

async function api(path, init = {}) {
  const r = await fetch(path, { ...init, headers: headers(init.headers) });
  if (!r.ok) {
    const p = await r.json().catch(() => ({}));
    throw new Error(`${r.status} ${p.title ?? r.statusText}`);
  }
  return r;
}

function thingItem(td) {
  return el("li", { "data-id": td.id, class: state.selected === td.id ? "selected" : "", onclick: () => select(td.id) },
    el("div", { class: "title" }, td.title ?? "(untitled)"),
    el("div", { class: "id" }, td.id),
    types(td).map((t) => el("span", { class: "badge" }, t)),
    td["gt:region"] ? el("span", { class: "badge" }, `region ${td["gt:region"]}`) : null,
    household(td) ? el("span", { class: "badge household" }, "household") : null);
}

function renderList() {
  const list = $("things");
  const sorted = [...state.things.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  list.replaceChildren(...sorted.map(thingItem));
  $("count").textContent = `${sorted.length} Thing${sorted.length === 1 ? "" : "s"}${state.next ? " (more available)" : ""}`;
  $("more").hidden = !state.next;
}

async function loadPage(path) {
  const r = await api(path);
  for (const td of await r.json()) state.things.set(td.id, td);
  state.next = /<([^>]+)>;\s*rel="next"/.exec(r.headers.get("link") ?? "")?.[1];
  renderList();
}

async function reload() {
  state.things.clear();
  $("search-result").hidden = true;
  await loadPage(`/things?limit=${PAGE}`);
}

async function search(event) {
  event.preventDefault();
  const mode = $("search-mode").value;
  const q = $("search").value.trim();
  const out = $("search-result");
  out.hidden = true;
  try {
    if (mode === "text") {
      await reload();
      if (!q) return;
      const needle = q.toLowerCase();
      for (const [id, td] of state.things) {
        const hay = [td.title, td.id, td.description, td["gt:region"], ...types(td)].join(" ").toLowerCase();
        if (!hay.includes(needle)) state.things.delete(id);
      }
      return renderList();
    }
    const path = mode === "jsonpath" ? `/search/jsonpath?query=${encodeURIComponent(q)}` : `/search/sparql?query=${encodeURIComponent(q)}`;
    const result = await (await api(path)).json();
    const tds = Array.isArray(result) ? result.filter((x) => x && typeof x === "object" && typeof x.id === "string" && x.title) : [];
    if (tds.length > 0) {
      state.things.clear();
      state.next = undefined;
      for (const td of tds) state.things.set(td.id, td);
      renderList();
    } else {
      out.textContent = JSON.stringify(result, null, 2);
      out.hidden = false;
    }
  } catch (e) {
    out.textContent = String(e.message);
    out.className = "error";
    out.hidden = false;
  }
}

function formsCell(forms = [], base) {
  return el("td", {}, forms.map((f) => el("div", {}, el("code", {}, [].concat(f.op ?? []).join(", ") || "—"), " ", el("code", {}, resolve(f.href, base)),
    f.contentType ? el("span", { class: "muted" }, ` ${f.contentType}`) : null)));
}
const resolve = (href, base) => { try { return new URL(href, base).href; } catch { return href; } };

function httpReadForm(affordance, base) {
  return (affordance.forms ?? []).find((f) => /^https?:/.test(resolve(f.href, base)) && (!f.op || [].concat(f.op).includes("readproperty")) && (!f["htv:methodName"] || f["htv:methodName"] === "GET"));
}

async function readValue(cell, form, base) {
  cell.replaceChildren(el("span", { class: "muted" }, "reading…"));
  try {
    const r = await fetch(resolve(form.href, base), { headers: { accept: form.contentType ?? "application/json" } });
    const text = await r.text();
    if (!r.ok) throw new Error(`${r.status} ${text.slice(0, 80)}`);
    cell.replaceChildren(el("span", { class: "value" }, text.length > 200 ? `${text.slice(0, 200)}…` : text));
  } catch (e) {
    cell.replaceChildren(el("span", { class: "error" }, e.message));
  }
}

function affordanceTable(kind, affordances, base) {
  const entries = Object.entries(affordances ?? {});
  if (entries.length === 0) return null;
  const rows = entries.map(([name, a]) => {
    const schema = kind === "actions" ? a.input ?? {} : kind === "events" ? a.data ?? {} : a;
    const valueCell = el("td", {});
    const form = kind === "properties" ? httpReadForm(a, base) : undefined;
    if (form) valueCell.append(el("button", { class: "secondary", "data-read": name, onclick: () => readValue(valueCell, form, base) }, "Read"));
    return el("tr", { "data-affordance": name },
      el("td", {}, el("strong", {}, name), a.title && a.title !== name ? el("div", { class: "muted" }, a.title) : null, types(a).map((t) => el("span", { class: "badge" }, t))),
      el("td", {}, schema.type ?? "—", schema.unit ? el("div", { class: "muted" }, `unit ${schema.unit}`) : null,
        schema.minimum !== undefined || schema.maximum !== undefined ? el("div", { class: "muted" }, `${schema.minimum ?? "…"} to ${schema.maximum ?? "…"}`) : null,
        a.readOnly ? el("div", { class: "muted" }, "read-only") : null, a.observable ? el("div", { class: "muted" }, "observable") : null),
      formsCell(a.forms, base),
      kind === "properties" ? valueCell : null);
  });
  const head = ["Name", "Type", "Forms"].concat(kind === "properties" ? ["Live value"] : []);
  return el("section", {}, el("h3", {}, kind[0].toUpperCase() + kind.slice(1)), el("table", {}, el("tr", {}, head.map((h) => el("th", {}, h))), rows));
}

async function select(id) {
  state.selected = id;
  renderList();
  const detail = $("detail");
  try {
    const td = await (await api(`/things/${encodeURIComponent(id)}`)).json();
    const reg = td.registration ?? {};
    const base = td.base ?? location.href;
    detail.replaceChildren(...[
      el("h2", {}, td.title ?? td.id),
      el("div", { class: "id" }, td.id),
      td.description ? el("p", {}, td.description) : null,
      el("p", {}, types(td).map((t) => el("span", { class: "badge" }, t)), household(td) ? el("span", { class: "badge household" }, "household") : null),
      el("p", { class: "muted" }, `registered ${reg.created ?? "?"} · modified ${reg.modified ?? "?"}${reg.expires ? ` · expires ${reg.expires}` : ""}${reg.ttl ? ` (ttl ${reg.ttl} s)` : ""}`),
      Object.entries(td).filter(([k]) => k.startsWith("gt:")).length ? el("table", {}, Object.entries(td).filter(([k]) => k.startsWith("gt:")).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, JSON.stringify(v))))) : null,
      affordanceTable("properties", td.properties, base),
      affordanceTable("actions", td.actions, base),
      affordanceTable("events", td.events, base),
      el("details", {}, el("summary", {}, "Thing Description (JSON-LD)"), el("pre", {}, JSON.stringify(td, null, 2))),
    ].filter(Boolean));
    detail.hidden = false;
    $("placeholder").hidden = true;
  } catch (e) {
    detail.replaceChildren(el("p", { class: "error" }, e.message));
    detail.hidden = false;
  }
}

function logEvent(type, id) {
  const list = $("events");
  list.prepend(el("li", { class: type }, el("span", { class: "muted" }, new Date().toLocaleTimeString()), " ", type.replace("thing_", ""), " ", el("code", {}, id)));
  while (list.children.length > 200) list.lastChild.remove();
}

// EventSource cannot send an Authorization header: read the stream with fetch instead.
async function follow() {
  state.source?.abort();
  const controller = new AbortController();
  state.source = controller;
  const live = $("live");
  let lastId;
  for (;;) {
    try {
      const r = await fetch("/events?diff=true", { headers: headers(lastId ? { "last-event-id": lastId } : {}), signal: controller.signal });
      live.textContent = "live";
      live.className = "badge live";
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const field = (name) => block.split("\n").filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2)).join("\n");
          const type = field("event");
          const data = field("data");
          if (!type || !data) continue;
          lastId = field("id") || lastId;
          const payload = JSON.parse(data);
          logEvent(type, payload.id);
          if (type === "thing_deleted") state.things.delete(payload.id);
          else if (type === "thing_created") state.things.set(payload.id, payload);
          else if (type === "thing_updated") {
            const fresh = await (await api(`/things/${encodeURIComponent(payload.id)}`)).json().catch(() => undefined);
            if (fresh) state.things.set(fresh.id, fresh);
          }
          renderList();
          if (state.selected === payload.id && type !== "thing_created") type === "thing_deleted" ? ($("detail").replaceChildren(el("p", { class: "muted" }, "This Thing was removed from the directory.")), undefined) : select(payload.id);
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    live.textContent = "reconnecting";
    live.className = "badge";
    await new Promise((r) => setTimeout(r, 2000));
  }
}

$("token").value = state.token;
$("token-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("gt-token", state.token);
  $("whoami").textContent = state.token ? "token in use" : "anonymous: household TDs hidden";
  await reload().catch((err) => ($("count").textContent = err.message));
  follow();
});
$("search-form").addEventListener("submit", search);
$("more").addEventListener("click", () => state.next && loadPage(state.next));
if (state.token) $("whoami").textContent = "token in use";
reload().catch((err) => ($("count").textContent = err.message));
follow();
