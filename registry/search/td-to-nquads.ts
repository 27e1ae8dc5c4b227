import { DEFAULT_PREFIXES, NS, SCHEMA_TYPES, SECURITY_SCHEMES, TD_TERMS, TYPE_TERMS, type TermMapping } from "./td-vocabulary.ts";

/**
 * TD JSON → N-Quads, directly (no JSON-LD processor: that costs milliseconds per TD). Keys are
 * expanded with the TD 1.1 vocabulary and the TD's own @context (compact IRIs and simple term
 * definitions); everything lands in one named graph per TD, whose name is the TD's id. Pure.
 *
 * The order of the quads is chosen for oxigraph's memory store, which keeps one linked list per
 * subject and allocates quads in load order: every node's own quads come before any nested node's
 * (the Thing's first), so a subject's list lies together in memory. Joins on the Thing — what
 * ensemble queries do — walk contiguous memory instead of jumping through the whole TD: about a
 * third less time per query.
 */

const RDF_TYPE = NS.rdf + "type";
const ABSOLUTE_IRI = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const LANG_TAG = /^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/;
const DATE_TERMS = new Set(["created", "modified", "expires", "retrieved"]);
const OPS: Record<string, string> = Object.fromEntries(
  [
    "readProperty", "writeProperty", "observeProperty", "unobserveProperty", "invokeAction", "queryAction", "cancelAction",
    "subscribeEvent", "unsubscribeEvent", "readAllProperties", "writeAllProperties", "readMultipleProperties",
    "writeMultipleProperties", "observeAllProperties", "unobserveAllProperties", "queryAllActions", "subscribeAllEvents", "unsubscribeAllEvents",
  ].map((op) => [op.toLowerCase(), NS.td + op]),
);

