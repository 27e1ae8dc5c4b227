import sparqljs from "sparqljs";
import { fail } from "../errors.ts";
import { NS, TD_TERMS } from "./td-vocabulary.ts";

/**
 * Decides whether a SPARQL query can be answered exactly by evaluating it on every shard (each a
 * set of whole TDs) and merging the answers, and how. Pure.
 *
 * Why a query can be local to one TD: every TD is its own named graph, and the mapping
 * (td-to-nquads.ts) makes only two kinds of subject: the Thing's IRI, which is also its graph's name
 * (so triples with an IRI subject S all lie in graph S), and blank nodes with labels of their own TD.
 * Two triple patterns therefore match inside one TD when they share
 *  - their subject (a variable, blank node or IRI), or
 *  - a variable that can only be bound to a blank node: the object of a predicate the mapping never
 *    gives an IRI object (anything but rdf:type and the TD terms whose values are IRIs) that is also
 *    a subject somewhere, or
 *  - the graph of a GRAPH block (the same variable or IRI), or a subject equal to that graph name.
 * When every triple pattern of the query is tied to every other this way, each answer comes from one
 * TD, and the union of the shards' answers is the answer. Anything else is refused, never guessed.
 */

export type PlanForm = "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE";

export interface ShardPlan {
  form: PlanForm;
  /** The text each shard evaluates (the query itself, or with LIMIT widened and OFFSET dropped). */
  shardQuery: string;
  /** DISTINCT or REDUCED: merged rows are de-duplicated. */
  distinct: boolean;
  limit?: number;
  offset: number;
  /** No triple pattern: the answer does not depend on the TDs, one shard answers it. */
  anyShard: boolean;
}

const RDF_TYPE = NS.rdf + "type";
/** Predicates whose objects may be IRIs (so a variable joined through them may cross TDs). */
const IRI_OBJECT_PREDICATES = new Set<string>([RDF_TYPE, ...Object.values(TD_TERMS).filter((m) => m.kind === "id" || m.kind === "vocab").map((m) => m.iri)]);

type Term = { termType: string; value: string };
interface Triple {
  subject: Term;
  predicate: Term | { type: "path" };
  object: Term;
  graph?: Term;
  /** In every answer: not inside OPTIONAL, UNION, MINUS or (NOT) EXISTS. */
  required: boolean;
}

function notShardable(construct: string): never {
  throw fail(
    "SPARQL_NOT_SHARDABLE",
    `the directory holds more TDs than one SPARQL store takes, so queries are answered per group of TDs and merged; this query cannot be merged exactly: ${construct}. Ask for each TD's own data (triple patterns joined on the Thing or its nested nodes, without aggregates, ORDER BY or sub-queries), or use JSONPath search`,
  );
}

const termKey = (t: Term) => `${t.termType === "Variable" ? "?" : t.termType === "BlankNode" ? "_:" : "<"}${t.value}`;
const isVarLike = (t: Term) => t.termType === "Variable" || t.termType === "BlankNode";

/** Walks the query's patterns: collects its triple patterns and refuses what cannot be merged. */
class Walker {
  readonly triples: Triple[] = [];

  patterns(list: readonly unknown[], graph: Term | undefined, required: boolean): void {
    for (const p of list) this.pattern(p as { type: string }, graph, required);
  }

  /** Whether a group pattern always matches at least one triple (a solution tied to a TD). */
  anchored(list: readonly unknown[]): boolean {
    return list.some((raw) => {
      const p = raw as { type: string; triples?: unknown[]; patterns?: unknown[] };
      if (p.type === "bgp") return (p.triples?.length ?? 0) > 0;
      if (p.type === "group" || p.type === "graph") return this.anchored(p.patterns ?? []);
      if (p.type === "union") return (p.patterns ?? []).every((branch) => this.anchored([branch]));
      return false;
    });
  }

  private pattern(p: { type: string; [k: string]: unknown }, graph: Term | undefined, required: boolean): void {
    switch (p.type) {
      case "bgp":
        for (const t of p.triples as Triple[]) {
          if ("type" in t.predicate) notShardable("a property path (such as p/q, ^p, p* or p|q)");
          this.triples.push({ ...t, graph, required });
        }
        return;
      case "group":
        return this.patterns(p.patterns as unknown[], graph, required);
      case "optional":
      case "minus":
        return this.patterns(p.patterns as unknown[], graph, false);
      case "union":
        for (const branch of p.patterns as unknown[]) {
          if (!this.anchored([branch])) notShardable("a UNION branch without a triple pattern");
          this.patterns([branch], graph, false);
        }
        return;
      case "graph":
        return this.patterns(p.patterns as unknown[], p.name as Term, required);
      case "filter":
        return this.expression(p.expression, graph);
      case "bind":
        return this.expression(p.expression, graph);
      case "values":
        return;
      case "query":
        return notShardable("a sub-query (nested SELECT)");
      case "service":
        return notShardable("SERVICE");
      default:
        return notShardable(`a ${p.type} pattern`);
    }
  }

