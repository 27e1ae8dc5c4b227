// Topology and limit edits from the page, through the seed 002 API (the server checks the
// operator role and the topology version again). The forms keep the version they were opened
// with: a change made elsewhere meanwhile is announced, and submitting is then a 409 that is
// explained with a reload button.
import { el } from "../dom.js";
import { allNodes } from "./tree.js";
import { explainProblem } from "./problem.js";
import { watts } from "./format.js";

const NODE_FIELDS = ["node_id", "microgrid_id", "parent_node_id", "name", "node_type", "attached_asset_type", "attached_asset_id", "status", "display_order"];
export const authoredNode = (n) => Object.fromEntries(NODE_FIELDS.map((k) => [k, n[k]]));

/**
 * form: {editedVersion, move: {node, parent}, limit: {node, type, watts, source}, json: string|undefined}
 * deps: {overview, canEdit, feedback (an element kept across renders), send(method, path, body),
 * onApplied(message), onReload(), rerender()}
 */
export function renderEdits(form, deps) {
  const { overview, canEdit } = deps;
  const id = overview.microgrid.microgrid_id;
  const nodes = allNodes(overview);
  const current = overview.microgrid.version;
  const feedback = deps.feedback;
  const disabled = !canEdit;

  const submit = async (button, what, path, body) => {
    feedback.replaceChildren(el("p", { class: "muted" }, `Sending ${what}…`));
    button.disabled = true;
    try {
      const r = await deps.send("POST", path, body);
      const version = r?.result?.version;
      if (typeof version === "number") form.editedVersion = version;
      form.json = undefined;
      feedback.replaceChildren(el("p", { class: "ok-text", "data-applied": "true" }, `${what} applied${typeof version === "number" ? `: topology version ${version}` : ""}.`));
      deps.onApplied(what);
    } catch (e) {
      feedback.replaceChildren(explainProblem(e, { what, onReload: () => deps.onReload() }));
    } finally {
      button.disabled = disabled;
    }
  };

  const options = (list, selected, label = (n) => `${n.name} (${n.node_id})`) => list.map((n) => el("option", { value: n.node_id, selected: n.node_id === selected ? true : undefined }, label(n)));

  // ---- move a node
  const movable = nodes.filter((n) => n.parent_node_id !== null);
  form.move.node ??= movable[0]?.node_id;
  const moveNode = el("select", { id: "mg-move-node", disabled, onchange: (e) => (form.move.node = e.target.value) }, options(movable, form.move.node));
  const moveParent = el("select", { id: "mg-move-parent", disabled, onchange: (e) => (form.move.parent = e.target.value) }, options(nodes, form.move.parent));
  form.move.parent ??= moveParent.value;
  const moveButton = el("button", { type: "submit", class: "primary", id: "mg-move-submit", disabled }, "Move node");
  const moveForm = el(
    "form",
    {
      class: "edit-form",
      "aria-labelledby": "mg-move-title",
      onsubmit: (e) => {
        e.preventDefault();
        const node = nodes.find((n) => n.node_id === form.move.node);
        if (!node) return;
        void submit(moveButton, `Moving ${node.node_id}`, `/api/microgrid/${encodeURIComponent(id)}/topology`, {
          version: form.editedVersion,
          patch: { upsert: [{ ...authoredNode(node), parent_node_id: form.move.parent }] },
        });
      },
    },
    el("h3", { id: "mg-move-title" }, "Move a node (reparent)"),
    el("div", { class: "row" }, el("label", { for: "mg-move-node" }, "Node"), moveNode),
    el("div", { class: "row" }, el("label", { for: "mg-move-parent" }, "New parent"), moveParent),
    el("div", { class: "row" }, moveButton),
  );

  // ---- node limit
  form.limit.node ??= nodes[0]?.node_id;
  form.limit.type ??= "CONSUMPTION_CAP";
  const existing = () => nodes.find((n) => n.node_id === form.limit.node)?.limits.find((l) => l.constraint_type === form.limit.type);
  const limitNode = el("select", { id: "mg-limit-node", disabled, onchange: (e) => ((form.limit.node = e.target.value), (form.limit.watts = undefined), deps.rerender()) }, options(nodes, form.limit.node));
  const limitType = el("select", { id: "mg-limit-type", disabled, onchange: (e) => ((form.limit.type = e.target.value), (form.limit.watts = undefined), deps.rerender()) }, ["CONSUMPTION_CAP", "GENERATION_CAP", "NET_CAP"].map((t) => el("option", { value: t, selected: t === form.limit.type ? true : undefined }, t)));
  const limitWatts = el("input", { id: "mg-limit-watts", type: "number", step: "1", inputmode: "numeric", disabled, value: form.limit.watts ?? existing()?.limit_watts ?? "", oninput: (e) => (form.limit.watts = e.target.value) });
  const limitSource = el("select", { id: "mg-limit-source", disabled, onchange: (e) => (form.limit.source = e.target.value) }, ["MANUAL", "PHYSICAL_DERIVED", "FAIL_SAFE", "STATIC_POLICY"].map((t) => el("option", { value: t, selected: t === (form.limit.source ?? "MANUAL") ? true : undefined }, t)));
  const limitButton = el("button", { type: "submit", class: "primary", id: "mg-limit-submit", disabled }, "Set limit");
  const ex = existing();
  const limitForm = el(
    "form",
    {
      class: "edit-form",
      "aria-labelledby": "mg-limit-title",
      onsubmit: (e) => {
        e.preventDefault();
        const raw = limitWatts.value.trim();
        const value = raw === "" ? null : Number(raw);
        const current = existing();
        void submit(limitButton, `Limit of ${form.limit.node}`, `/api/microgrid/${encodeURIComponent(id)}/node-limits`, {
          ...(current ? { node_limit_id: current.node_limit_id } : {}),
          node_id: form.limit.node,
          constraint_type: form.limit.type,
          limit_watts: value,
          source_type: limitSource.value,
        });
      },
    },
    el("h3", { id: "mg-limit-title" }, "Node limit"),
    el("div", { class: "row" }, el("label", { for: "mg-limit-node" }, "Node"), limitNode),
    el("div", { class: "row" }, el("label", { for: "mg-limit-type" }, "Constraint"), limitType),
    el("div", { class: "row" }, el("label", { for: "mg-limit-watts" }, "Limit (W)"), limitWatts, el("span", { class: "muted" }, ex ? `now ${watts(ex.limit_watts)}` : "none yet")),
    el("div", { class: "row" }, el("label", { for: "mg-limit-source" }, "Source"), limitSource),
    el("div", { class: "row" }, limitButton),
  );

  // ---- topology as JSON
  const authored = { version: form.editedVersion, nodes: nodes.map(authoredNode) };
  const text = el("textarea", { id: "mg-topology-json", rows: 10, spellcheck: "false", disabled, oninput: (e) => (form.json = e.target.value) }, form.json ?? JSON.stringify(authored, null, 1));
  const jsonButton = el("button", { type: "submit", class: "primary", id: "mg-json-submit", disabled }, "Submit topology");
  const jsonForm = el(
    "form",
    {
      class: "edit-form",
      onsubmit: (e) => {
        e.preventDefault();
        let body;
        try {
          body = JSON.parse(text.value);
        } catch (err) {
          feedback.replaceChildren(el("p", { class: "error" }, `The topology is not JSON: ${err.message}. Nothing was sent.`));
          return;
        }
        void submit(jsonButton, "The topology", `/api/microgrid/${encodeURIComponent(id)}/topology`, body);
      },
    },
    el("details", {}, el("summary", {}, "Edit the topology as JSON ({version, nodes})"), el("label", { for: "mg-topology-json" }, "Topology JSON (replaces every node)"), text, el("div", { class: "row" }, jsonButton)),
  );

  return el(
    "section",
    { class: "card", id: "mg-edits", "aria-labelledby": "mg-edits-title" },
    el("h2", { id: "mg-edits-title" }, "Edit topology and limits"),
    canEdit ? null : el("p", { class: "note", id: "mg-edits-note" }, "Sign in as operator to edit: these forms are disabled, and the server refuses edits from other roles too."),
    versionNote(form, current),
    feedback,
    el("div", { class: "edit-grid" }, moveForm, limitForm),
    jsonForm,
  );
}

/** "Editing version N": warns when the topology changed elsewhere since the forms were loaded. */
export function versionNote(form, current) {
  const stale = form.editedVersion !== current;
  return el(
    "p",
    { class: stale ? "warn-text" : "muted", id: "mg-edited-version", "data-edited-version": form.editedVersion, "data-current-version": current },
    stale ? `You are editing topology version ${form.editedVersion}; it is now ${current} (changed elsewhere). Submitting will be refused until you reload.` : `Editing topology version ${form.editedVersion} (current).`,
  );
}
