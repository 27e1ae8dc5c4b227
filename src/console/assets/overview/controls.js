// Simulator controls on the Overview, for operators and admins only: the scenarios the
// sim-control Thing offers (GET /console/controls), each a small form that posts to
// /console/controls/<scenario>; the answer (or the problem's code and title) shows beside it.
import { el } from "../dom.js";

const field = (id, label, input) => el("span", { class: "ctl-field" }, el("label", { for: id }, label), input);

export function createControls(ctx) {
  const node = el("section", { class: "card wide", id: "controls", "aria-labelledby": "controls-title" }, el("h2", { id: "controls-title" }, "Simulator controls"), el("p", { class: "muted" }, "Loading scenarios…"));
  let disposed = false;

  function result(id) {
    return el("output", { id, class: "ctl-result", role: "status", "aria-live": "polite" });
  }

  async function run(scenario, body, out, button) {
    button.disabled = true;
    out.className = "ctl-result";
    out.textContent = "sending…";
    try {
      const r = await ctx.send("POST", `/console/controls/${scenario}`, body);
      out.classList.add("ok");
      out.textContent = `done: ${r.action} (${r.status})`;
    } catch (e) {
      const p = e.problem ?? {};
      out.classList.add("error");
      out.textContent = `${e.status ?? ""} ${p.code ?? ""}: ${p.title ?? e.message}${p.detail ? ` — ${p.detail}` : ""}${(p.validationErrors ?? []).map((v) => ` ${v.field} ${v.description}`).join(";")}`.trim();
    } finally {
      button.disabled = false;
    }
  }

  const kwInput = (id, value, min, max) => el("input", { id, type: "number", step: "10", min: String(min), max: String(max), value: String(value), required: true, inputmode: "decimal" });
  const deviceSelect = (id, devices) => el("select", { id }, devices.map((d) => el("option", { value: d.id }, `${d.id} (${d.kind})`)));

  function forms(list) {
    const offered = new Set(list.scenarios.map((s) => s.name));
    const out = [];
    const form = (name, title, inputs, submit, extra = []) => {
      const button = el("button", { type: "submit", class: "primary", id: `ctl-${name}-button` }, title);
      const res = result(`ctl-${name}-result`);
      const f = el("form", { class: "ctl", id: `ctl-${name}`, "aria-label": title }, ...inputs, button, ...extra, res);
      f.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!f.reportValidity()) return;
        void run(name, submit(), res, button);
      });
      return f;
    };
    if (offered.has("load-step")) {
      const p = kwInput("ctl-load-step-kw", 300, -10000, 10000);
      const d = el("input", { id: "ctl-load-step-s", type: "number", min: "1", max: "86400", step: "1", value: "120" });
      const clear = el("button", { type: "button", id: "ctl-clear-load-steps-button" }, "Clear load steps");
      const clearRes = result("ctl-clear-load-steps-result");
      clear.addEventListener("click", () => void run("clear-load-steps", {}, clearRes, clear));
      out.push(form("load-step", "Inject load step", [field("ctl-load-step-kw", "Load step (kW, − sheds load)", p), field("ctl-load-step-s", "Duration (s, simulated; empty = until cleared)", d)], () => ({ powerW: Number(p.value) * 1000, ...(d.value ? { durationSeconds: Number(d.value) } : {}) }), offered.has("clear-load-steps") ? [clear, clearRes] : []));
    }
    if (offered.has("generator-trip")) {
      const p = kwInput("ctl-generator-trip-kw", 200, 1, 10000);
      out.push(form("generator-trip", "Trip generator", [field("ctl-generator-trip-kw", "Generation lost (kW)", p)], () => ({ powerW: Number(p.value) * 1000 })));
    }
    if (offered.has("device-fault") && list.devices.length) {
      const dev = deviceSelect("ctl-device-fault-device", list.devices.filter((d) => d.kind === "battery" || d.kind === "charge-point").concat(list.devices.filter((d) => d.kind !== "battery" && d.kind !== "charge-point")));
      const code = el("input", { id: "ctl-device-fault-code", type: "text", value: "OVER_TEMPERATURE", minlength: "1", maxlength: "64", required: true });
      const critical = el("input", { id: "ctl-device-fault-critical", type: "checkbox", checked: true });
      const clear = el("button", { type: "button", id: "ctl-clear-device-fault-button" }, "Clear fault");
      const clearRes = result("ctl-clear-device-fault-result");
      clear.addEventListener("click", () => void run("clear-device-fault", { deviceId: dev.value }, clearRes, clear));
      out.push(form("device-fault", "Inject fault", [field("ctl-device-fault-device", "Device", dev), field("ctl-device-fault-code", "Fault code", code), el("span", { class: "ctl-field" }, critical, el("label", { for: "ctl-device-fault-critical" }, "critical"))], () => ({ deviceId: dev.value, code: code.value, critical: critical.checked }), offered.has("clear-device-fault") ? [clear, clearRes] : []));
    }
    if (offered.has("telemetry-dropout") && list.devices.length) {
      const dev = deviceSelect("ctl-telemetry-dropout-device", list.devices);
      const s = el("input", { id: "ctl-telemetry-dropout-s", type: "number", min: "1", max: "86400", step: "1", value: "60", required: true });
      out.push(form("telemetry-dropout", "Drop telemetry", [field("ctl-telemetry-dropout-device", "Device", dev), field("ctl-telemetry-dropout-s", "Duration (s, simulated)", s)], () => ({ deviceId: dev.value, durationSeconds: Number(s.value) })));
    }
    return out;
  }

  async function load() {
    try {
      const list = await ctx.json("/console/controls");
      if (disposed) return;
      node.replaceChildren(el("h2", { id: "controls-title" }, "Simulator controls"), el("p", { class: "muted small" }, `Scenarios of ${list.thing.title}, sent with your token; the Thing checks it again.`), el("div", { class: "ctl-grid" }, forms(list)));
    } catch (e) {
      if (disposed) return;
      const p = e.problem ?? {};
      node.replaceChildren(el("h2", { id: "controls-title" }, "Simulator controls"), el("p", { class: "error" }, `${e.status ?? ""} ${p.code ?? ""}: ${p.title ?? e.message}`));
    }
  }

  void load();
  return {
    node,
    dispose() {
      disposed = true;
    },
  };
}
