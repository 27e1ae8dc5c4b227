// The History view: any stored series (grid, fleet, batteries, plants, demand by region /
// substation / feeder, and household meters when the server lists them) over the last hour, day,
// week of simulated time or a custom range, from the VPP's history: a min–max band with the
// average per bucket, and the same numbers as a table.
import { el, clear } from "../dom.js";
import { bandChart, bucketTable } from "../history/chart.js";
import { historyUrl, parseSeriesKey, seriesKey, seriesTitle, shortId, useStylesheet, utc } from "../history/format.js";

const RANGES = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000 };
const REFRESH_MS = 10_000;
const POINTS = 300;
const GROUPS = [
  ["grid", "Grid"],
  ["fleet", "Fleet (VPP)"],
  ["batteries", "Batteries"],
  ["plants", "PV and wind plants"],
  ["demand.total", "Demand, whole site"],
  ["demand.region", "Demand by region"],
  ["demand.substation", "Demand by substation"],
  ["demand.feeder", "Demand by feeder"],
  ["meters", "Household meters (privileged)"],
];
const groupOf = (s) => (s.group === "demand" ? s.name : s.group);

export default {
  title: "History",
  mount(root, ctx) {
    const removeCss = useStylesheet("/console/assets/history/history.css");
    const state = { catalogue: undefined, selected: new Set(["grid.frequency|"]), range: "hour", charts: [], timer: undefined, closed: false, loading: false };
    const seriesSelect = el("select", { id: "history-series", multiple: true, size: 8, "aria-describedby": "history-series-help" });
    const rangeSelect = el("select", { id: "history-range" }, el("option", { value: "hour" }, "Last hour"), el("option", { value: "day" }, "Last day"), el("option", { value: "week" }, "Last week"), el("option", { value: "custom" }, "Custom range"));
    const fromInput = el("input", { id: "history-from", type: "text", placeholder: "2026-06-21T18:00:00Z", spellcheck: "false" });
    const toInput = el("input", { id: "history-to", type: "text", placeholder: "2026-06-21T19:00:00Z", spellcheck: "false" });
    const custom = el("div", { class: "hist-controls", id: "history-custom", hidden: true },
      el("div", { class: "field" }, el("label", { for: "history-from" }, "From (UTC, ISO 8601)"), fromInput),
      el("div", { class: "field" }, el("label", { for: "history-to" }, "To (UTC, ISO 8601)"), toInput));
    const showButton = el("button", { type: "submit", class: "primary", id: "history-show" }, "Show");
    const status = el("p", { id: "history-status", class: "muted", role: "status" });
    // Redrawn every refresh: kept out of the page's polite live region (the status line announces).
    const charts = el("div", { class: "hist-charts", id: "history-charts", "aria-live": "off" });
    const form = el("form", { class: "card", id: "history-form", "aria-label": "History: series and range" },
      el("h2", {}, "History"),
      el("div", { class: "hist-controls" },
        el("div", { class: "field" }, el("label", { for: "history-series" }, "Series"), seriesSelect,
          el("span", { id: "history-series-help", class: "muted" }, "Ctrl or Shift to pick several; one chart each.")),
        el("div", { class: "field" }, el("label", { for: "history-range" }, "Range (simulated time)"), rangeSelect),
        showButton),
      custom,
      status);
    root.append(form, charts);

    rangeSelect.addEventListener("change", () => {
      state.range = rangeSelect.value;
      custom.hidden = state.range !== "custom";
      if (state.range === "custom" && state.catalogue?.newest && !fromInput.value) {
        toInput.value = state.catalogue.newest;
        fromInput.value = new Date(Date.parse(state.catalogue.newest) - RANGES.hour).toISOString();
      }
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      state.selected = new Set([...seriesSelect.selectedOptions].map((o) => o.value));
      void draw();
    });

    function renderPicker(selected) {
      const c = state.catalogue;
      clear(seriesSelect);
      for (const [group, label] of GROUPS) {
        const members = c.series.filter((s) => groupOf(s) === group);
        if (members.length === 0) continue;
        seriesSelect.append(el("optgroup", { label }, members.map((s) => el("option", { value: seriesKey(s), selected: selected.has(seriesKey(s)) }, seriesTitle(s)))));
      }
      if (!c.householdSeries) seriesSelect.title = "Household meter series appear for privileged-reader and operator tokens.";
    }

    async function loadCatalogue() {
      const c = await ctx.json("/console/history/series");
      const signature = `${c.householdSeries}|${c.series.map(seriesKey).join(",")}`;
      // Keep what the user has picked but not shown yet when the list is rebuilt.
      const picked = seriesSelect.options.length ? new Set([...seriesSelect.selectedOptions].map((o) => o.value)) : state.selected;
      state.catalogue = c;
      if (signature !== state.signature) {
        state.signature = signature;
        renderPicker(picked);
      }
    }

    function range() {
      if (state.range === "custom") return { from: fromInput.value.trim(), to: toInput.value.trim() };
      const newest = Date.parse(state.catalogue?.newest ?? "");
      const to = Number.isFinite(newest) ? newest + 1000 : Date.now();
      return { from: new Date(to - RANGES[state.range]).toISOString(), to: new Date(to).toISOString() };
    }

    async function draw() {
      if (state.loading || state.closed) return;
      state.loading = true;
      try {
        await loadCatalogue();
        const rank = (s) => GROUPS.findIndex(([g]) => g === groupOf(s));
        // Charts in the picker's order: grid first, household meters last.
        const wanted = state.catalogue.series.filter((s) => state.selected.has(seriesKey(s))).sort((a, b) => rank(a) - rank(b));
        const missing = [...state.selected].filter((k) => !wanted.some((s) => seriesKey(s) === k));
        const { from, to } = range();
        const answers = await Promise.all(wanted.map((s) => ctx.json(historyUrl(s, from, to, POINTS)).then((a) => ({ s, a }), (e) => ({ s, e }))));
        if (state.closed) return;
        const opened = new Set([...charts.querySelectorAll("section.hist-chart details[open]")].map((d) => d.closest("section").dataset.series));
        for (const c of state.charts.splice(0)) c.destroy();
        clear(charts);
        const drawn = [];
        for (const { s, a, e } of answers) {
          const title = seriesTitle(s);
          const card = el("section", { class: "card hist-chart", "data-series": seriesKey(s), "aria-label": title });
          charts.append(card);
          card.append(el("h3", {}, title, " ", el("span", { class: "muted" }, `(${s.unit})`)));
          if (e) {
            card.append(el("p", { class: "error" }, e.message));
            continue;
          }
          card.append(el("p", { class: "muted hist-summary" }, `${utc(a.from)} to ${utc(a.to)} · ${a.buckets.length} buckets of ${Math.round(a.bucketMs / 1000)} s from ${a.source === "raw" ? "raw samples" : "one-minute rollups"}`));
          const plot = el("div", { class: "plot", "aria-hidden": "true" });
          card.append(plot, el("details", { open: opened.has(seriesKey(s)) }, el("summary", {}, "Numbers (table)"), bucketTable(a, `${title}: min, average, max and last per bucket`)));
          drawn.push({ s, a, card, plot });
        }
        // Charts are sized once every card is laid out (the grid decides the column widths).
        for (const { s, a, card, plot } of drawn) state.charts.push(bandChart(plot, a, { group: s.group, width: Math.max(300, card.clientWidth - 34), height: 220 }));
        const words = [`${answers.length} series`, `newest stored value ${utc(state.catalogue.newest)}`];
        if (missing.length) words.push(`${missing.length} chosen series not stored (yet, or not visible to this role): ${missing.map((k) => parseSeriesKey(k).name).join(", ")}`);
        if (answers.length === 0) words.unshift("Pick one or more series and a range.");
        status.textContent = words.join(" · ");
        status.className = "muted";
      } catch (e) {
        status.textContent = e.status === 503 ? `History unavailable: ${e.message}` : e.message;
        status.className = "error";
      } finally {
        state.loading = false;
      }
    }

    const schedule = () => {
      state.timer = setTimeout(async () => {
        if (state.range !== "custom") await draw();
        if (!state.closed) schedule();
      }, REFRESH_MS);
    };
    const off = ctx.onPrincipal(() => {
      state.signature = undefined;
      void draw();
    });
    void draw().then(() => !state.closed && schedule());

    return {
      unmount() {
        state.closed = true;
        clearTimeout(state.timer);
        off();
        for (const c of state.charts.splice(0)) c.destroy();
        removeCss();
      },
    };
  },
};
