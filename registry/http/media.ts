import type { FastifyInstance, FastifyRequest } from "fastify";
import { fail } from "../errors.ts";

export const TD_MEDIA_TYPES = ["application/td+json", "application/json", "application/ld+json"] as const;
export const MERGE_PATCH = "application/merge-patch+json";

/** The bare media type of the request (no parameters, lower case), or "" without a body type. */
export function requestMediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

export function requireMediaType(request: FastifyRequest, allowed: readonly string[]): void {
  const type = requestMediaType(request);
  if (!allowed.includes(type)) {
    throw fail("MEDIA_TYPE_UNSUPPORTED", `Content-Type ${type === "" ? "(none)" : type} is not accepted here; use ${allowed.join(" or ")}`, { accepted: allowed });
  }
}

interface Range {
  type: string;
  q: number;
  order: number;
}

function parseAccept(header: string): Range[] {
  return header
    .split(",")
    .map((part, order) => {
      const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return { type, q: q ? Number.parseFloat(q.slice(2)) : 1, order };
    })
    .filter((r) => r.type !== "" && !Number.isNaN(r.q) && r.q > 0);
}

function matches(range: string, offer: string): boolean {
  if (range === "*/*" || range === offer) return true;
  return range.endsWith("/*") && offer.startsWith(range.slice(0, -1));
}

/** Server-driven negotiation: the first offer is the default; 406 when nothing acceptable. */
export function negotiate(request: FastifyRequest, offers: readonly string[]): string {
  const header = request.headers.accept;
  if (header === undefined || header.trim() === "") return offers[0] as string;
  const ranges = parseAccept(header).sort((a, b) => b.q - a.q || a.order - b.order);
  for (const range of ranges) {
    const offer = offers.find((o) => matches(range.type, o));
    if (offer) return offer;
  }
  throw fail("NOT_ACCEPTABLE", `Accept: ${header} — this resource is available as ${offers.join(", ")}`, { available: offers });
}

/**
 * JSON bodies in the directory's own media types, parsed by fastify's JSON parser (which refuses
 * __proto__ and constructor.prototype keys); every other type reaches the handler unparsed, where
 * requireMediaType answers 415 with a problem.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser("error", "error");
  const parse = (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    if (body === "" || body.length === 0) return done(fail("BODY_NOT_JSON", "the request body is empty"));
    json(request, body as string, (err, value) => {
      if (err) done(fail("BODY_NOT_JSON", `the request body is not JSON: ${err.message}`));
      else done(null, value);
    });
  };
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser(["application/json", "application/td+json", "application/ld+json", MERGE_PATCH], { parseAs: "string" }, parse);
  app.addContentTypeParser(["application/sparql-query", "application/x-www-form-urlencoded"], { parseAs: "string" }, (_request, body, done) => done(null, body));
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, _body, done) => done(null, undefined));
}
