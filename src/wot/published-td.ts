/**
 * The TD we publish (to the directory and at the Thing's HTTP URL) is derived from the one
 * node-wot builds at expose time: one form per protocol and operation group, JSON only, the
 * title path only, no operation a binding cannot actually serve, per-form bearer security on
 * power-changing writes, and the extra forms node-wot cannot produce (Modbus).
 */
import type { Protocol } from "../site/site-file.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Form = { href: string; op?: string | string[]; contentType?: string; security?: string[]; [key: string]: Json | undefined };

export const BEARER_SCHEME = "bearer_sc";
export const NOSEC_SCHEME = "nosec_sc";

export interface PublishOptions {
  /** URL path segment of the Thing on the HTTP and CoAP servers (its title). */
  name: string;
  protocols: ReadonlySet<Protocol>;
  /** `properties/<name>` and `actions/<name>` whose write or invoke changes power. */
  powerChanging: ReadonlySet<string>;
  /** Forms added after the bindings' own (e.g. Modbus), keyed `properties/<name>` etc. */
  extraForms?: Readonly<Record<string, Form[]>>;
  /** `properties/<name>` readable only with a privileged-reader bearer token, over HTTP only. */
  privateReads?: ReadonlySet<string>;
}

const WRITE_OPS = new Set(["writeproperty", "invokeaction"]);
const PUSH_OPS = new Set(["observeproperty", "unobserveproperty", "subscribeevent", "unsubscribeevent", "observeallproperties", "unobserveallproperties"]);
/** Thing-level operations node-wot advertises over HTTP but does not route. */
const UNROUTED_THING_OPS = new Set(["writeallproperties", "writemultipleproperties", "observeallproperties", "unobserveallproperties", "queryallactions", "subscribeallevents", "unsubscribeallevents"]);

export function protocolOf(href: string): Protocol | undefined {
  const scheme = href.slice(0, href.indexOf(":"));
  if (scheme === "http" || scheme === "https") return "http";
  if (scheme === "coap" || scheme === "coaps") return "coap";
  if (scheme === "mqtt" || scheme === "mqtts") return "mqtt";
  if (scheme === "modbus+tcp") return "modbus";
  return undefined;
}

function opsOf(form: Form): string[] {
  return form.op === undefined ? [] : Array.isArray(form.op) ? form.op : [form.op];
}

function withOps(form: Form, ops: string[]): Form {
  return { ...form, op: ops.length === 1 ? (ops[0] as string) : ops };
}

function onTitlePath(href: string, name: string): boolean {
  try {
    const path = new URL(href).pathname;
    const base = "/" + encodeURIComponent(name);
    return path === base || path.startsWith(base + "/");
  } catch {
    return false;
  }
}

function isJson(form: Form): boolean {
  return form.contentType === undefined || form.contentType === "application/json";
}

function cleanForms(forms: Form[], key: string, options: PublishOptions): Form[] {
  const out: Form[] = [];
  const seen = new Set<string>();
  const powerChanging = options.powerChanging.has(key);
  const isPrivate = options.privateReads?.has(key) ?? false;
  const hasPrivate = (options.privateReads?.size ?? 0) > 0;
  const isEvent = key.startsWith("events/");
  for (const form of forms) {
    const protocol = protocolOf(form.href);
    if (!protocol || !options.protocols.has(protocol) || !isJson(form)) continue;
    if (isPrivate) {
      if (protocol !== "http") continue;
      const ops = opsOf(form).filter((op) => op === "readproperty");
      if (ops.length === 0 && form.op !== undefined) continue;
      const { security: _drop, ...rest } = form;
      out.push({ ...(rest as Form), ...(form.op === undefined ? {} : { op: ops.length === 1 ? (ops[0] as string) : ops }), security: [BEARER_SCHEME] });
      continue;
    }
    if ((protocol === "http" || protocol === "coap") && !onTitlePath(form.href, options.name)) continue;
    let ops = opsOf(form);
    if (key === "thing") ops = ops.filter((op) => !UNROUTED_THING_OPS.has(op));
    // Reading all properties at once would include the private ones: offered per property only.
    if (key === "thing" && hasPrivate) ops = ops.filter((op) => op !== "readallproperties" && op !== "readmultipleproperties");
    if (protocol === "coap") {
      if (isEvent) continue; // node-wot's CoAP events deliver one empty message (#1239): events go over MQTT/HTTP
      ops = ops.filter((op) => !PUSH_OPS.has(op)); // CoAP observe crashes node-wot's server (#1233): served as plain reads
    }
    if (powerChanging && protocol !== "http") ops = ops.filter((op) => !WRITE_OPS.has(op));
    if (ops.length === 0 && form.op !== undefined) continue;
    const groups: Array<[string[], string[] | undefined]> =
      powerChanging && protocol === "http"
        ? [
            [ops.filter((op) => !WRITE_OPS.has(op)), undefined],
            [ops.filter((op) => WRITE_OPS.has(op)), [BEARER_SCHEME]],
          ]
        : [[ops, undefined]];
    for (const [groupOps, security] of groups) {
      if (groupOps.length === 0 && form.op !== undefined) continue;
      const { security: _drop, ...rest } = form;
      const next: Form = form.op === undefined ? { ...rest } : withOps(rest as Form, groupOps);
      if (security) next.security = security;
      const sig = JSON.stringify(next);
      if (seen.has(sig)) continue;
      seen.add(sig);
      out.push(next);
    }
  }
  return [...out, ...(options.extraForms?.[key] ?? [])];
}

/** Builds the published TD from node-wot's live TD. Pure: the input is not modified. */
export function publishTd(live: JsonObject, options: PublishOptions): JsonObject {
  const td = structuredClone(live);
  for (const kind of ["properties", "actions", "events"] as const) {
    const group = td[kind] as Record<string, JsonObject> | undefined;
    if (!group) continue;
    for (const [name, affordance] of Object.entries(group)) {
      affordance.forms = cleanForms((affordance.forms ?? []) as Form[], `${kind}/${name}`, options) as unknown as Json;
    }
  }
  if (Array.isArray(td.forms)) {
    const forms = cleanForms(td.forms as Form[], "thing", options);
    // Thing-level forms are optional, but an empty array breaks the TD schema (minItems 1): that
    // happens when the only ones were read-all forms of a Thing with private properties.
    if (forms.length > 0) td.forms = forms as unknown as Json;
    else delete td.forms;
  }
  td.securityDefinitions = {
    [NOSEC_SCHEME]: { scheme: "nosec" },
    ...(options.powerChanging.size > 0 || (options.privateReads?.size ?? 0) > 0
      ? {
          [BEARER_SCHEME]: {
            scheme: "bearer",
            in: "header",
            name: "Authorization",
            description:
              options.powerChanging.size > 0
                ? "Power-changing writes and actions need a token with the operator role (HTTP only; the other bindings cannot carry it and do not offer these operations)."
                : "Per-household data needs a token with the privileged-reader role (HTTP only; not offered over the other bindings).",
          },
        }
      : {}),
  };
  td.security = [NOSEC_SCHEME];
  return td;
}
