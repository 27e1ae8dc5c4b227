// Turns an API error into what the operator needs to read: a version conflict explained with a
// reload button, a rule violation with its rule and details, validation errors field by field.
import { el } from "../dom.js";

export function explainProblem(error, { onReload, what = "this change" } = {}) {
  const p = error?.problem ?? {};
  const code = p.code ?? "";
  const box = el("div", { class: "problem", "data-code": code || undefined, "data-status": error?.status ?? undefined });
  if (code === "TOPOLOGY_VERSION_CONFLICT") {
    box.append(
      el("p", {}, el("strong", {}, "Someone else changed the topology: "), `you edited version ${p.expected_version ?? "?"}, it is now ${p.actual_version ?? "?"}. Nothing was changed.`),
      el("p", { class: "muted" }, "Reload the topology to see their change, then make yours again on the current version."),
    );
    if (onReload) box.append(el("button", { type: "button", class: "primary", "data-action": "reload-topology", onclick: onReload }, `Reload topology (version ${p.actual_version ?? "current"})`));
    return box;
  }
  if (error?.status === 422 || p.violated_rule) {
    box.append(el("p", {}, el("strong", {}, `${code || "Invalid"} (422): `), `${what} breaks the rule `, el("code", { "data-rule": p.violated_rule ?? "" }, p.violated_rule ?? "?"), "."));
    if (p.detail && p.detail !== p.violated_rule) box.append(el("p", { class: "muted" }, p.detail));
    if (p.details && typeof p.details === "object") {
      box.append(el("dl", { class: "details" }, Object.entries(p.details).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))])));
    }
    return box;
  }
  if (error?.status === 400 && Array.isArray(p.validationErrors)) {
    box.append(
      el("p", {}, el("strong", {}, "The server refused the input (400): "), `${p.validationErrors.length} field${p.validationErrors.length === 1 ? "" : "s"} to fix.`),
      el("ul", { class: "field-errors" }, p.validationErrors.map((v) => el("li", {}, el("code", {}, v.field), `: ${v.description}`))),
    );
    return box;
  }
  if (error?.status === 401 || error?.status === 403) {
    box.append(el("p", {}, el("strong", {}, `${error.status === 401 ? "Not signed in" : "Not allowed"}: `), "sign in with an operator token to make changes. ", el("span", { class: "muted" }, p.detail ?? p.title ?? "")));
    return box;
  }
  box.append(el("p", {}, el("strong", {}, `${error?.status ?? "Error"} ${code}: `), p.detail ?? p.title ?? error?.message ?? String(error)));
  return box;
}
