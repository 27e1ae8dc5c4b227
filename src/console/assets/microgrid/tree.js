// The microgrid node tree as an ARIA tree: each item one row (type, asset, baseline limits,
// envelopes on a time axis, effective circuit capacity, demand with its source mode and age).
// Keyboard: Up/Down move, Right expands or enters, Left collapses or goes to the parent,
// Home/End, Enter/Space select; one item is in the tab order (roving tabindex).
import { el } from "../dom.js";
import { watts, demand, age } from "./format.js";
import { envelopeTimeline } from "./timeline.js";

export function demandBadge(d) {
  const mode = d.source_mode;
  if (mode === null) return el("span", { class: "badge", "data-source-mode": "NONE" }, "no own meter: sum of children");
  const fresh = d.reading ? `${d.reading.fresh ? "fresh" : "stale"}, ${age(d.reading.age_seconds)} old` : "no reading";
  return el("span", { class: `badge ${mode}`, "data-source-mode": mode, title: `threshold ${d.freshness_threshold_seconds} s` }, mode === "MEASURED" ? "MEASURED" : "FALLBACK_DERIVED", ` · ${fresh}`);
}

function limitsText(limits) {
  if (limits.length === 0) return "—";
  const short = { CONSUMPTION_CAP: "consumption", GENERATION_CAP: "generation", NET_CAP: "net" };
  return limits.map((l) => `${short[l.constraint_type] ?? l.constraint_type} ≤ ${watts(l.limit_watts)}`).join(", ");
}

function row(node, overview) {
  const d = node.demand;
  const shown = d.fallback?.effective_demand_watts ?? d.reading?.measured_demand_watts ?? null;
  return el(
    "div",
    { class: "tree-row" },
    el("span", { class: "tree-name", style: `padding-left:${node.depth * 1.1}rem` },
      node.children.length ? el("span", { class: "twisty", "aria-hidden": "true" }, "") : el("span", { class: "twisty leaf", "aria-hidden": "true" }),
      el("strong", {}, node.name), " ", el("span", { class: "muted mono" }, node.node_id),
      node.status !== "ACTIVE" ? el("span", { class: "badge warn" }, node.status) : null),
    el("span", { class: "tree-type" }, el("span", { class: "badge" }, node.node_type)),
    el("span", { class: "tree-asset mono" }, node.attached_asset_id ? `${node.attached_asset_type}:${node.attached_asset_id}` : "—"),
    el("span", { class: "tree-limits" }, limitsText(node.limits)),
    el("span", { class: "tree-env" }, node.envelopes.length ? envelopeTimeline(node.envelopes, overview.window, overview.now, { width: 150 }) : "—"),
    el("span", { class: "tree-cap" }, node.effective_capacity ? el("span", { title: `constraint_ref ${node.effective_capacity.constraint_ref}` }, watts(node.effective_capacity.effective_capacity_watts), el("span", { class: "muted" }, ` ${node.effective_capacity.circuit_id}`)) : "—"),
    el("span", { class: "tree-demand num" }, demand(shown), " ", demandBadge(d)),
  );
}

/**
 * state: {expanded: Set<node_id>, selected: node_id|null}; onSelect(node); re-render is the
 * caller's (it calls renderTree again after toggles through onChange).
 */
export function renderTree(overview, state, { onSelect, onChange }) {
  const tree = el("ul", { role: "tree", class: "mg-tree", "aria-label": `Node tree of ${overview.microgrid.microgrid_id}` });
  const items = [];
  const add = (nodes, parentUl) => {
    nodes.forEach((n, i) => {
      const expanded = state.expanded.has(n.node_id);
      const li = el("li", {
        role: "treeitem",
        "data-node-id": n.node_id,
        "aria-level": n.depth + 1,
        "aria-setsize": nodes.length,
        "aria-posinset": i + 1,
        "aria-selected": state.selected === n.node_id ? "true" : "false",
        "aria-expanded": n.children.length ? String(expanded) : undefined,
        tabindex: "-1",
      }, row(n, overview));
      li.addEventListener("click", (e) => {
        e.stopPropagation();
        if (e.target.closest(".twisty") && n.children.length) toggle(n.node_id);
        else select(n.node_id);
      });
      parentUl.append(li);
      items.push({ li, node: n });
      if (n.children.length && expanded) {
        const group = el("ul", { role: "group" });
        li.append(group);
        add(n.children, group);
      }
    });
  };
  add(overview.roots, tree);
  const focusTarget = items.find((i) => i.node.node_id === (state.focused ?? state.selected)) ?? items[0];
  if (focusTarget) focusTarget.li.tabIndex = 0;

  const parentOf = (node) => items.find((i) => i.node.node_id === node.parent_node_id);
  const focus = (item) => {
    if (!item) return;
    for (const i of items) i.li.tabIndex = -1;
    item.li.tabIndex = 0;
    state.focused = item.node.node_id;
    item.li.focus();
  };
  function toggle(id) {
    if (state.expanded.has(id)) state.expanded.delete(id);
    else state.expanded.add(id);
    state.focused = id;
    onChange({ refocus: true });
  }
  function select(id) {
    state.selected = id;
    state.focused = id;
    onSelect(id);
  }
  tree.addEventListener("keydown", (e) => {
    const at = items.findIndex((i) => i.li === document.activeElement);
    if (at < 0) return;
    const { node } = items[at];
    const keys = {
      ArrowDown: () => focus(items[at + 1]),
      ArrowUp: () => focus(items[at - 1]),
      Home: () => focus(items[0]),
      End: () => focus(items[items.length - 1]),
      ArrowRight: () => (node.children.length && !state.expanded.has(node.node_id) ? toggle(node.node_id) : node.children.length ? focus(items[at + 1]) : undefined),
      ArrowLeft: () => (node.children.length && state.expanded.has(node.node_id) ? toggle(node.node_id) : focus(parentOf(node))),
      Enter: () => select(node.node_id),
      " ": () => select(node.node_id),
    };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  });
  tree.focusCurrent = () => items.find((i) => i.node.node_id === state.focused)?.li.focus();
  return tree;
}

/** Depth-first list of every node of the overview. */
export function allNodes(overview) {
  const out = [];
  const walk = (nodes) => nodes.forEach((n) => (out.push(n), walk(n.children)));
  walk(overview.roots);
  return out;
}
