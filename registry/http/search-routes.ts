import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { jsonpath, type JSONPathQuery } from "json-p3";
import type { TokenTable } from "../../src/auth/roles.ts";
import type { Directory, Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import { compileFast } from "../search/jsonpath-fast.ts";
import { queryForm, type SparqlIndex } from "../search/sparql-index.ts";
import { principalOf, seesHouseholds } from "./access.ts";
import { negotiate, requestMediaType } from "./media.ts";

export interface SearchRoutesOptions {
  directory: Directory;
  tokens: TokenTable;
  now: () => Date;
  sparql: SparqlIndex | undefined;
  maxResultBytes: number;
}

const MAX_QUERY_LENGTH = 4096;
const MAX_DESCENDANT_SEGMENTS = 2;

function queryParam(request: FastifyRequest): string {
  const q = (request.query as Record<string, unknown>).query;
  if (typeof q !== "string" || q.trim() === "") throw fail("QUERY_PARAMETER_INVALID", "the query parameter `query` is required", { parameter: "query" });
  if (q.length > MAX_QUERY_LENGTH) throw fail("QUERY_PARAMETER_INVALID", `queries are limited to ${MAX_QUERY_LENGTH} characters`, { parameter: "query" });
  return q;
}

type Evaluate = (tds: unknown[]) => unknown[];

/** Compiled JSONPath queries, most recent last (compiling costs more than many evaluations). */
class CompiledCache {
  private readonly map = new Map<string, Evaluate>();
  get(query: string): Evaluate {
    let compiled = this.map.get(query);
    if (compiled) {
      this.map.delete(query);
    } else {
      if ((query.match(/\.\./g) ?? []).length > MAX_DESCENDANT_SEGMENTS) throw fail("JSONPATH_INVALID", `at most ${MAX_DESCENDANT_SEGMENTS} descendant segments (..) per query`);
      let parsed: JSONPathQuery;
      try {
        parsed = jsonpath.compile(query);
      } catch (e) {
        throw fail("JSONPATH_INVALID", `${(e as Error).message}`);
      }
      const fast = compileFast(parsed);
      compiled = fast ?? ((tds) => parsed.query(tds as Parameters<JSONPathQuery["query"]>[0]).values());
      if (this.map.size >= 200) this.map.delete(this.map.keys().next().value as string);
    }
    this.map.set(query, compiled);
    return compiled;
  }
}

/** JSONPath (RFC 9535) over the array of TDs, and SPARQL 1.1 over the TDs as RDF. */
export function registerSearchRoutes(app: FastifyInstance, o: SearchRoutesOptions): void {
  const compiled = new CompiledCache();
  // What JSONPath scans: a shallow copy of each TD's top level, made in bursts when a listing
  // generation is first searched. Same members, same nested objects, so the same answers and the
  // same JSON; but 100,000 small objects side by side instead of scattered over a 3 GB heap make a
  // scan 2–5× faster. An unchanged TD keeps its copy across writes.
  const heads = new WeakMap<Entry, Record<string, unknown>>();
  const scans = new WeakMap<readonly Entry[], unknown[]>();
  const searchable = (view: readonly Entry[]): unknown[] => {
    let scan = scans.get(view);
    if (!scan) {
      scan = view.map((e) => {
        let head = heads.get(e);
        if (!head) {
          head = { ...e.td };
          heads.set(e, head);
        }
        return head;
      });
      scans.set(view, scan);
    }
    return scan;
  };

  app.get("/search/jsonpath", async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    const query = compiled.get(queryParam(request));
    const type = negotiate(request, ["application/json", "application/ld+json"]);
    const body = JSON.stringify(query(searchable(o.directory.view(seesHouseholds(principal)))));
    if (body.length > o.maxResultBytes) throw fail("SEARCH_RESULT_TOO_LARGE", `the answer is larger than ${o.maxResultBytes} bytes; narrow the query`);
    return reply.type(type).send(body);
  });

  const sparql = async (request: FastifyRequest, reply: FastifyReply, query: string) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    if (!o.sparql) throw fail("SPARQL_FORM_UNSUPPORTED", "SPARQL search is switched off in this directory");
    const form = queryForm(query);
    const graphForm = form === "CONSTRUCT" || form === "DESCRIBE";
    const type = graphForm
      ? negotiate(request, ["application/ld+json", "text/turtle", "application/n-triples", "application/json"])
      : negotiate(request, ["application/json", "application/sparql-results+json", "text/csv", "text/tab-separated-values"]);
    const format = type === "application/json" ? (graphForm ? "application/ld+json" : "application/sparql-results+json") : type;
    const body = await o.sparql.query(query, format, seesHouseholds(principal));
    return reply.type(type).send(body);
  };

  app.get("/search/sparql", async (request, reply) => sparql(request, reply, queryParam(request)));
  app.post("/search/sparql", { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const type = requestMediaType(request);
    const body = request.body;
    let query: unknown;
    if (type === "application/sparql-query") query = body;
    else if (type === "application/x-www-form-urlencoded" && typeof body === "string") query = new URLSearchParams(body).get("query");
    else throw fail("MEDIA_TYPE_UNSUPPORTED", "POST a query as application/sparql-query or as query=… in application/x-www-form-urlencoded");
    if (typeof query !== "string" || query.trim() === "") throw fail("QUERY_PARAMETER_INVALID", "the SPARQL query is empty", { parameter: "query" });
    return sparql(request, reply, query);
  });
}
