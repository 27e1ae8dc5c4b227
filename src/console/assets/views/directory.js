// The Directory view: the Thing Description Directory with semantic filters (device kind, region,
// substation, feeder) built as JSONPath queries, or paged listing without filters. Opening a Thing
// shows its affordances (type, unit, forms per protocol), live values read through its own HTTP
// forms, its numeric history as small charts and, for privileged roles, its object memory
// (commands, results, state changes). The directory decides which TDs a role sees (household TDs
// only for privileged roles) and the console routes decide which history.
import { el, clear } from "../dom.js";
import { bandChart } from "../history/chart.js";
import { formatValue, historyUrl, shortId, useStylesheet, utc } from "../history/format.js";
import { KINDS, distinct, filterQuery, kindLabel, kindOf } from "../directory/query.js";
import { affordanceTable, readInto } from "../directory/affordances.js";

const PAGE = 50;
const HISTORY_RANGE_MS = 3600_000;
const MEMORY_ROWS = 30;
const READS_IN_FLIGHT = 4;

export default {
  title: "Directory",
  mount(root, ctx) {
    const removeCss = useStylesheet("/console/assets/directory/directory.css");
    const state = { things: [], next: undefined, selected: undefined, closed: false, charts: [], reads: new AbortController(), filters: {} };

    const select = (id, label, options) => el("div", { class: "field" }, el("label", { for: id }, label), el("select", { id }, el("option", { value: "" }, "Any"), options));
    const kind = select("dir-kind", "Device kind", []);
    const region = select("dir-region", "Region", []);
    const substation = select("dir-substation", "Substation", []);
    const feeder = select("dir-feeder", "Feeder", []);
    const $ = (field) => field.querySelector("select");
    const queryShown = el("code", { id: "dir-query", class: "dir-query" });
    const count = el("p", { id: "dir-count", class: "muted", role: "status" });
    const more = el("button", { type: "button", id: "dir-more", hidden: true, onclick: () => void loadPage(state.next) }, "More");
    const list = el("tbody", { id: "dir-results" });
    const detail = el("section", { class: "card", id: "dir-detail", "aria-labelledby": "dir-detail-title", tabindex: "-1" }, el("h2", { id: "dir-detail-title" }, "Thing"), el("p", { class: "muted" }, "Open a Thing from the list to see its affordances, live values and history."));
    const form = el(
      "form",
      { id: "dir-form", "aria-label": "Directory filters" },
      el("div", { class: "dir-filters" }, kind, region, substation, feeder, el("button", { type: "submit", class: "primary", id: "dir-apply" }, "Apply"), el("button", { type: "button", id: "dir-reset", onclick: () => reset() }, "Clear")),
      el("p", { class: "muted" }, "JSONPath: ", queryShown),
    );
    root.append(
      el("div", { class: "dir", "aria-live": "off" },
        el("section", { class: "card", "aria-labelledby": "dir-list-title" },
          el("h2", { id: "dir-list-title" }, "Things in the directory"),
          form,
          count,
          el("table", { class: "dir-list" }, el("thead", {}, el("tr", {}, ["Thing", "Kind", "Region", "Substation", "Feeder"].map((h) => el("th", { scope: "col" }, h)))), list),
          more),
        detail));

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void search();
    });

    function reset() {
      for (const f of [kind, region, substation, feeder]) $(f).value = "";
      void search();
    }

    function fill(field, values, label = (v) => v) {
      const s = $(field);
      const keep = s.value;
      s.replaceChildren(el("option", { value: "" }, "Any"), ...values.map((v) => el("option", { value: v }, label(v))));
      s.value = values.includes(keep) ? keep : "";
    }

    async function loadFacets() {
      const q = (path) => ctx.json(`/search/jsonpath?query=${encodeURIComponent(path)}`).catch(() => []);
      const [types, regions, substations, feeders] = await Promise.all([q("$[*]['@type']"), q("$[*]['gt:region']"), q("$[*]['gt:substation']"), q("$[*]['gt:feeder']")]);
      const known = new Set(KINDS.map(([t]) => t));
      const kinds = distinct(types).filter((t) => t.startsWith("gt:"));
      fill(kind, [...KINDS.map(([t]) => t).filter((t) => kinds.includes(t)), ...kinds.filter((t) => !known.has(t))], kindLabel);
      fill(region, distinct(regions));
      fill(substation, distinct(substations));
      fill(feeder, distinct(feeders));
    }

    function renderList() {
      list.replaceChildren(
        ...state.things.map((td) =>
          el("tr", { "data-id": td.id, "data-kind": kindOf(td), "aria-selected": state.selected === td.id ? "true" : "false" },
            el("td", {}, el("button", { type: "button", class: "link", onclick: () => void open(td.id) }, td.title ?? td.id), td.title && td.title !== shortId(td.id) ? el("div", { class: "muted" }, shortId(td.id)) : null),
            el("td", {}, kindLabel(kindOf(td)), td["gt:privacy"] === "household" ? el("span", { class: "badge warn" }, "household") : null),
            el("td", {}, td["gt:region"] ?? "—"),
            el("td", {}, td["gt:substation"] ?? "—"),
            el("td", {}, td["gt:feeder"] ?? "—"))),
      );
      count.textContent = `${state.things.length} Thing${state.things.length === 1 ? "" : "s"}${state.next ? " (more available)" : ""}${ctx.has("privileged-reader") || ctx.has("writer") ? "" : " · household TDs are visible only to privileged roles"}`;
      more.hidden = !state.next;
    }

    async function loadPage(path) {
      const r = await ctx.request(path);
      const page = await r.json();
      state.things.push(...page.filter((td) => td && typeof td.id === "string"));
      state.next = /<([^>]+)>;\s*rel="next"/.exec(r.headers.get("link") ?? "")?.[1];
      renderList();
    }

    async function search() {
      const filters = { kind: $(kind).value, region: $(region).value, substation: $(substation).value, feeder: $(feeder).value };
      const query = filterQuery(filters);
      queryShown.textContent = query ?? "(none: paged listing of /things)";
      state.things = [];
      state.next = undefined;
      try {
        if (!query) await loadPage(`/things?limit=${PAGE}`);
        else {
          const result = await ctx.json(`/search/jsonpath?query=${encodeURIComponent(query)}`);
          state.things = (Array.isArray(result) ? result : []).filter((td) => td && typeof td.id === "string").sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          renderList();
        }
      } catch (e) {
        list.replaceChildren();
        count.textContent = e.message;
      }
    }

    // ── one Thing ────────────────────────────────────────────────────────────────────────
    function stopDetail() {
      state.reads.abort();
      state.reads = new AbortController();
      for (const c of state.charts.splice(0)) c.destroy();
    }

    async function readAll(jobs, signal) {
      const queue = [...jobs];
      await Promise.all(Array.from({ length: READS_IN_FLIGHT }, async () => {
        while (queue.length && !signal.aborted) await queue.shift()();
      }));
    }

    async function open(id) {
      stopDetail();
      state.selected = id;
      renderList();
      const signal = state.reads.signal;
      clear(detail);
      let td;
      try {
        td = await ctx.json(`/things/${encodeURIComponent(id)}`);
      } catch (e) {
        detail.append(el("h2", { id: "dir-detail-title" }, shortId(id)), el("p", { class: "error" }, e.message));
        return;
      }
      if (signal.aborted || state.closed) return;
      const base = td.base ?? location.href;
      const annotations = Object.entries(td).filter(([k]) => k.startsWith("gt:"));
      const reads = [];
      const onRead = (name, cell, f, schema) => {
        const value = el("span", { class: "muted" }, "…");
        const read = () => readInto(value, f, base, schema, signal);
        cell.append(value, " ", el("button", { type: "button", class: "dir-read", "aria-label": `Read ${name} again` }, "Read"));
        cell.lastChild.addEventListener("click", read);
        reads.push(read);
      };
      const tables = ["properties", "actions", "events"].map((k) => affordanceTable(k, td[k], base, onRead)).filter(Boolean);
      const historyBox = el("div", { class: "dir-history", id: "dir-history" }, el("p", { class: "muted" }, "Loading history…"));
      const memoryBox = el("div", { id: "dir-memory" });
      detail.append(
        el("h2", { id: "dir-detail-title" }, td.title ?? td.id),
        el("p", {}, el("code", {}, td.id), " ", el("span", { class: "badge" }, kindLabel(kindOf(td))), td["gt:privacy"] === "household" ? el("span", { class: "badge warn" }, "household") : null),
        annotations.length ? el("ul", { class: "dir-annotations", "aria-label": "Semantic annotations" }, annotations.map(([k, v]) => el("li", {}, el("span", { class: "muted" }, k), " ", typeof v === "string" ? v : JSON.stringify(v)))) : null,
        td.description ? el("details", {}, el("summary", {}, "Description"), el("p", { class: "muted" }, td.description)) : null,
        el("h3", {}, "History (last hour of simulated time)"),
        historyBox,
        ...tables,
        el("h3", {}, "Object memory: commands and state changes"),
        memoryBox,
      );
      detail.focus();
      void readAll(reads, signal);
      void showHistory(td, historyBox, signal);
      void showMemory(td, memoryBox, signal);
    }

    async function showHistory(td, box, signal) {
      try {
        const catalogue = await ctx.json(`/console/history/series?thingId=${encodeURIComponent(td.id)}`);
        if (signal.aborted) return;
        clear(box);
        if (catalogue.series.length === 0) {
          box.append(el("p", { class: "muted" }, "The VPP stores no series for this Thing."));
          return;
        }
        const to = Date.parse(catalogue.newest) + 1000;
        const from = new Date(to - HISTORY_RANGE_MS).toISOString();
        const answers = await Promise.all(catalogue.series.map((s) => ctx.json(historyUrl(s, from, new Date(to).toISOString(), 120)).then((a) => ({ s, a }), (e) => ({ s, e }))));
        if (signal.aborted) return;
        const drawn = [];
        for (const { s, a, e } of answers) {
          const card = el("figure", { class: "dir-chart", "data-series": s.name, style: "margin:0" });
          box.append(card);
          const last = a?.buckets.at(-1);
          card.append(el("h4", {}, s.label), el("figcaption", { class: "muted" }, e ? e.message : `last ${formatValue(last?.last, s.unit)} · band min–max, line average · to ${utc(a.to)}`));
          if (!a) continue;
          const plot = el("div", { "aria-hidden": "true" });
          card.append(plot);
          drawn.push({ s, a, card, plot });
        }
        // Sized once every figure is in the grid.
        for (const { s, a, card, plot } of drawn) state.charts.push(bandChart(plot, a, { group: s.group, width: Math.max(240, card.clientWidth), height: 130, legend: false }));
      } catch (e) {
        clear(box);
        box.append(el("p", { class: e.status === 503 ? "muted" : "error" }, e.status === 503 ? "No history in this process (the VPP does not run here)." : e.message));
      }
    }

    async function showMemory(td, box, signal) {
      clear(box);
      if (!ctx.has("privileged-reader") && !ctx.has("operator")) {
        box.append(el("p", { class: "muted" }, "Commands and state changes are shown to privileged-reader and operator tokens."));
        return;
      }
      try {
        const m = await ctx.json(`/console/things/${encodeURIComponent(td.id)}/memory?limit=${MEMORY_ROWS}`);
        if (signal.aborted) return;
        if (m.entries.length === 0) return void box.append(el("p", { class: "muted" }, "No entries for this Thing in the object memory."));
        box.append(el("table", { class: "dir-memory", id: "dir-memory-table" },
          el("caption", { class: "muted" }, `The newest ${m.entries.length} entries, newest first`),
          el("thead", {}, el("tr", {}, ["At (UTC, wall clock)", "Kind", "Name", "Details"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, m.entries.map((e) => el("tr", { "data-kind": e.kind },
            el("td", {}, utc(e.at)),
            el("td", {}, el("span", { class: `badge ${e.kind === "command-result" ? (e.body?.ok ? "APPLIED" : "REJECTED") : ""}` }, e.kind)),
            el("td", {}, e.name),
            el("td", {}, el("code", {}, summary(e.body))))))));
      } catch (e) {
        box.append(el("p", { class: e.status === 503 ? "muted" : "error" }, e.status === 503 ? "No object memory in this process (the VPP does not run here)." : e.message));
      }
    }

    const summary = (body) => {
      const s = JSON.stringify(body);
      return s && s.length > 140 ? `${s.slice(0, 140)}…` : s ?? "";
    };

    const start = async () => {
      await loadFacets();
      await search();
    };
    const off = ctx.onPrincipal(() => void start());
    void start();

    return {
      unmount() {
        state.closed = true;
        stopDetail();
        off();
        removeCss();
      },
    };
  },
};