function iriRef(iri: string): string {
  return `<${iri.replace(/[\x00-\x20<>"{}|^`\\]/g, (c) => encodeURIComponent(c))}>`;
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\"\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\n" ? "\\n" : "\\r"));
}

function literal(value: unknown, term?: string): string | undefined {
  if (typeof value === "string") {
    if (term && DATE_TERMS.has(term) && !Number.isNaN(Date.parse(value))) return `"${escapeLiteral(value)}"^^<${NS.xsd}dateTime>`;
    return `"${escapeLiteral(value)}"`;
  }
  if (typeof value === "number") return Number.isInteger(value) ? `"${value}"^^<${NS.xsd}integer>` : `"${value}"^^<${NS.xsd}double>`;
  if (typeof value === "boolean") return `"${value}"^^<${NS.xsd}boolean>`;
  return undefined;
}

interface Context {
  terms: Map<string, string>;
  vocab?: string;
}

function expandWith(ctx: Context, value: string): string | undefined {
  const term = ctx.terms.get(value);
  if (term !== undefined) return term;
  const colon = value.indexOf(":");
  if (colon <= 0) return undefined;
  if (value.startsWith("//", colon + 1)) return value;
  const prefix = value.slice(0, colon);
  const base = ctx.terms.get(prefix) ?? DEFAULT_PREFIXES[prefix];
  if (base !== undefined) return base + value.slice(colon + 1);
  return /^(urn|tag|mailto|did):/i.test(value) ? value : undefined;
}

function contextOf(td: Record<string, unknown>): Context {
  const ctx: Context = { terms: new Map() };
  const raw = td["@context"];
  const parts = Array.isArray(raw) ? raw : [raw];
  for (const part of parts) {
    if (typeof part !== "object" || part === null) continue;
    for (const [key, def] of Object.entries(part as Record<string, unknown>)) {
      if (key === "@vocab" && typeof def === "string") ctx.vocab = def;
      if (key.startsWith("@")) continue;
      const target = typeof def === "string" ? def : typeof def === "object" && def !== null ? (def as { "@id"?: unknown })["@id"] : undefined;
      if (typeof target === "string") ctx.terms.set(key, target);
    }
  }
  // Terms may themselves be compact IRIs ("gt:region" defined as "gt:regionCode").
  for (const [key, target] of ctx.terms) {
    const colon = target.indexOf(":");
    if (colon <= 0 || target.startsWith("//", colon + 1)) continue;
    const prefix = target.slice(0, colon);
    const base = prefix === key ? undefined : (ctx.terms.get(prefix) ?? DEFAULT_PREFIXES[prefix]);
    if (base !== undefined) ctx.terms.set(key, base + target.slice(colon + 1));
  }
  return ctx;
}

class Writer {
  lines: string[] = [];
  private blank = 0;
  /** Nested nodes met while writing a node's own quads, written after them (breadth first). */
  private readonly nested: Array<[string, Record<string, unknown>, string | undefined]> = [];

  constructor(
    private readonly graph: string,
    private readonly blankPrefix: string,
    private readonly ctx: Context,
  ) {}

  newBlank(): string {
    return `_:${this.blankPrefix}b${this.blank++}`;
  }

  quad(s: string, p: string, o: string): void {
    this.lines.push(`${s} ${iriRef(p)} ${o} ${this.graph} .\n`);
  }

  typeIri(value: string, fallbackNs: string | undefined): string | undefined {
    return TYPE_TERMS[value] ?? expandWith(this.ctx, value) ?? (fallbackNs ? fallbackNs + value : undefined);
  }

  /** Writes a node, then the nodes nested in it, each with its own quads together. */
  tree(subject: string, obj: Record<string, unknown>): void {
    this.node(subject, obj);
    for (let i = 0; i < this.nested.length; i++) {
      const [b, member, name] = this.nested[i] as [string, Record<string, unknown>, string | undefined];
      if (name !== undefined) this.quad(b, NS.td + "name", literal(name) as string);
      this.node(b, member);
    }
    this.nested.length = 0;
  }

  private node(subject: string, obj: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(obj)) {
      if (key === "@context" || key === "id" || key === "@id") continue;
      if (key === "@type") {
        for (const t of Array.isArray(value) ? value : [value]) {
          const iri = typeof t === "string" ? this.typeIri(t, this.ctx.vocab) : undefined;
          if (iri) this.quad(subject, RDF_TYPE, iriRef(iri));
        }
        continue;
      }
      if (key === "type" && typeof value === "string") {
        const schemaClass = SCHEMA_TYPES[value];
        if (schemaClass) this.quad(subject, RDF_TYPE, iriRef(schemaClass));
        else this.quad(subject, NS.hctl + "hintsAtMediaType", literal(value) as string);
        continue;
      }
      if (key === "scheme" && typeof value === "string") {
        this.quad(subject, RDF_TYPE, iriRef(SECURITY_SCHEMES[value] ?? expandWith(this.ctx, value) ?? NS.wotsec + value));
        continue;
      }
      const mapping: TermMapping | undefined = TD_TERMS[key] ?? this.userTerm(key);
      if (mapping) this.values(subject, key, mapping, value);
    }
  }

  private userTerm(key: string): TermMapping | undefined {
    const iri = expandWith(this.ctx, key) ?? (this.ctx.vocab ? this.ctx.vocab + key : undefined);
    return iri ? { iri } : undefined;
  }

  private values(subject: string, key: string, mapping: TermMapping, value: unknown): void {
    if (value === null || value === undefined) return;
    if (mapping.kind === "map" && typeof value === "object" && !Array.isArray(value)) {
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        const b = this.newBlank();
        this.quad(subject, mapping.iri, b);
        if (typeof member === "object" && member !== null && !Array.isArray(member)) this.nested.push([b, member as Record<string, unknown>, name]);
        else this.quad(b, NS.td + "name", literal(name) as string);
      }
      return;
    }
    if (mapping.kind === "lang" && typeof value === "object" && !Array.isArray(value)) {
      for (const [lang, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text === "string" && LANG_TAG.test(lang)) this.quad(subject, mapping.iri, `"${escapeLiteral(text)}"@${lang}`);
      }
      return;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "object" && item !== null) {
        if (Array.isArray(item)) continue;
        const b = this.newBlank();
        this.quad(subject, mapping.iri, b);
        this.nested.push([b, item as Record<string, unknown>, undefined]);
        continue;
      }
      if (typeof item === "string" && mapping.kind === "id" && ABSOLUTE_IRI.test(item)) {
        this.quad(subject, mapping.iri, iriRef(item));
        continue;
      }
      if (typeof item === "string" && mapping.kind === "vocab") {
        const iri = key === "op" ? OPS[item.toLowerCase()] : expandWith(this.ctx, item);
        if (iri) {
          this.quad(subject, mapping.iri, iriRef(iri));
          continue;
        }
      }
      const lit = literal(item, key);
      if (lit) this.quad(subject, mapping.iri, lit);
    }
  }
}

/** The graph (and Thing subject) IRI of a TD id. */
export function graphIri(id: string): string {
  return iriRef(id);
}

export function tdToNQuads(td: Record<string, unknown>, blankPrefix: string): string {
  const id = String(td.id);
  const graph = graphIri(id);
  const writer = new Writer(graph, blankPrefix, contextOf(td));
  writer.quad(graph, RDF_TYPE, iriRef(NS.td + "Thing"));
  writer.tree(graph, td);
  return writer.lines.join("");
}