  expression(e: unknown, graph: Term | undefined): void {
    if (typeof e !== "object" || e === null) return;
    const x = e as { type?: string; operator?: string; args?: unknown[]; aggregation?: string };
    if (x.type === "aggregate") notShardable(`an aggregate (${x.aggregation?.toUpperCase()})`);
    if (x.type === "operation" && (x.operator === "exists" || x.operator === "notexists")) {
      this.patterns(x.args as unknown[], graph, false);
      return;
    }
    if (x.type === "bgp" || x.type === "group") return this.pattern(x as { type: string }, graph, false);
    if (x.type === "operation" || x.type === "functionCall") for (const a of x.args ?? []) this.expression(a, graph);
  }
}

/** Union-find over the triple patterns: are they all tied to one TD? */
function connected(triples: readonly Triple[]): boolean {
  if (triples.length <= 1) return true;
  const parent = triples.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)));
  const owner = new Map<string, number>();
  const tie = (key: string, i: number) => {
    const j = owner.get(key);
    if (j === undefined) owner.set(key, i);
    else parent[find(i)] = find(j);
  };
  // Variables that can only be bound to blank nodes: in every answer a subject, and an object of a
  // predicate without IRI objects (both in patterns every answer matches: an optional one may not).
  const required = triples.filter((t) => t.required);
  const subjects = new Set(required.map((t) => termKey(t.subject)));
  const blankOnly = new Set<string>();
  for (const t of required) {
    const p = t.predicate as Term;
    if (isVarLike(t.object) && p.termType === "NamedNode" && !IRI_OBJECT_PREDICATES.has(p.value) && subjects.has(termKey(t.object))) blankOnly.add(termKey(t.object));
  }
  triples.forEach((t, i) => {
    tie(`node ${termKey(t.subject)}`, i);
    if (t.graph) tie(`node ${termKey(t.graph)}`, i);
    for (const term of [t.predicate as Term, t.object]) if (blankOnly.has(termKey(term))) tie(`node ${termKey(term)}`, i);
  });
  const root = find(0);
  return triples.every((_, i) => find(i) === root);
}

const parser = () => new sparqljs.Parser();

/** The plan for a query over several shards, or SPARQL_NOT_SHARDABLE / SPARQL_INVALID. */
export function planShardedQuery(query: string): ShardPlan {
  let parsed: sparqljs.SparqlQuery;
  try {
    parsed = parser().parse(query);
  } catch (e) {
    throw fail("SPARQL_INVALID", e instanceof Error ? e.message.split("\n")[0] : String(e));
  }
  if (parsed.type !== "query") throw fail("SPARQL_FORM_UNSUPPORTED", "SPARQL updates are not accepted");
  const q = parsed as sparqljs.Query & { distinct?: boolean; reduced?: boolean; group?: unknown[]; having?: unknown[]; order?: unknown[]; limit?: number; offset?: number; values?: unknown[] };
  const form = q.queryType;
  if (q.from && (q.from.default.length > 0 || q.from.named.length > 0)) notShardable("FROM or FROM NAMED");
  if (q.group?.length) notShardable("GROUP BY");
  if (q.having?.length) notShardable("HAVING");
  if (q.order?.length) notShardable("ORDER BY");
  const walker = new Walker();
  walker.patterns(q.where ?? [], undefined, true);
  if (form === "SELECT" || form === "DESCRIBE") {
    for (const v of (q as { variables: unknown[] }).variables) {
      if (typeof v === "object" && v !== null && "expression" in v) walker.expression((v as { expression: unknown }).expression, undefined);
    }
  }
  const limited = q.limit !== undefined || (q.offset ?? 0) > 0;
  if (limited && (form === "CONSTRUCT" || form === "DESCRIBE")) notShardable(`LIMIT or OFFSET on ${form}`);
  const triples = walker.triples;
  if (triples.length > 0 && !walker.anchored(q.where ?? [])) notShardable("a group whose answers need no triple pattern");
  if (!connected(triples)) notShardable("triple patterns that are not all joined on one Thing (they could match in different TDs)");
  if (form === "DESCRIBE") {
    const subjects = new Set(triples.filter((t) => t.required).map((t) => termKey(t.subject)));
    for (const v of (q as { variables: unknown[] }).variables) {
      const t = v as Term;
      if (typeof v === "string" || t.termType === "Wildcard") notShardable("DESCRIBE * (describe the Thing's variable by name)");
      if (t.termType === "Variable" && !subjects.has(termKey(t))) notShardable("DESCRIBE of a variable that is not the subject of a triple pattern");
    }
  }
  const offset = q.offset ?? 0;
  let shardQuery = query;
  if (offset > 0) {
    // Every shard must give enough rows to cover the offset; the merge skips them.
    const widened = { ...q } as typeof q;
    delete widened.offset;
    if (q.limit !== undefined) widened.limit = q.limit + offset;
    else delete widened.limit;
    shardQuery = new sparqljs.Generator().stringify(widened as sparqljs.SparqlQuery);
  }
  return { form, shardQuery, distinct: Boolean(q.distinct || q.reduced), limit: q.limit, offset, anyShard: triples.length === 0 && form !== "DESCRIBE" };
}
