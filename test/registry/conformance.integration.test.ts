/**
 * One test per normative statement (MUST/SHOULD) of the W3C WoT Discovery Directory HTTP API
 * (Recommendation 2023-12-05), named after its assertion id.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TdValidator } from "../../registry/td/validator.ts";
import { TD_JSON, auth, minimalTd, openEvents, put, startDirectory, type Running } from "./harness.ts";

let dir: Running;
let clock = Date.parse("2026-01-01T00:00:00Z");
const now = () => new Date(clock);

beforeAll(async () => {
  dir = await startDirectory({ now, maxPageSize: 500 });
});
afterAll(async () => dir.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${dir.url}${path}`, { headers });

async function expectProblem(r: Response, status: number): Promise<Record<string, unknown>> {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await r.json()) as Record<string, unknown>;
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe("string");
  return body;
}

describe("Enriched TDs and registration information", () => {
  test("tdd-context-injection: an Enriched TD contains the discovery context", async () => {
    await put(dir.url, minimalTd("urn:test:ctx"));
    const td = (await (await get("/things/urn:test:ctx")).json()) as { "@context": unknown[] };
    expect(td["@context"]).toContain("https://www.w3.org/2022/wot/discovery");
    expect(td["@context"][0]).toBe("https://www.w3.org/2022/wot/td/v1.1");
  });

  test("tdd-absolute-time: registration times are RFC 3339 date-times with a zone offset", async () => {
    await put(dir.url, minimalTd("urn:test:time", { registration: { ttl: 60 } }));
    const td = (await (await get("/things/urn:test:time")).json()) as { registration: Record<string, string> };
    for (const key of ["created", "modified", "expires"]) expect(td.registration[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    expect(Date.parse(td.registration.expires!) - Date.parse(td.registration.modified!)).toBe(60_000);
  });

  test("tdd-registrationinfo-expiry-purge: TDs past their expiry are purged and never served", async () => {
    await put(dir.url, minimalTd("urn:test:expiring", { registration: { ttl: 5 } }));
    expect((await get("/things/urn:test:expiring")).status).toBe(200);
    clock += 6_000;
    expect((await get("/things/urn:test:expiring")).status).toBe(404);
    const ids = ((await (await get("/things?limit=500")).json()) as Array<{ id: string }>).map((t) => t.id);
    expect(ids).not.toContain("urn:test:expiring");
  });

  test("tdd-anonymous-td-identifier: an Anonymous TD is shown with its local identifier as id", async () => {
    const r = await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) });
    const location = r.headers.get("location") as string;
    const td = (await (await get(location)).json()) as { id: string };
    expect(location).toBe(`/things/${td.id}`);
  });

  test("tdd-anonymous-td-local-uuid: the local identifier is a UUID version 4 URN", async () => {
    const r = await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) });
    expect(r.headers.get("location")).toMatch(/^\/things\/urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("HTTP API basics", () => {
  test("tdd-http-error-response: 4xx and 5xx answers are Problem Details", async () => {
    await expectProblem(await get("/things/urn:test:none"), 404);
    await expectProblem(await fetch(`${dir.url}/things/urn:x`, { method: "PUT", headers: TD_JSON, body: "{}" }), 401);
  });

  test("tdd-http-error-response-utf-8: problem details are encoded as UTF-8", async () => {
    const r = await get("/things/urn:test:ünïcødé");
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).not.toThrow();
    expect(bytes.toString("utf8")).toContain("ünïcødé");
  });

  test("tdd-http-head: every GET endpoint accepts HEAD and returns only the headers", async () => {
    await put(dir.url, minimalTd("urn:test:head"));
    for (const path of ["/things/urn:test:head", "/things", "/.well-known/wot", "/search/jsonpath?query=%24", "/events"]) {
      const head = await fetch(`${dir.url}${path}`, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(await head.text(), path).toBe("");
    }
    const g = await get("/things/urn:test:head");
    const h = await fetch(`${dir.url}/things/urn:test:head`, { method: "HEAD" });
    expect(h.headers.get("content-type")).toBe(g.headers.get("content-type"));
    expect(h.headers.get("content-length")).toBe(g.headers.get("content-length"));
  });

  test("tdd-http-unsupported-feature: an unsupported feature gets an appropriate HTTP error", async () => {
    await expectProblem(await get("/things?sort_by=title"), 400);
    await expectProblem(await get("/search/xpath?query=/"), 404);
  });
});

describe("Things API", () => {
  test("tdd-things-list-only: the API provides the interface to list TDs", async () => {
    expect((await get("/things")).status).toBe(200);
  });

  test("tdd-things-crudl: create, read, update, delete and list are all implemented", async () => {
    const id = "urn:test:crudl";
    expect((await put(dir.url, minimalTd(id))).status).toBe(201);
    expect((await get(`/things/${id}`)).status).toBe(200);
    expect((await put(dir.url, minimalTd(id, { title: "changed" }))).status).toBe(204);
    expect((await fetch(`${dir.url}/things/${id}`, { method: "PATCH", headers: { ...auth("writer"), "content-type": "application/merge-patch+json" }, body: '{"description":"d"}' })).status).toBe(204);
    expect((await fetch(`${dir.url}/things/${id}`, { method: "DELETE", headers: auth("writer") })).status).toBe(204);
    expect((await get("/things")).status).toBe(200);
  });

  test("tdd-things-read-only-auth: create, update and delete are access-controlled", async () => {
    const td = minimalTd("urn:test:auth");
    await expectProblem(await fetch(`${dir.url}/things/urn:test:auth`, { method: "PUT", headers: TD_JSON, body: JSON.stringify(td) }), 401);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:auth`, { method: "PUT", headers: { ...auth("reader"), ...TD_JSON }, body: JSON.stringify(td) }), 403);
    await expectProblem(await fetch(`${dir.url}/things`, { method: "POST", headers: TD_JSON, body: JSON.stringify(minimalTd(undefined)) }), 401);
    await put(dir.url, td);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:auth`, { method: "DELETE" }), 401);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:auth`, { method: "PATCH", headers: { ...auth("reader"), "content-type": "application/merge-patch+json" }, body: "{}" }), 403);
  });

  test("tdd-things-default-representation: request and response bodies are JSON with JSON-LD syntax", async () => {
    await put(dir.url, minimalTd("urn:test:repr"));
    const td = (await (await get("/things/urn:test:repr")).json()) as Record<string, unknown>;
    expect(td["@context"]).toBeDefined();
  });

  test("tdd-things-create-known-vs-anonymous: a TD with an id and an Anonymous TD are handled differently", async () => {
    await expectProblem(await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd("urn:test:has-id")) }), 400);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:no-id`, { method: "PUT", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) }), 400);
  });

  test("tdd-things-create-known-td: a TD with an id is created with PUT /things/{id}", async () => {
    expect((await put(dir.url, minimalTd("urn:test:known"))).status).toBe(201);
    expect(((await (await get("/things/urn:test:known")).json()) as { id: string }).id).toBe("urn:test:known");
    await expectProblem(await fetch(`${dir.url}/things/urn:test:other`, { method: "PUT", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd("urn:test:known")) }), 400);
  });

  test("tdd-things-create-known-contenttype: application/td+json is accepted for a TD", async () => {
    const r = await fetch(`${dir.url}/things/urn:test:ct`, { method: "PUT", headers: { ...auth("writer"), "content-type": "application/td+json; charset=utf-8" }, body: JSON.stringify(minimalTd("urn:test:ct")) });
    expect(r.status).toBe(201);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:ct`, { method: "PUT", headers: { ...auth("writer"), "content-type": "text/plain" }, body: "x" }), 415);
  });

  test("tdd-things-create-known-td-resp: a created TD gets 201 Created", async () => {
    expect((await put(dir.url, minimalTd("urn:test:201"))).status).toBe(201);
  });

  test("tdd-things-create-anonymous-td: an Anonymous TD is created with POST /things", async () => {
    const r = await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) });
    expect(r.status).toBe(201);
  });

  test("tdd-things-create-anonymous-contenttype: application/td+json is accepted for an Anonymous TD", async () => {
    const r = await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), "content-type": "application/td+json" }, body: JSON.stringify(minimalTd(undefined)) });
    expect(r.status).toBe(201);
    await expectProblem(await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), "content-type": "application/xml" }, body: "<td/>" }), 415);
  });

  test("tdd-things-create-anonymous-id: the directory assigns a local identifier", async () => {
    const a = (await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) })).headers.get("location");
    const b = (await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) })).headers.get("location");
    expect(a).not.toBe(b);
    expect((await get(a as string)).status).toBe(200);
  });

  test("tdd-things-create-anonymous-td-resp: 201 Created with a Location of the new TD", async () => {
    const r = await fetch(`${dir.url}/things`, { method: "POST", headers: { ...auth("writer"), ...TD_JSON }, body: JSON.stringify(minimalTd(undefined)) });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toMatch(/^\/things\/urn:uuid:/);
  });

  test("tdd-things-retrieve: a TD is retrieved with GET /things/{id}", async () => {
    await put(dir.url, minimalTd("urn:test:retrieve"));
    expect((await get("/things/urn:test:retrieve")).status).toBe(200);
    await expectProblem(await get("/things/urn:test:missing"), 404);
  });

  test("tdd-things-retrieve-resp: 200 OK with the requested TD in the body", async () => {
    await put(dir.url, minimalTd("urn:test:retrieve2", { description: "here" }));
    const r = await get("/things/urn:test:retrieve2");
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: "urn:test:retrieve2", description: "here" });
  });

  test("tdd-things-retrieve-resp-content-type: application/td+json (or application/json on request)", async () => {
    await put(dir.url, minimalTd("urn:test:rct"));
    expect((await get("/things/urn:test:rct")).headers.get("content-type")).toMatch(/^application\/td\+json/);
    expect((await get("/things/urn:test:rct", { accept: "application/json" })).headers.get("content-type")).toMatch(/^application\/json/);
    await expectProblem(await get("/things/urn:test:rct", { accept: "text/html" }), 406);
  });

  test("tdd-things-update: PUT replaces an existing TD", async () => {
    await put(dir.url, minimalTd("urn:test:update", { description: "old" }));
    await put(dir.url, minimalTd("urn:test:update"));
    const td = (await (await get("/things/urn:test:update")).json()) as Record<string, unknown>;
    expect(td.description).toBeUndefined();
  });

  test("tdd-things-update-contenttype: application/td+json is accepted for a replacement", async () => {
    await put(dir.url, minimalTd("urn:test:uct"));
    expect((await fetch(`${dir.url}/things/urn:test:uct`, { method: "PUT", headers: { ...auth("writer"), "content-type": "application/td+json" }, body: JSON.stringify(minimalTd("urn:test:uct")) })).status).toBe(204);
  });

  test("tdd-things-update-resp: a replacement answers 204 No Content", async () => {
    await put(dir.url, minimalTd("urn:test:204"));
    expect((await put(dir.url, minimalTd("urn:test:204"))).status).toBe(204);
  });

  const patch = (id: string, body: string, type = "application/merge-patch+json") =>
    fetch(`${dir.url}/things/${id}`, { method: "PATCH", headers: { ...auth("writer"), "content-type": type }, body });

  test("tdd-things-update-partial: PATCH /things/{id} modifies parts of a TD", async () => {
    await put(dir.url, minimalTd("urn:test:patch", { description: "a" }));
    await patch("urn:test:patch", JSON.stringify({ description: "b" }));
    expect(((await (await get("/things/urn:test:patch")).json()) as Record<string, unknown>).description).toBe("b");
  });

  test("tdd-things-update-partial-mergepatch: the patch is processed as an RFC 7396 merge patch", async () => {
    await put(dir.url, minimalTd("urn:test:mp", { description: "a", support: "mailto:a@example.org" }));
    await patch("urn:test:mp", JSON.stringify({ description: null, title: "T2" }));
    const td = (await (await get("/things/urn:test:mp")).json()) as Record<string, unknown>;
    expect(td.description).toBeUndefined();
    expect(td.title).toBe("T2");
    expect(td.support).toBe("mailto:a@example.org");
  });

  test("tdd-things-update-partial-contenttype: the request must be application/merge-patch+json", async () => {
    await put(dir.url, minimalTd("urn:test:pct"));
    await expectProblem(await patch("urn:test:pct", "{}", "application/json"), 415);
  });

  test("tdd-things-update-partial-partialtd: the merged result must still be a valid TD", async () => {
    await put(dir.url, minimalTd("urn:test:ptd"));
    const body = await expectProblem(await patch("urn:test:ptd", JSON.stringify({ title: null })), 400);
    expect(body.validationErrors).toEqual(expect.arrayContaining([expect.objectContaining({ field: "/" })]));
    await expectProblem(await patch("urn:test:ptd", JSON.stringify({ id: "urn:other" })), 400);
  });

  test("tdd-things-update-partial-resp: a successful PATCH answers 204 No Content", async () => {
    await put(dir.url, minimalTd("urn:test:p204"));
    expect((await patch("urn:test:p204", "{}")).status).toBe(204);
  });

  test("tdd-things-delete: DELETE /things/{id} removes the TD", async () => {
    await put(dir.url, minimalTd("urn:test:del"));
    await fetch(`${dir.url}/things/urn:test:del`, { method: "DELETE", headers: auth("writer") });
    expect((await get("/things/urn:test:del")).status).toBe(404);
    await expectProblem(await fetch(`${dir.url}/things/urn:test:del`, { method: "DELETE", headers: auth("writer") }), 404);
  });

  test("tdd-things-delete-resp: a successful delete answers 204 No Content", async () => {
    await put(dir.url, minimalTd("urn:test:del2"));
    expect((await fetch(`${dir.url}/things/urn:test:del2`, { method: "DELETE", headers: auth("writer") })).status).toBe(204);
  });
});

describe("Listing", () => {
  test("tdd-things-list-method: GET /things retrieves existing TDs", async () => {
    await put(dir.url, minimalTd("urn:test:list"));
    const ids = ((await (await get("/things?limit=500")).json()) as Array<{ id: string }>).map((t) => t.id);
    expect(ids).toContain("urn:test:list");
  });

  test("tdd-things-list-resp: 200 OK with an array of TDs", async () => {
    const r = await get("/things");
    expect(r.status).toBe(200);
    expect(Array.isArray(await r.json())).toBe(true);
  });

  test("tdd-things-list-resp-content-type: application/ld+json by default, application/json on request", async () => {
    expect((await get("/things")).headers.get("content-type")).toMatch(/^application\/ld\+json/);
    expect((await get("/things", { accept: "application/json" })).headers.get("content-type")).toMatch(/^application\/json/);
  });

  test("tdd-things-list-pagination-header-nextlink: a next Link when more TDs follow", async () => {
    for (let i = 0; i < 5; i++) await put(dir.url, minimalTd(`urn:test:page:${i}`));
    const r = await get("/things?limit=2");
    expect(((await r.json()) as unknown[]).length).toBe(2);
    expect(r.headers.get("link")).toMatch(/<[^>]+>; rel="next"/);
  });

  test("tdd-things-list-pagination-header-nextlink-attr: next carries the same limit and a zero-based offset", async () => {
    const r = await get("/things?limit=2&offset=2");
    const next = /<([^>]+)>; rel="next"/.exec(r.headers.get("link") ?? "")?.[1] as string;
    const params = new URL(next, dir.url).searchParams;
    expect(params.get("limit")).toBe("2");
    expect(params.get("offset")).toBe("4");
  });

  test("tdd-things-list-pagination-header-nextlink-base: the next link is relative to the API base and works", async () => {
    const all = ((await (await get("/things?limit=500")).json()) as Array<{ id: string }>).map((t) => t.id);
    const seen: string[] = [];
    let path: string | undefined = "/things?limit=3";
    while (path) {
      const r = await get(path);
      seen.push(...((await r.json()) as Array<{ id: string }>).map((t) => t.id));
      path = /<([^>]+)>; rel="next"/.exec(r.headers.get("link") ?? "")?.[1];
      if (path) expect(path.startsWith("/things?")).toBe(true);
    }
    expect(seen).toEqual(all);
  });

  test("tdd-things-list-pagination-header-canonicallink: paged responses carry a canonical link with an etag", async () => {
    const r1 = await get("/things?limit=2");
    const link = r1.headers.get("link") ?? "";
    expect(link).toMatch(/<\/things>; rel="canonical"; etag="[^"]+"/);
    const etag1 = /etag="([^"]+)"/.exec(link)?.[1];
    await put(dir.url, minimalTd("urn:test:etag"));
    const etag2 = /etag="([^"]+)"/.exec((await get("/things?limit=2")).headers.get("link") ?? "")?.[1];
    expect(etag2).not.toBe(etag1);
  });

  test("tdd-things-list-pagination-order-default: sorted ascending by id in code point order", async () => {
    await put(dir.url, minimalTd("urn:test:order:Z"));
    await put(dir.url, minimalTd("urn:test:order:a"));
    await put(dir.url, minimalTd("urn:test:order:~"));
    await put(dir.url, minimalTd("urn:test:order:0"));
    const ids = ((await (await get("/things?limit=500")).json()) as Array<{ id: string }>).map((t) => t.id);
    const order = ids.filter((id) => id.startsWith("urn:test:order:"));
    expect(order).toEqual(["urn:test:order:0", "urn:test:order:Z", "urn:test:order:a", "urn:test:order:~"]);
  });

  test("tdd-things-list-pagination-order-unsupported: custom sorting the server lacks is rejected", async () => {
    await expectProblem(await get("/things?sort_by=created"), 400);
  });

  test("tdd-things-list-pagination-order-utf-8: order follows Unicode code points, not UTF-16 units", async () => {
    const ids = ((await (await get("/things?limit=500")).json()) as Array<{ id: string }>).map((t) => t.id);
    const codePoints = [...ids].sort((a, b) => {
      const x = [...a].map((c) => c.codePointAt(0) as number);
      const y = [...b].map((c) => c.codePointAt(0) as number);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
      return x.length - y.length;
    });
    expect(ids).toEqual(codePoints);
  });

  test("tdd-things-list-pagination-collection (MAY): format=collection gives a ThingCollection", async () => {
    const body = (await (await get("/things?limit=2&format=collection")).json()) as Record<string, unknown>;
    expect(body["@type"]).toBe("ThingCollection");
    expect((body.members as unknown[]).length).toBe(2);
    expect(typeof body.total).toBe("number");
    expect(body.next).toMatch(/format=collection/);
  });
});

describe("Validation", () => {
  test("tdd-validation-jsonschema: TDs are validated with the TD 1.1 JSON Schema and the Enriched TD schema", async () => {
    await expectProblem(await put(dir.url, minimalTd("urn:test:v1", { properties: { p: { forms: "nope" } } })), 400);
    await expectProblem(await put(dir.url, minimalTd("urn:test:v2", { registration: { ttl: -5 } })), 400);
    await expectProblem(await put(dir.url, minimalTd("urn:test:v3", { "@context": "https://example.org/not-a-td" })), 400);
  });

  test("tdd-validation-result: a failing TD is answered with details to find and fix the errors", async () => {
    const body = await expectProblem(await put(dir.url, minimalTd("urn:test:v4", { title: 42 })), 400);
    expect(body.validationErrors).toEqual([{ field: "/title", description: "must be string" }]);
  });

  test("tdd-validation-response: Problem Details with validationErrors [{field, description}]", async () => {
    const body = await expectProblem(await put(dir.url, { id: "urn:test:v5" }), 400);
    const errors = body.validationErrors as Array<Record<string, unknown>>;
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(Object.keys(e).sort()).toEqual(["description", "field"]);
  });

  test("tdd-validation-response-utf-8: validation problems are UTF-8", async () => {
    const r = await put(dir.url, minimalTd("urn:test:v6", { title: 1, description: "Zähler" }));
    expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(new TextDecoder("utf-8", { fatal: true }).decode(await r.arrayBuffer())).toContain("validationErrors");
  });
});

describe("Notifications", () => {
  test("tdd-notification-sse: /events is an SSE stream (200, text/event-stream)", async () => {
    const s = await openEvents(`${dir.url}/events`);
    expect(s.response.status).toBe(200);
    expect(s.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await s.close();
  });

  test("tdd-notification-event-id: events carry ids and reconnecting clients get what they missed", async () => {
    const s = await openEvents(`${dir.url}/events`);
    await put(dir.url, minimalTd("urn:test:ev1"));
    const [first] = await s.next(1);
    await s.close();
    expect(first!.id).toMatch(/^\d+$/);
    await put(dir.url, minimalTd("urn:test:ev2"));
    await fetch(`${dir.url}/things/urn:test:ev2`, { method: "DELETE", headers: auth("writer") });
    const again = await openEvents(`${dir.url}/events`, { "last-event-id": first!.id });
    const missed = await again.next(2);
    await again.close();
    expect(missed.map((e) => [e.event, JSON.parse(e.data).id])).toEqual([["thing_created", "urn:test:ev2"], ["thing_deleted", "urn:test:ev2"]]);
  });

  test("tdd-notification-event-types: thing_created, thing_updated and thing_deleted", async () => {
    const s = await openEvents(`${dir.url}/events`);
    await put(dir.url, minimalTd("urn:test:ev3"));
    await put(dir.url, minimalTd("urn:test:ev3", { description: "x" }));
    await fetch(`${dir.url}/things/urn:test:ev3`, { method: "DELETE", headers: auth("writer") });
    const events = await s.next(3);
    await s.close();
    expect(events.map((e) => e.event)).toEqual(["thing_created", "thing_updated", "thing_deleted"]);
  });

  test("tdd-notification-filter-type: /events/{type} delivers only that type", async () => {
    const s = await openEvents(`${dir.url}/events/thing_deleted`);
    await put(dir.url, minimalTd("urn:test:ev4"));
    await fetch(`${dir.url}/things/urn:test:ev4`, { method: "DELETE", headers: auth("writer") });
    const [e] = await s.next(1);
    await s.close();
    expect(e!.event).toBe("thing_deleted");
    expect(s.events.every((x) => x.event === "thing_deleted")).toBe(true);
    await expectProblem(await get("/events/thing_exploded"), 404);
  });

  test("tdd-notification-data: event data is the JSON serialisation of the event object", async () => {
    const s = await openEvents(`${dir.url}/events/thing_created`);
    await put(dir.url, minimalTd("urn:test:ev5"));
    const [e] = await s.next(1);
    await s.close();
    expect(() => JSON.parse(e!.data)).not.toThrow();
  });

  test("tdd-notification-data-td-id: event data includes the TD's id", async () => {
    const s = await openEvents(`${dir.url}/events`);
    await put(dir.url, minimalTd("urn:test:ev6"));
    const [e] = await s.next(1);
    await s.close();
    expect(JSON.parse(e!.data)).toEqual({ id: "urn:test:ev6" });
  });

  test("tdd-notification-data-create-full (MAY): diff=true gives the whole TD on thing_created", async () => {
    const s = await openEvents(`${dir.url}/events/thing_created?diff=true`);
    await put(dir.url, minimalTd("urn:test:ev7", { description: "full" }));
    const [e] = await s.next(1);
    await s.close();
    expect(JSON.parse(e!.data)).toMatchObject({ id: "urn:test:ev7", description: "full", title: "Thing urn:test:ev7" });
  });

  test("tdd-notification-data-update-id: an update's merge patch always includes the id", async () => {
    await put(dir.url, minimalTd("urn:test:ev8", { description: "a" }));
    const s = await openEvents(`${dir.url}/events/thing_updated?diff=true`);
    await put(dir.url, minimalTd("urn:test:ev8", { description: "b" }));
    const [e] = await s.next(1);
    await s.close();
    const data = JSON.parse(e!.data) as Record<string, unknown>;
    expect(data.id).toBe("urn:test:ev8");
    expect(data.description).toBe("b");
    expect(data.title).toBeUndefined();
  });

  test("tdd-notification-data-delete-diff: diff is ignored for thing_deleted events", async () => {
    await put(dir.url, minimalTd("urn:test:ev9"));
    const s = await openEvents(`${dir.url}/events/thing_deleted?diff=true`);
    await fetch(`${dir.url}/things/urn:test:ev9`, { method: "DELETE", headers: auth("writer") });
    const [e] = await s.next(1);
    await s.close();
    expect(JSON.parse(e!.data)).toEqual({ id: "urn:test:ev9" });
  });
});

describe("Search", () => {
  const sparql = (q: string, headers: Record<string, string> = {}) => get(`/search/sparql?query=${encodeURIComponent(q)}`, headers);

  test("tdd-search-sparql-version: SPARQL 1.1 queries (with FILTER, OPTIONAL, aggregates) work", async () => {
    await put(dir.url, minimalTd("urn:test:sparql", { description: "spq" }));
    const r = await sparql("PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT (COUNT(?t) AS ?n) WHERE { ?t td:description ?d FILTER(STR(?d) = 'spq') OPTIONAL { ?t td:title ?title } }");
    const body = (await r.json()) as { results: { bindings: Array<{ n: { value: string } }> } };
    expect(body.results.bindings[0]!.n.value).toBe("1");
  });

  test("tdd-search-sparql-method-get: GET /search/sparql?query=", async () => {
    expect((await sparql("ASK { ?s ?p ?o }")).status).toBe(200);
  });

  test("tdd-search-sparql-method-post (OPTIONAL): POST /search/sparql with application/sparql-query", async () => {
    const r = await fetch(`${dir.url}/search/sparql`, { method: "POST", headers: { "content-type": "application/sparql-query" }, body: "ASK { ?s ?p ?o }" });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ head: {}, boolean: true });
  });

  test("tdd-search-sparql-resp-select-ask: SELECT and ASK answer 200 with application/json", async () => {
    for (const q of ["SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "ASK { ?s ?p ?o }"]) {
      const r = await sparql(q);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    }
  });

  test("tdd-search-sparql-resp-describe-construct: CONSTRUCT and DESCRIBE answer 200 with application/ld+json", async () => {
    await put(dir.url, minimalTd("urn:test:describe"));
    for (const q of ["CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3", "DESCRIBE <urn:test:describe>"]) {
      const r = await sparql(q);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^application\/ld\+json/);
      expect(Array.isArray(await r.json())).toBe(true);
    }
  });

  test("tdd-search-sparql-error: any other query form is 400 Bad Request", async () => {
    await expectProblem(await sparql("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), 400);
    await expectProblem(await sparql("DROP ALL"), 400);
    await expectProblem(await sparql("SELECT WHERE {"), 400);
  });
});

describe("Directory description", () => {
  test("exploration-directory-description-type: /.well-known/wot is a ThingDirectory TD that validates", async () => {
    const r = await get("/.well-known/wot");
    expect(r.headers.get("content-type")).toMatch(/^application\/td\+json/);
    const td = (await r.json()) as Record<string, unknown>;
    expect(td["@type"]).toBe("ThingDirectory");
    expect(td["@context"]).toContain("https://www.w3.org/2022/wot/discovery");
    expect(new TdValidator().validate(td)).toEqual([]);
    expect(Object.keys(td.actions as object)).toEqual(expect.arrayContaining(["createThing", "createAnonymousThing", "retrieveThing", "updateThing", "partiallyUpdateThing", "deleteThing", "searchJSONPath", "searchSPARQL"]));
    expect(Object.keys(td.events as object)).toEqual(["thingCreated", "thingUpdated", "thingDeleted"]);
  });
});
