/**
 * Thing Model → Thing Description (WoT TD 1.1 §10 "Thing Model"): resolves `tm:extends` links and
 * `tm:ref` pointers (relative file references and JSON pointers), substitutes `{{PLACEHOLDER}}`s,
 * drops TM-only terms, and links the TD to its model with `rel: "type"`. Pure: file access goes
 * through the `load` callback so tests and the site runner decide where models come from.
 */
import { CodedError, type ErrorCatalogue } from "../errors/coded-error.ts";

export const TM_ERRORS = {
  TM_NOT_FOUND: { status: 500, title: "A Thing Model or fragment could not be loaded" },
  TM_REF_INVALID: { status: 500, title: "A tm:ref or tm:extends points at nothing" },
  TM_PLACEHOLDER_MISSING: { status: 500, title: "A Thing Model placeholder has no value" },
  TM_CYCLE: { status: 500, title: "Thing Models extend or reference each other in a cycle" },
} as const satisfies ErrorCatalogue;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type ModelLoader = (path: string) => JsonObject;
export type PlaceholderValues = Readonly<Record<string, string | number | boolean>>;

const PLACEHOLDER = /\{\{([A-Za-z0-9_]+)\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{([A-Za-z0-9_]+)\}\}$/;

function fail(code: keyof typeof TM_ERRORS, message: string): CodedError {
  return new CodedError(code, TM_ERRORS[code], message);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Joins a reference relative to the file that holds it (POSIX paths, no `..` above the root). */
export function resolvePath(from: string, ref: string): string {
  if (ref.startsWith("/")) return ref;
  const parts = from.split("/").slice(0, -1);
  for (const seg of ref.split("/")) {
    if (seg === "." || seg === "") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/");
}

function pointer(doc: Json, ptr: string, where: string): Json {
  if (ptr === "" || ptr === "/") return doc;
  let node: Json | undefined = doc;
  for (const raw of ptr.replace(/^\//, "").split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
    if (node === undefined) throw fail("TM_REF_INVALID", `${where}: pointer ${ptr} resolves to nothing`);
  }
  return node;
}

/** Deep merge for `tm:extends` and `tm:ref`: objects merge key by key, the overlay wins, arrays are replaced. */
export function deepMerge(base: Json, overlay: Json): Json {
  if (!isObject(base) || !isObject(overlay)) return structuredClone(overlay);
  const out: JsonObject = structuredClone(base);
  for (const [key, value] of Object.entries(overlay)) {
    out[key] = key in out ? deepMerge(out[key] as Json, value) : structuredClone(value);
  }
  return out;
}

/** `@context` of an extended model and its child: string entries once, prefix maps merged. */
export function mergeContexts(a: Json | undefined, b: Json | undefined): Json | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const entries = [...(Array.isArray(a) ? a : [a]), ...(Array.isArray(b) ? b : [b])];
  const strings: string[] = [];
  const terms: JsonObject = {};
  for (const entry of entries) {
    if (typeof entry === "string") {
      if (!strings.includes(entry)) strings.push(entry);
    } else if (isObject(entry)) {
      Object.assign(terms, entry);
    }
  }
  return Object.keys(terms).length > 0 ? [...strings, terms] : strings.length === 1 ? (strings[0] as string) : strings;
}

class Resolver {
  private readonly stack: string[] = [];

  constructor(private readonly load: ModelLoader) {}

  file(path: string): JsonObject {
    if (this.stack.includes(path)) throw fail("TM_CYCLE", `${[...this.stack, path].join(" → ")}`);
    this.stack.push(path);
    try {
      let doc: JsonObject;
      try {
        doc = this.load(path);
      } catch (e) {
        throw fail("TM_NOT_FOUND", `${path}: ${(e as Error).message}`);
      }
      return this.model(doc, path);
    } finally {
      this.stack.pop();
    }
  }

  private model(doc: JsonObject, path: string): JsonObject {
    let result: JsonObject = {};
    const links = Array.isArray(doc.links) ? doc.links : [];
    const ownLinks: Json[] = [];
    for (const link of links) {
      if (isObject(link) && link.rel === "tm:extends" && typeof link.href === "string") {
        result = deepMerge(result, this.file(resolvePath(path, link.href))) as JsonObject;
      } else {
        ownLinks.push(link);
      }
    }
    const body = this.refs(doc, path) as JsonObject;
    delete body.links;
    const context = mergeContexts(result["@context"], body["@context"]);
    result = deepMerge(result, body) as JsonObject;
    if (context !== undefined) result["@context"] = context;
    const inherited = Array.isArray(result.links) ? result.links : [];
    const allLinks = [...inherited, ...ownLinks];
    if (allLinks.length > 0) result.links = allLinks;
    else delete result.links;
    return result;
  }

  private refs(node: Json, path: string): Json {
    if (Array.isArray(node)) return node.map((n) => this.refs(n, path));
    if (!isObject(node)) return node;
    let base: Json = {};
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "tm:ref" && typeof value === "string") {
        const [file, ptr = ""] = value.split("#");
        const target = file ? this.file(resolvePath(path, file)) : undefined;
        if (!target) throw fail("TM_REF_INVALID", `${path}: tm:ref ${value} must name a file`);
        base = pointer(target, ptr, path);
      } else {
        out[key] = this.refs(value, path);
      }
    }
    return deepMerge(base, out);
  }
}

function substitute(node: Json, values: PlaceholderValues, where: string): Json {
  if (typeof node === "string") {
    const whole = WHOLE_PLACEHOLDER.exec(node);
    if (whole) {
      const v = values[whole[1] as string];
      if (v === undefined) throw fail("TM_PLACEHOLDER_MISSING", `${where}: {{${whole[1]}}} has no value`);
      return v;
    }
    return node.replace(PLACEHOLDER, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw fail("TM_PLACEHOLDER_MISSING", `${where}: {{${name}}} has no value`);
      return String(v);
    });
  }
  if (Array.isArray(node)) return node.map((n) => substitute(n, values, where));
  if (isObject(node)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) out[substitute(k, values, where) as string] = substitute(v, values, where);
    return out;
  }
  return node;
}

