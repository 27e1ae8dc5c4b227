import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auth, minimalTd, put, startDirectory, TD_JSON, type Running } from "./harness.ts";

let dir: Running;
beforeAll(async () => {
  dir = await startDirectory({ maxBodyBytes: 64 * 1024 });
  await put(dir.url, minimalTd("urn:bad:existing"));
});
afterAll(async () => dir.stop());

async function problem(r: Response, status: number, code?: string): Promise<Record<string, unknown>> {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await r.json()) as Record<string, unknown>;
  if (code) expect(body.code).toBe(code);
  return body;
}
const write = (method: string, path: string, body: string, type = "application/td+json") =>
  fetch(`${dir.url}${path}`, { method, headers: { ...auth("writer"), "content-type": type }, body });

describe("bad input gets a clear 4xx problem", () => {
  test("malformed JSON, empty bodies and non-object JSON", async () => {
    await problem(await write("PUT", "/things/urn:bad:1", "{\"id\":"), 400, "BODY_NOT_JSON");
    await problem(await write("PUT", "/things/urn:bad:1", ""), 400);
    await problem(await write("PUT", "/things/urn:bad:1", "[1,2]"), 400, "BODY_NOT_OBJECT");
    await problem(await write("POST", "/things", "\"a string\""), 400, "BODY_NOT_OBJECT");
  });

  test("a __proto__ key is refused", async () => {
    await problem(await write("PUT", "/things/urn:bad:proto", '{"__proto__":{"polluted":true}}'), 400, "BODY_NOT_JSON");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("huge bodies get 413", async () => {
    const huge = JSON.stringify(minimalTd("urn:bad:huge", { description: "x".repeat(100 * 1024) }));
    const body = await problem(await write("PUT", "/things/urn:bad:huge", huge), 413);
    expect(String(body.title)).toMatch(/large|limit/i);
  });

  test("wrong media types get 415 naming the accepted ones", async () => {
    const body = await problem(await write("PUT", "/things/urn:bad:2", JSON.stringify(minimalTd("urn:bad:2")), "application/xml"), 415, "MEDIA_TYPE_UNSUPPORTED");
    expect(body.accepted).toContain("application/td+json");
    await problem(await write("PATCH", "/things/urn:bad:existing", "{}", "application/json-patch+json"), 415);
    await problem(await fetch(`${dir.url}/things/urn:bad:3`, { method: "PUT", headers: auth("writer"), body: JSON.stringify(minimalTd("urn:bad:3")) }), 415);
  });

  test("broken merge patches", async () => {
    await problem(await write("PATCH", "/things/urn:bad:existing", "[{\"op\":\"add\"}]", "application/merge-patch+json"), 400, "BODY_NOT_OBJECT");
    await problem(await write("PATCH", "/things/urn:bad:existing", "{nope", "application/merge-patch+json"), 400, "BODY_NOT_JSON");
    await problem(await write("PATCH", "/things/urn:bad:existing", '{"security":null,"securityDefinitions":null}', "application/merge-patch+json"), 400, "TD_INVALID");
    await problem(await write("PATCH", "/things/urn:bad:existing", '{"id":null}', "application/merge-patch+json"), 400, "MERGE_PATCH_INVALID");
    await problem(await write("PATCH", "/things/urn:bad:unknown", "{}", "application/merge-patch+json"), 404, "THING_NOT_FOUND");
  });

  test("invalid TDs list every problem", async () => {
    const body = await problem(await write("PUT", "/things/urn:bad:4", JSON.stringify({ id: "urn:bad:4", title: 3, properties: { p: { type: "nonsense" } } })), 400, "TD_INVALID");
    const fields = (body.validationErrors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["/", "/title"]));
  });

  test("unknown ids get 404 on every method", async () => {
    await problem(await fetch(`${dir.url}/things/urn:bad:nothing`), 404, "THING_NOT_FOUND");
    await problem(await fetch(`${dir.url}/things/urn:bad:nothing`, { method: "DELETE", headers: auth("writer") }), 404, "THING_NOT_FOUND");
    await problem(await write("PATCH", "/things/urn:bad:nothing", "{}", "application/merge-patch+json"), 404);
  });

  test("invalid listing parameters", async () => {
    for (const q of ["limit=-1", "limit=0", "limit=abc", "offset=x", "format=xml", "sort_order=sideways", "sort_by=title"]) {
      await problem(await fetch(`${dir.url}/things?${q}`), 400);
    }
  });

  test("invalid JSONPath queries", async () => {
    for (const q of ["$[?", "$.a[", "foo", "$[?@.a == ]", "$..a..b..c"]) {
      await problem(await fetch(`${dir.url}/search/jsonpath?query=${encodeURIComponent(q)}`), 400, "JSONPATH_INVALID");
    }
    await problem(await fetch(`${dir.url}/search/jsonpath`), 400, "QUERY_PARAMETER_INVALID");
    await problem(await fetch(`${dir.url}/search/jsonpath?query=${"$".padEnd(5000, ".a")}`), 400, "QUERY_PARAMETER_INVALID");
  });

  test("invalid SPARQL queries", async () => {
    await problem(await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent("SELECT ?x WHERE { ?x ")}`), 400, "SPARQL_INVALID");
    await problem(await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent("DELETE WHERE { ?s ?p ?o }")}`), 400, "SPARQL_FORM_UNSUPPORTED");
    await problem(await fetch(`${dir.url}/search/sparql?query=hello`), 400, "SPARQL_INVALID");
    await problem(await fetch(`${dir.url}/search/sparql`), 400, "QUERY_PARAMETER_INVALID");
    await problem(await fetch(`${dir.url}/search/sparql`, { method: "POST", headers: { "content-type": "text/plain" }, body: "ASK {}" }), 415);
  });

  test("unacceptable Accept headers get 406", async () => {
    await problem(await fetch(`${dir.url}/things/urn:bad:existing`, { headers: { accept: "application/xml" } }), 406, "NOT_ACCEPTABLE");
  });

  test("a TD id that differs from the URL", async () => {
    await problem(await put(dir.url, { ...minimalTd("urn:bad:a"), id: "urn:bad:b" }).then(() => write("PUT", "/things/urn:bad:a", JSON.stringify(minimalTd("urn:bad:b")))), 400, "TD_ID_MISMATCH");
  });

  test("the unknown-route answer is a problem too", async () => {
    await problem(await fetch(`${dir.url}/search/xpath?query=x`), 404);
    expect(TD_JSON["content-type"]).toBe("application/td+json");
  });
});
