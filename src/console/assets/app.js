// The console shell: sign-in, a hash router over the views in ./views, and the ctx every view gets.
// A view is an ES module whose default export is { title, mount(root, ctx) -> { unmount() } }.
import { el, clear } from "./dom.js";
import { createApi } from "./api.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["overview", "microgrid", "directory", "history", "operations"];
const state = { token: sessionStorage.getItem("gt-console-token") || "", principal: { subject: "anonymous", roles: [], may: [] }, mounted: undefined, listeners: new Set() };

const api = createApi(() => state.token);


/** What every view gets. */
export const ctx = {
  el,
  clear,
  ...api,
  /** The signed-in principal ({subject, roles}); anonymous has no roles. */
  principal: () => state.principal,
  /** True when a role of the signed-in token implies `role` (the server says which; it checks again on every call). */
  has: (role) => (state.principal.may ?? []).includes(role),
  /** Called after every sign-in or sign-out; returns an unsubscribe function. */
  onPrincipal(listener) {
    state.listeners.add(listener);
    return () => state.listeners.delete(listener);
  },
  /** A message at the top of the page (kind: "error" | "info"). */
  banner(message, kind = "error") {
    const b = $("banner");
    b.textContent = message ?? "";
    b.className = kind;
    b.hidden = !message;
  },
};

let signingIn = 0;

async function signIn(token) {
  // Only the latest sign-in counts: the page's own anonymous one at load may answer after a
  // user's, and must not undo it.
  const turn = ++signingIn;
  state.token = token;
  let principal;
  let failure;
  try {
    principal = await api.json("/console/whoami");
  } catch (e) {
    failure = e;
  }
  if (turn !== signingIn) return;
  if (failure) {
    state.token = "";
    sessionStorage.removeItem("gt-console-token");
    state.principal = { subject: "anonymous", roles: [], may: [] };
    ctx.banner(`Sign-in failed: ${failure.message}`);
  } else {
    state.principal = principal;
    if (token) sessionStorage.setItem("gt-console-token", token);
    else sessionStorage.removeItem("gt-console-token");
    ctx.banner("");
  }
  const p = state.principal;
  $("whoami").textContent = p.roles.length ? `${p.subject} (${p.roles.join(", ")})` : "anonymous: aggregates only";
  $("signout").hidden = !state.token;
  $("token").value = "";
  for (const l of state.listeners) l(p);
}

let routing = 0;

async function route() {
  // A sign-in while a view is loading starts a second route(): only the latest one mounts.
  const turn = ++routing;
  const name = (location.hash.replace(/^#\/?/, "").split("/")[0] || "overview").toLowerCase();
  const view = VIEWS.includes(name) ? name : "overview";
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  state.mounted?.unmount?.();
  state.mounted = undefined;
  const root = $("view");
  clear(root);
  try {
    const module = await import(`./views/${view}.js`);
    if (turn !== routing) return;
    document.title = `GridThings · ${module.default.title}`;
    root.setAttribute("data-view", view);
    state.mounted = module.default.mount(root, ctx);
  } catch (e) {
    if (turn !== routing) return;
    root.append(el("p", { class: "error" }, `This view could not be loaded: ${e.message}`));
  }
}

$("signin").addEventListener("submit", (e) => {
  e.preventDefault();
  void signIn($("token").value.trim()).then(route);
});
$("signout").addEventListener("click", () => void signIn("").then(route));
window.addEventListener("hashchange", () => void route());
// Enabled only now: a click before the handler above would submit the form natively and reload the page.
$("signin-button").disabled = false;
await signIn(state.token);
await route();
