import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TokenTable } from "../../src/auth/roles.ts";
import type { Directory, Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import { DISCOVERY_CONTEXT } from "../td/enrich.ts";
import { maySee, principalOf, requireWrite, seesHouseholds } from "./access.ts";
import { MERGE_PATCH, TD_MEDIA_TYPES, negotiate, requireMediaType } from "./media.ts";

export interface ThingsRoutesOptions {
  directory: Directory;
  tokens: TokenTable;
  now: () => Date;
  bodyLimit: number;
  /** Largest page; a listing without `limit` is paged at this size too. */
  maxPageSize: number;
}

type IdParams = { Params: { id: string } };
type ListQuery = { Querystring: Record<string, string | undefined> };

function nonNegativeInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw fail("QUERY_PARAMETER_INVALID", `${name} must be a non-negative integer, got ${JSON.stringify(value)}`, { parameter: name });
  return Number(value);
}

function listQuery(query: Record<string, string | undefined>, maxPageSize: number) {
  const format = query.format ?? "array";
  if (format !== "array" && format !== "collection") throw fail("QUERY_PARAMETER_INVALID", `format must be array or collection, got ${JSON.stringify(format)}`, { parameter: "format" });
  if (query.sort_by !== undefined && query.sort_by !== "id") throw fail("SORT_UNSUPPORTED", `sorting by ${JSON.stringify(query.sort_by)} is not supported; the collection is sorted by id`);
  const order = query.sort_order ?? "asc";
  if (order !== "asc" && order !== "desc") throw fail("QUERY_PARAMETER_INVALID", "sort_order must be asc or desc", { parameter: "sort_order" });
  const offset = nonNegativeInt(query.offset, "offset") ?? 0;
  const requested = nonNegativeInt(query.limit, "limit");
  if (requested === 0) throw fail("QUERY_PARAMETER_INVALID", "limit must be a positive integer", { parameter: "limit" });
  return { format, order, offset, requested, limit: Math.min(requested ?? maxPageSize, maxPageSize) };
}

function pageUrl(offset: number, limit: number, q: { format: string; order: string; requested?: number }): string {
  const params = new URLSearchParams();
  params.set("offset", String(offset));
  params.set("limit", String(limit));
  if (q.format !== "array") params.set("format", q.format);
  if (q.order !== "asc") params.set("sort_order", q.order);
  return `/things?${params.toString()}`;
}

/** The Things API (WoT Discovery §7.3.2.1): create, retrieve, update, delete and list. */
export function registerThingsRoutes(app: FastifyInstance, o: ThingsRoutesOptions): void {
  const { directory } = o;
  const visibleEntry = (request: FastifyRequest<IdParams>, entry: Entry | undefined, seer: Parameters<typeof maySee>[0]) => {
    if (!entry || !maySee(seer, entry)) throw fail("THING_NOT_FOUND", `no TD with id ${JSON.stringify(request.params.id)}`);
    return entry;
  };

  app.get<ListQuery>("/things", async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    const q = listQuery(request.query, o.maxPageSize);
    const type = negotiate(request, ["application/ld+json", "application/json"]);
    let all = directory.view(seesHouseholds(principal));
    if (q.order === "desc") all = [...all].reverse();
    const page = all.slice(q.offset, q.offset + q.limit);
    const nextOffset = q.offset + page.length;
    const hasNext = nextOffset < all.length;
    const links = [`</things>; rel="canonical"; etag="${directory.etag}"`];
    if (hasNext) links.unshift(`<${pageUrl(nextOffset, q.limit, q)}>; rel="next"`);
    reply.header("link", links.join(", ")).type(type);
    const members = `[${page.map((e) => e.json).join(",")}]`;
    if (q.format === "array") return reply.send(members);
    const head = { "@context": DISCOVERY_CONTEXT, "@type": "ThingCollection", total: all.length, "@id": pageUrl(q.offset, q.limit, q), ...(hasNext ? { next: pageUrl(nextOffset, q.limit, q) } : {}) };
    return reply.send(`${JSON.stringify(head).slice(0, -1)},"members":${members}}`);
  });

  app.get<IdParams>("/things/:id", async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    const entry = visibleEntry(request, directory.get(request.params.id), principal);
    const type = negotiate(request, TD_MEDIA_TYPES);
    return reply.type(type).send(entry.json);
  });

  app.put<IdParams>("/things/:id", { bodyLimit: o.bodyLimit }, async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    requireWrite(principal, reply, request.params.id);
    requireMediaType(request, TD_MEDIA_TYPES);
    const { created } = await directory.put(request.params.id, request.body);
    if (created) return reply.code(201).header("location", `/things/${request.params.id}`).send();
    return reply.code(204).send();
  });

  app.post("/things", { bodyLimit: o.bodyLimit }, async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    requireWrite(principal, reply, undefined);
    requireMediaType(request, TD_MEDIA_TYPES);
    const entry = await directory.createAnonymous(request.body);
    return reply.code(201).header("location", `/things/${entry.id}`).send();
  });

  app.patch<IdParams>("/things/:id", { bodyLimit: o.bodyLimit }, async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    requireWrite(principal, reply, request.params.id);
    requireMediaType(request, [MERGE_PATCH]);
    await directory.patch(request.params.id, request.body);
    return reply.code(204).send();
  });

  app.delete<IdParams>("/things/:id", async (request, reply) => {
    const principal = principalOf(request, reply, o.tokens, o.now());
    requireWrite(principal, reply, request.params.id);
    await directory.delete(request.params.id);
    return reply.code(204).send();
  });
}