const TM_ONLY_KEYS = ["tm:optional", "tm:required", "version"];

/** Removes TM-only terms; a model `version.model` becomes the TD's `version`. */
function stripModelTerms(td: JsonObject, optionalKept: ReadonlySet<string>): JsonObject {
  const optional = Array.isArray(td["tm:optional"]) ? (td["tm:optional"] as string[]) : [];
  for (const ptr of optional) {
    const [, kind, name] = ptr.split("/");
    if (!kind || !name || optionalKept.has(`${kind}/${name}`)) continue;
    const group = td[kind];
    if (isObject(group)) delete group[name];
  }
  const version = td.version;
  for (const key of TM_ONLY_KEYS) delete td[key];
  // A TD's version.instance is required when version is given: the instance is the model's version.
  if (isObject(version) && typeof version.model === "string") td.version = { instance: version.model, model: version.model };
  const type = td["@type"];
  if (type === "tm:ThingModel") delete td["@type"];
  else if (Array.isArray(type)) td["@type"] = type.filter((t) => t !== "tm:ThingModel");
  return td;
}

export interface InstantiateOptions {
  /** Path of the model, as the loader understands it (`bess.tm.json`). */
  model: string;
  values: PlaceholderValues;
  /** Optional affordances to keep, as `properties/name`. */
  keepOptional?: readonly string[];
  /** Where the model can be fetched from, for the TD's `rel: "type"` link. */
  modelHref?: string;
}

/** Resolved models per loader: a fleet of 10,000 meters resolves its model once. */
const resolvedModels = new WeakMap<ModelLoader, Map<string, JsonObject>>();

function resolveModel(load: ModelLoader, model: string): JsonObject {
  let cache = resolvedModels.get(load);
  if (!cache) {
    cache = new Map();
    resolvedModels.set(load, cache);
  }
  let resolved = cache.get(model);
  if (!resolved) {
    resolved = new Resolver(load).file(model);
    cache.set(model, resolved);
  }
  return resolved;
}

export function instantiate(load: ModelLoader, options: InstantiateOptions): JsonObject {
  const resolved = resolveModel(load, options.model);
  const td = stripModelTerms(substitute(resolved, options.values, options.model) as JsonObject, new Set(options.keepOptional ?? []));
  const links = Array.isArray(td.links) ? td.links : [];
  td.links = [...links, { rel: "type", href: options.modelHref ?? options.model, type: "application/tm+json" }];
  return td;
}
