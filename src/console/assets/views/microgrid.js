// The Microgrid view: choose a microgrid, read its node tree (limits, envelopes on a time axis,
// effective circuit capacity, measured vs fallback demand), the last balancing cycles and the
// capability control points; follow the orchestrator's events live; operators edit the topology
// and limits, withdraw envelopes and trigger a rebalance through the same APIs as any client.
import { el } from "../dom.js";
import { watts, demand, age, time, useStylesheet } from "../microgrid/format.js";
import { renderTree, demandBadge, allNodes } from "../microgrid/tree.js";
import { envelopeTimeline } from "../microgrid/timeline.js";
import { cyclesTable, controlPointsTable, lifecycleTable } from "../microgrid/cycles.js";
import { renderEdits, versionNote } from "../microgrid/edits.js";
import { explainProblem } from "../microgrid/problem.js";

const REFRESH_DEBOUNCE_MS = 800;
const CYCLES = 10;

export default {
  title: "Microgrid",
  mount(root, ctx) {
    const removeCss = useStylesheet("/console/assets/microgrid/microgrid.css");
    const state = { list: [], id: undefined, overview: undefined, tree: { expanded: new Set(), selected: null, focused: null }, form: { editedVersion: undefined, move: {}, limit: {} }, closed: false };
    const parts = {
      head: el("section", { class: "card mg-head", "aria-label": "Microgrid" }),
      tree: el("section", { class: "card", id: "mg-tree-card", "aria-labelledby": "mg-tree-title" }),
      node: el("section", { class: "card", id: "mg-node-card", "aria-labelledby": "mg-node-title" }),
      edits: el("div", { id: "mg-edits-slot" }),
      cycles: el("section", { class: "card", id: "mg-cycles-card", "aria-labelledby": "mg-cycles-title" }),
      points: el("section", { class: "card", id: "mg-points-card", "aria-labelledby": "mg-points-title" }),
      lifecycle: el("section", { class: "card", id: "mg-lifecycle-card", "aria-labelledby": "mg-lifecycle-title" }),
    };
    const feedback = el("div", { id: "mg-edit-feedback", role: "alert" });
    const nodeFeedback = el("div", { id: "mg-node-feedback", role: "alert" });
    const actionStatus = el("span", { id: "mg-action-status", role: "status" });
    const live = el("span", { id: "mg-live", class: "badge", role: "status" }, "live: connecting");
    const container = el("div", { class: "mg" }, parts.head, parts.tree, el("div", { class: "mg-pair" }, parts.node, parts.edits), parts.cycles, parts.points, parts.lifecycle);
    // One view per root: a mount that overlaps another (a sign-in while the first route loads)
    // replaces it, and the replaced one stops itself as soon as it notices it is detached.
    ctx.clear(root);
    root.append(container);
    const detached = () => {
      if (container.isConnected) return false;
      stop();
      return true;
    };

    let closeStream;
    let refreshTimer;
    let refreshing = false;
    let refreshAgain = false;

    const canEdit = () => ctx.has("operator");
    const base = () => `/api/microgrid/${encodeURIComponent(state.id)}`;

    async function load() {
      try {
        const r = await ctx.json("/api/microgrids");
        state.list = r.result ?? [];
      } catch (e) {
        parts.head.replaceChildren(explainProblem(e));
        return;
      }
      const wanted = decodeURIComponent(location.hash.split("/")[2] ?? "");
      state.id = state.list.find((m) => m.microgrid_id === wanted)?.microgrid_id ?? state.list[0]?.microgrid_id;
      if (!state.id) {
        parts.head.replaceChildren(el("h2", {}, "Microgrid"), el("p", { class: "muted" }, "No microgrid is defined in this process."));
        return;
      }
      await refresh({ first: true });
      if (!state.closed) follow();
    }

    async function refresh({ first = false, resetForms = false } = {}) {
      if (detached()) return;
      if (refreshing) {
        refreshAgain = true;
        return;
      }
      refreshing = true;
      try {
        const [o, lifecycle] = await Promise.all([
          ctx.json(`/console/microgrid/${encodeURIComponent(state.id)}/overview?cycles=${CYCLES}`),
          ctx.json(`/console/microgrid/${encodeURIComponent(state.id)}/envelope-lifecycle?limit=50`),
        ]);
        if (state.closed) return;
        state.overview = o;
        state.lifecycle = lifecycle.records;
        if (first) for (const n of allNodes(o)) if (n.children.length) state.tree.expanded.add(n.node_id);
        if (first || resetForms || state.form.editedVersion === undefined) {
          state.form.editedVersion = o.microgrid.version;
          state.form.json = undefined;
        }
        renderAll({ forms: first || resetForms });
      } catch (e) {
        if (!state.closed) parts.tree.replaceChildren(el("h2", { id: "mg-tree-title" }, "Node tree"), explainProblem(e));
      } finally {
        refreshing = false;
        if (refreshAgain && !state.closed) {
          refreshAgain = false;
          void refresh();
        }
      }
    }

    function scheduleRefresh() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void refresh(), REFRESH_DEBOUNCE_MS);
    }

    function follow() {
      closeStream?.();
      closeStream = ctx.stream(
        `/console/microgrid/${encodeURIComponent(state.id)}/events`,
        ({ event, data }) => {
          if (detached() || !state.overview) return;
          if (event === "cycle") {
            const cycles = [data, ...state.overview.cycles.filter((c) => c.cycle_id !== data.cycle_id)].slice(0, CYCLES);
            state.overview.cycles = cycles;
            renderCycles();
            scheduleRefresh();
          } else if (event === "change") {
            if (data.type === "microgrid.topology_updated" && typeof data.payload?.version === "number") {
              state.overview.microgrid.version = data.payload.version;
              renderHead();
              document.getElementById("mg-edited-version")?.replaceWith(versionNote(state.form, data.payload.version));
            }
            if (!["microgrid.rebalance_requested", "microgrid.demand_resolved", "microgrid.constraint_breach_detected", "microgrid.cycle_completed"].includes(data.type)) scheduleRefresh();
          }
        },
        { onState: (s) => ((live.textContent = s === "open" ? "live: following events" : s === "retrying" ? "live: reconnecting…" : "live: stopped"), (live.className = `badge ${s === "open" ? "ok" : "warn"}`)) },
      );
    }

    function renderHead() {
      const o = state.overview;
      const select = el(
        "select",
        { id: "mg-select", onchange: (e) => (location.hash = `#/microgrid/${encodeURIComponent(e.target.value)}`) },
        state.list.map((m) => el("option", { value: m.microgrid_id, selected: m.microgrid_id === state.id ? true : undefined }, `${m.microgrid_id} (depot ${m.depot_id})`)),
      );
      const rebalance = el("button", { type: "button", id: "mg-rebalance", class: "primary", disabled: !canEdit(), title: canEdit() ? "POST …/rebalance" : "operator only" }, "Rebalance now");
      rebalance.addEventListener("click", async () => {
        actionStatus.replaceChildren("Rebalancing…");
        try {
          const r = await ctx.send("POST", `${base()}/rebalance`, { correlation_id: `console-${Date.now()}` });
          actionStatus.replaceChildren(`Cycle ${time(r.result.ended_at)}: `, el("span", { class: `badge ${r.result.outcome}` }, r.result.outcome));
        } catch (e) {
          actionStatus.replaceChildren(explainProblem(e, { what: "the rebalance" }));
        }
      });
      parts.head.replaceChildren(
        el("div", { class: "mg-headrow" },
          el("h2", {}, "Microgrid"),
          el("label", { for: "mg-select" }, "Microgrid"), select,
          el("span", {}, "topology version ", el("strong", { id: "mg-version", "aria-live": "polite" }, String(o.microgrid.version))),
          el("span", { class: "muted" }, `${o.node_count} nodes · freshness threshold ${o.freshness_threshold_seconds} s`),
          live,
          rebalance,
          canEdit() ? null : el("span", { class: "muted" }, "(operator only)"),
          actionStatus),
      );
    }

    function renderTreeCard(refocus = false) {
      const o = state.overview;
      const tree = renderTree(o, state.tree, {
        onSelect: () => (renderTreeCard(true), renderNode()),
        onChange: ({ refocus: r }) => renderTreeCard(r),
      });
      const head = el("div", { class: "tree-row tree-head", "aria-hidden": "true" }, ["Node", "Type", "Attached asset", "Baseline limits", "Envelopes", "Effective capacity", "Demand (source, freshness)"].map((h) => el("span", {}, h)));
      parts.tree.replaceChildren(
        el("h2", { id: "mg-tree-title" }, "Node tree ", el("span", { class: "muted small" }, "(arrow keys move and expand, Enter selects; demand: + consumption, − generation)")),
        head,
        tree,
      );
      if (refocus) tree.focusCurrent();
    }

    function renderNode() {
      const o = state.overview;
      const n = allNodes(o).find((x) => x.node_id === state.tree.selected);
      if (!n) {
        parts.node.replaceChildren(el("h2", { id: "mg-node-title" }, "Node"), el("p", { class: "muted" }, "Select a node in the tree to see its limits, envelopes and demand."), nodeFeedback);
        return;
      }
      const d = n.demand;
      const envelopes = n.envelopes.length
        ? el("div", {},
            envelopeTimeline(n.envelopes, o.window, o.now, { width: 400, labels: true }),
            el("table", {},
              el("thead", {}, el("tr", {}, ["Envelope", "Type", "Status", "Window", "Blocks", ""].map((h) => el("th", { scope: "col" }, h)))),
              el("tbody", {}, n.envelopes.map((e) => el("tr", { "data-envelope-id": e.envelope_id },
                el("td", { class: "mono" }, e.envelope_id, el("div", { class: "muted" }, e.source_ref)),
                el("td", {}, `${e.envelope_type} ${e.constraint_type}`),
                el("td", {}, el("span", { class: `badge ${e.status}` }, e.status)),
                el("td", {}, `${time(e.effective_from)} – ${time(e.effective_to)}`),
                el("td", {}, el("ul", { class: "plain" }, e.blocks.map((b) => el("li", {}, `${time(b.block_from)}–${time(b.block_to)}: max ${watts(b.max_limit_watts)}, target ${watts(b.target_watts)}`)))),
                el("td", {}, withdrawButton(e)))))))
        : el("p", { class: "muted" }, "No pending or active envelope.");
      parts.node.replaceChildren(
        el("h2", { id: "mg-node-title" }, `${n.name} `, el("span", { class: "muted mono" }, n.node_id)),
        el("p", {}, el("span", { class: "badge" }, n.node_type), " ", n.attached_asset_id ? `asset ${n.attached_asset_type} ${n.attached_asset_id}` : "no attached asset", ` · status ${n.status} · parent ${n.parent_node_id ?? "the microgrid"}`),
        el("h3", {}, "Baseline limits"),
        n.limits.length
          ? el("table", {}, el("thead", {}, el("tr", {}, ["Limit", "Constraint", "Watts", "Source", "Updated"].map((h) => el("th", { scope: "col" }, h)))),
              el("tbody", {}, n.limits.map((l) => el("tr", {}, el("td", { class: "mono" }, l.node_limit_id), el("td", {}, l.constraint_type), el("td", { class: "num" }, watts(l.limit_watts)), el("td", {}, l.source_type), el("td", {}, time(l.updated_at))))))
          : el("p", { class: "muted" }, "None."),
        n.effective_capacity ? el("p", {}, "Effective circuit capacity of ", el("code", {}, n.effective_capacity.circuit_id), `: ${watts(n.effective_capacity.effective_capacity_watts)} (${n.effective_capacity.constraint_ref}, ${n.effective_capacity.projection_trigger}, forecast source ${n.effective_capacity.forecast_source_state ?? "none"}, ${time(n.effective_capacity.evaluated_at)})`) : null,
        el("h3", {}, "Envelopes"),
        envelopes,
        el("h3", {}, "Demand"),
        el("p", {}, demandBadge(d)),
        el("dl", { class: "details" },
          el("dt", {}, "latest cycle"), el("dd", {}, d.fallback ? `fell back to ${demand(d.fallback.effective_demand_watts)} (last measured ${demand(d.fallback.measured_demand_watts)}, age ${age(d.fallback.age_seconds)} of ${d.fallback.freshness_threshold_seconds} s; inputs ${d.fallback.inputs_used.join(", ") || "—"})` : "measured (no fallback)"),
          el("dt", {}, "live reading"), el("dd", {}, d.reading ? `${demand(d.reading.measured_demand_watts)} observed ${time(d.reading.observed_at)}, ${age(d.reading.age_seconds)} old (${d.reading.fresh ? "fresh" : "stale"})` : "none received"),
          el("dt", {}, "allocation"), el("dd", {}, n.allocation ? `${watts(n.allocation.allocated_watts)} of ${watts(n.allocation.requested_watts)} requested` : "—")),
        nodeFeedback,
      );
    }

    function withdrawButton(e) {
      const b = el("button", { type: "button", "data-action": "withdraw", disabled: !canEdit(), title: canEdit() ? "" : "operator only" }, "Withdraw");
      b.addEventListener("click", async () => {
        b.disabled = true;
        nodeFeedback.replaceChildren(`Withdrawing ${e.envelope_id}…`);
        try {
          await ctx.send("POST", `/console/microgrid/${encodeURIComponent(state.id)}/envelopes/${encodeURIComponent(e.envelope_id)}/withdraw`, {});
          nodeFeedback.replaceChildren(el("p", { class: "ok-text" }, `${e.envelope_id} withdrawn.`));
          await refresh();
        } catch (err) {
          nodeFeedback.replaceChildren(explainProblem(err, { what: "withdrawing the envelope" }));
          b.disabled = !canEdit();
        }
      });
      return b;
    }

    function renderEditsCard() {
      parts.edits.replaceChildren(
        renderEdits(state.form, {
          overview: state.overview,
          canEdit: canEdit(),
          feedback,
          send: ctx.send,
          rerender: renderEditsCard,
          onApplied: () => void refresh({ resetForms: true }),
          onReload: () => {
            feedback.replaceChildren(el("p", { class: "muted" }, "Topology reloaded: make your change again."));
            void refresh({ resetForms: true });
          },
        }),
      );
    }

    function renderCycles() {
      parts.cycles.replaceChildren(el("h2", { id: "mg-cycles-title" }, "Last balancing cycles ", el("span", { class: "muted small" }, "(newest first; new cycles appear as they complete)")), cyclesTable(state.overview.cycles));
    }

    function renderPoints() {
      parts.points.replaceChildren(el("h2", { id: "mg-points-title" }, "Capability control points"), controlPointsTable(state.overview.control_points));
    }

    function renderLifecycle() {
      parts.lifecycle.replaceChildren(el("h2", { id: "mg-lifecycle-title" }, "Operating envelope lifecycle ", el("span", { class: "muted small" }, "(audit, newest first)")), lifecycleTable(state.lifecycle ?? []));
    }

    function renderAll({ forms }) {
      renderHead();
      renderTreeCard(parts.tree.contains(document.activeElement));
      renderNode();
      if (forms || !parts.edits.firstChild) renderEditsCard();
      else document.getElementById("mg-edited-version")?.replaceWith(versionNote(state.form, state.overview.microgrid.version));
      renderCycles();
      renderPoints();
      renderLifecycle();
    }

    const off = ctx.onPrincipal(() => state.overview && !detached() && renderAll({ forms: true }));
    function stop() {
      if (state.closed) return;
      state.closed = true;
      closeStream?.();
      clearTimeout(refreshTimer);
      off();
      removeCss();
    }
    void load();
    return { unmount: stop };
  },
};
