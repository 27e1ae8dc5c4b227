// The Operations view: incidents (open and archived), technician tasks, the notifications and
// owner-alert outbox, the storage dispatch audit, billing intervals per meter and the daily
// stability report. What names a household or an owner comes only from routes that check the
// privileged-reader or operator role: the page asks, and shows the server's refusal as such.
import { el } from "../dom.js";
import { watts, time, useStylesheet } from "../microgrid/format.js";

const REFRESH_MS = 10_000;
const PRIVILEGED = "privileged reader or operator";
/** "urn:gridthings:small:bess-north-1" → "bess-north-1" (the full id in the tooltip). */
const shortId = (id) => String(id).split(":").pop();

export default {
  title: "Operations",
  mount(root, ctx) {
    const removeCss = useStylesheet("/console/assets/microgrid/microgrid.css");
    const card = (id, title) => el("section", { class: "card", id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title));
    const cards = {
      summary: card("ops-summary", "At a glance"),
      incidents: card("ops-incidents", "Incidents"),
      tasks: card("ops-tasks", "Technician tasks"),
      outbox: card("ops-outbox", "Notifications and owner alerts (outbox)"),
      audit: card("ops-audit", "Storage dispatch audit"),
      billing: card("ops-billing", "Billing intervals per meter"),
      report: card("ops-report", "Daily stability report"),
    };
    const refreshButton = el("button", { type: "button", id: "ops-refresh" }, "Refresh");
    const updated = el("span", { class: "muted", role: "status", id: "ops-updated" });
    const container = el("div", { class: "mg" },
        el("div", { class: "mg-headrow" }, el("h2", {}, "Operations"), refreshButton, updated),
        el("div", { class: "grid" }, cards.summary, cards.incidents),
        cards.audit,
        cards.tasks,
        cards.outbox,
        cards.billing,
        cards.report);
    // One view per root: a mount that overlaps another replaces it; the replaced one stops itself.
    ctx.clear(root);
    root.append(container);
    let closed = false;
    let timer;
    const billing = { meters: undefined, meter: undefined, day: undefined };

    const body = (c, ...content) => c.replaceChildren(c.firstChild, ...content);
    const table = (headers, rows, attrs = {}) =>
      el("table", attrs, el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", class: h.num ? "num" : undefined }, h.label ?? h)))), el("tbody", {}, rows));

    /** The refusal, said plainly; data-status carries what the server answered. */
    function refused(e, what) {
      if (e?.status === 401 || e?.status === 403) {
        return el("p", { class: "note", "data-refused": String(e.status) }, `Sign in as ${PRIVILEGED} to see ${what}. `, el("span", { class: "muted" }, `(the server answered ${e.status} ${e.problem?.code ?? ""})`));
      }
      if (e?.status === 503 || e?.problem?.code === "VPP_NOT_STARTED") return el("p", { class: "muted" }, `The VPP does not run in this process: no ${what}.`);
      return el("p", { class: "error" }, `${what}: ${e?.message ?? e}`);
    }

    async function summary() {
      try {
        const s = await ctx.json("/console/operations/summary");
        const n = (label, value, id) => el("div", {}, el("div", { class: "big", id }, String(value)), el("div", { class: "muted" }, label));
        body(cards.summary,
          el("div", { class: "ops-counts", "aria-live": "polite" },
            n("open incidents", s.incidents.active, "ops-count-incidents"),
            n("archived incidents", s.incidents.archived),
            n("open technician tasks", s.tasks.open),
            n("notifications sent", s.outbox.entries),
            n("metered households billed", s.billing.meters)),
          el("p", { class: "muted" }, "Counts are public; the lists that name households, owners or batteries need a privileged-reader or operator token."));
      } catch (e) {
        body(cards.summary, refused(e, "the summary"));
      }
    }

    function incidentRows(list, archived) {
      return list.map((i) =>
        el("tr", { "data-incident-id": i.id },
          el("td", { class: "mono" }, i.id),
          el("td", {}, el("span", { class: `badge ${archived ? "" : "bad"}` }, archived ? "archived" : "open"), " ", i.kind),
          el("td", {}, time(i.openedAt)),
          el("td", { class: "num" }, i.kind === "FREQUENCY_EXCURSION" ? `${i.worstValue.toFixed(3)} Hz` : `${i.worstValue.toFixed(1)} V`),
          el("td", {}, i.detail, archived && i.archivedAt ? el("div", { class: "muted" }, `archived ${time(i.archivedAt)}`) : null)));
    }

    async function incidents() {
      try {
        const book = await ctx.json("/vpp/incidents");
        const rows = [...incidentRows(book.active, false), ...incidentRows([...book.archived].reverse().slice(0, 20), true)];
        body(cards.incidents, rows.length ? el("div", { class: "ops-scroll" }, table(["Incident", "State", "Opened", { label: "Worst", num: true }, "Detail"], rows)) : el("p", { class: "muted" }, "No incident."), el("p", { class: "muted" }, `${book.active.length} open, ${book.archived.length} archived.`));
      } catch (e) {
        body(cards.incidents, refused(e, "incidents"));
      }
    }

    async function tasks() {
      try {
        const list = await ctx.json("/vpp/tasks");
        body(cards.tasks, list.length
          ? el("div", { class: "ops-scroll" }, table(["Task", "Device", "Code", "Message", "Created", "Status"], [...list].reverse().map((t) => el("tr", {}, el("td", { class: "mono" }, t.id), el("td", { class: "mono" }, t.thingId), el("td", {}, t.code), el("td", {}, t.message), el("td", {}, time(t.createdAt)), el("td", {}, el("span", { class: `badge ${t.status === "open" ? "warn" : "ok"}` }, t.status))))))
          : el("p", { class: "muted" }, "No technician task."));
      } catch (e) {
        body(cards.tasks, refused(e, "technician tasks"));
      }
    }

    async function outbox() {
      try {
        const list = await ctx.json("/vpp/outbox?limit=100");
        body(cards.outbox, list.length
          ? el("div", { class: "ops-scroll" }, table(["Sent", "Channel", "To", "Subject", "Status"], list.map((n) => el("tr", {}, el("td", {}, time(n.at)), el("td", {}, n.channel === "sms" ? "SMS (owner alert)" : "email (operations centre)"), el("td", {}, n.to), el("td", {}, n.subject), el("td", {}, el("span", { class: `badge ${n.status === "delivered" ? "ok" : n.status === "queued" ? "warn" : "bad"}` }, n.status), ` ${n.deliveredBy}`)))))
          : el("p", { class: "muted" }, "No notification yet."));
      } catch (e) {
        body(cards.outbox, refused(e, "the notifications and owner alerts"));
      }
    }

    async function audit() {
      try {
        const r = await ctx.json("/console/operations/dispatch-audit?limit=100");
        const value = (row) => (typeof row.value === "number" ? (row.affordance === "target_output_kw" ? `${row.value} kW` : String(row.value)) : JSON.stringify(row.value));
        body(cards.audit, r.rows.length
          ? el("div", { class: "ops-scroll" }, table(["Time", "Battery / Thing", "Affordance", { label: "Value", num: true }, "Subject", "Result"], r.rows.map((row) =>
              el("tr", { "data-affordance": row.affordance }, el("td", { title: row.simTime ? `simulated ${row.simTime}` : "" }, time(row.at)), el("td", { class: "mono", title: row.thingId }, shortId(row.thingId)), el("td", {}, row.affordance), el("td", { class: "num" }, value(row)), el("td", {}, row.subject ?? "—"),
                el("td", { title: row.reason ?? "" }, el("span", { class: `badge ${row.result === "ok" ? "ok" : row.result === "pending" ? "warn" : "bad"}` }, row.result), row.error ? el("div", { class: "muted" }, row.error) : null)))), el("p", { class: "muted" }, `${r.commands} commands recorded (newest 100 shown).`))
          : el("p", { class: "muted", id: "ops-audit-empty" }, "No storage dispatch yet."));
      } catch (e) {
        body(cards.audit, refused(e, "the storage dispatch audit"));
      }
    }

    async function billingCard() {
      if (billing.day === undefined) {
        try {
          billing.day = (await ctx.json("/console/operations/summary")).day;
        } catch {
          billing.day = new Date().toISOString().slice(0, 10);
        }
      }
      if (billing.meters === undefined) {
        try {
          billing.meters = await ctx.json("/vpp/billing/meters");
          billing.meter ??= billing.meters[0];
        } catch (e) {
          body(cards.billing, refused(e, "per-meter billing"));
          return;
        }
      }
      const meter = el("select", { id: "ops-meter", onchange: (e) => ((billing.meter = e.target.value), void showIntervals()) }, billing.meters.map((m) => el("option", { value: m, selected: m === billing.meter ? true : undefined }, m)));
      const day = el("input", { id: "ops-day", type: "date", value: billing.day, onchange: (e) => ((billing.day = e.target.value), void showIntervals()) });
      const csv = el("button", { type: "button", id: "ops-csv" }, "Download CSV");
      csv.addEventListener("click", async () => {
        try {
          const r = await ctx.request(`/vpp/billing/${encodeURIComponent(billing.meter)}/${billing.day}.csv`);
          const a = el("a", { href: URL.createObjectURL(await r.blob()), download: `${billing.meter}-${billing.day}.csv` });
          a.click();
          setTimeout(() => URL.revokeObjectURL(a.href), 1000);
        } catch (e) {
          out.replaceChildren(refused(e, "the CSV"));
        }
      });
      const out = el("div", { id: "ops-intervals" });
      body(cards.billing,
        billing.meters.length === 0 ? el("p", { class: "muted" }, "No meter has been billed yet.") : el("div", { class: "mg-headrow" }, el("label", { for: "ops-meter" }, "Meter"), meter, el("label", { for: "ops-day" }, "Day (UTC)"), day, csv),
        out);
      async function showIntervals() {
        if (!billing.meter) return;
        try {
          const r = await ctx.json(`/vpp/billing/${encodeURIComponent(billing.meter)}/${billing.day}.json`);
          const estimated = r.intervals.filter((i) => i.estimated).length;
          out.replaceChildren(...[
            el("p", {}, `${r.intervals.length} intervals, `, el("strong", {}, `${estimated} estimated`), `, ${r.adjustments.length} adjustment rows.`),
            r.intervals.length
              ? el("div", { class: "ops-scroll" }, table(["Interval (UTC)", { label: "Import", num: true }, { label: "Export", num: true }, "Estimated", { label: "Adjustments", num: true }, "Period", { label: "Amount", num: true }],
                  r.intervals.map((i) => el("tr", { class: i.estimated ? "estimated" : undefined, "data-estimated": String(i.estimated) }, el("td", {}, `${i.intervalStart.slice(11, 16)}–${i.intervalEnd.slice(11, 16)}`), el("td", { class: "num" }, `${i.importWh.toFixed(1)} Wh`), el("td", { class: "num" }, `${i.exportWh.toFixed(1)} Wh`), el("td", {}, i.estimated ? el("span", { class: "badge warn" }, "ESTIMATED") : "measured"), el("td", { class: "num" }, String(i.adjustments)), el("td", {}, i.period), el("td", { class: "num" }, i.amount.toFixed(4)))), { id: "ops-intervals-table" }))
              : el("p", { class: "muted" }, "No interval on this day."),
            r.adjustments.length
              ? el("details", {}, el("summary", {}, `Adjustment rows (${r.adjustments.length})`), table(["Interval start", "Revision", { label: "Δ import", num: true }, { label: "Δ export", num: true }, "Estimated", { label: "Δ amount", num: true }], r.adjustments.map((a) => el("tr", {}, el("td", {}, new Date(a.intervalStartMs).toISOString().slice(11, 16)), el("td", {}, String(a.revision)), el("td", { class: "num" }, `${(a.importMilliWh / 1000).toFixed(1)} Wh`), el("td", { class: "num" }, `${(a.exportMilliWh / 1000).toFixed(1)} Wh`), el("td", {}, a.estimated ? "yes" : "no"), el("td", { class: "num" }, a.amount.toFixed(4))))))
              : null,
          ].filter(Boolean));
        } catch (e) {
          out.replaceChildren(refused(e, "per-meter billing"));
        }
      }
      await showIntervals();
    }

    function report() {
      body(cards.report,
        el("p", {}, el("a", { href: "/vpp/report", target: "_blank", rel: "noopener", id: "ops-report-link" }, "Open today's stability report"), el("span", { class: "muted" }, " (public: aggregate figures only)")),
        el("iframe", { class: "report-frame", src: "/vpp/report", title: "Daily stability report", loading: "lazy" }));
    }

    async function refreshAll() {
      if (!container.isConnected) return stop();
      refreshButton.disabled = true;
      await Promise.all([summary(), incidents(), tasks(), outbox(), audit()]);
      if (closed) return;
      refreshButton.disabled = false;
      updated.textContent = `updated ${time(new Date().toISOString())}`;
      clearTimeout(timer);
      timer = setTimeout(() => void refreshAll(), REFRESH_MS);
    }
    refreshButton.addEventListener("click", () => void refreshAll());

    report();
    void billingCard();
    void refreshAll();
    const off = ctx.onPrincipal(() => {
      if (!container.isConnected) return stop();
      billing.meters = undefined;
      void billingCard();
      void refreshAll();
    });
    function stop() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      off();
      removeCss();
    }
    return { unmount: stop };
  },
};
