import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auth, batteryTd, meterTd, openEvents, put, startDirectory, TD_JSON, type Running } from "./harness.ts";

let dir: Running;
beforeAll(async () => {
  dir = await startDirectory();
  await put(dir.url, batteryTd(1, "north", 100_000));
  await put(dir.url, meterTd(1));
  await put(dir.url, meterTd(2));
});
afterAll(async () => dir.stop());

const ids = async (path: string, who?: Parameters<typeof auth>[0]) =>
  ((await (await fetch(`${dir.url}${path}`, { headers: who ? auth(who) : {} })).json()) as Array<{ id: string }>).map((t) => t.id);
const jsonpathIds = (who?: Parameters<typeof auth>[0]) => fetch(`${dir.url}/search/jsonpath?query=${encodeURIComponent("$[*].id")}`, { headers: who ? auth(who) : {} }).then((r) => r.json() as Promise<string[]>);
const sparqlIds = async (who?: Parameters<typeof auth>[0]) => {
  const q = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t rdf:type td:Thing } ORDER BY ?t";
  const r = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(q)}`, { headers: who ? auth(who) : {} });
  return ((await r.json()) as { results: { bindings: Array<{ t: { value: string } }> } }).results.bindings.map((b) => b.t.value);
};

describe("household privacy", () => {
  test("anonymous and reader listings, reads and searches leave household TDs out", async () => {
    for (const who of [undefined, "reader"] as const) {
      expect(await ids("/things", who)).toEqual(["urn:gridthings:bess:1"]);
      expect(await jsonpathIds(who)).toEqual(["urn:gridthings:bess:1"]);
      expect(await sparqlIds(who)).toEqual(["urn:gridthings:bess:1"]);
      expect((await fetch(`${dir.url}/things/urn:gridthings:meter:1`, { headers: who ? auth(who) : {} })).status).toBe(404);
    }
  });

  test("privileged-reader, writer and admin see household TDs", async () => {
    for (const who of ["analyst", "writer", "admin"] as const) {
      expect(await ids("/things", who)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:meter:1", "urn:gridthings:meter:2"]);
      expect((await jsonpathIds(who)).length).toBe(3);
      expect((await sparqlIds(who)).length).toBe(3);
    }
  });

  test("a meter's device token reads its own household TD", async () => {
    expect((await fetch(`${dir.url}/things/urn:gridthings:meter:1`, { headers: auth("meters") })).status).toBe(200);
    expect((await fetch(`${dir.url}/things/urn:gridthings:meter:1`, { headers: auth("device") })).status).toBe(404);
  });

  test("events of household TDs reach only those who may see them", async () => {
    const anonymous = await openEvents(`${dir.url}/events`);
    const analyst = await openEvents(`${dir.url}/events`, auth("analyst"));
    await put(dir.url, meterTd(3));
    await put(dir.url, batteryTd(2, "south", 20_000));
    const [a] = await anonymous.next(1);
    const b = await analyst.next(2);
    await anonymous.close();
    await analyst.close();
    expect(JSON.parse(a!.data).id).toBe("urn:gridthings:bess:2");
    expect(b.map((e) => JSON.parse(e.data).id)).toEqual(["urn:gridthings:meter:3", "urn:gridthings:bess:2"]);
  });
});

describe("tokens and roles", () => {
  test("a device may write its own TD but not another device's", async () => {
    expect((await put(dir.url, batteryTd(1, "north", 120_000), "device")).status).toBe(204);
    const r = await put(dir.url, batteryTd(3, "north", 1), "device");
    expect(r.status).toBe(403);
    expect((await r.json()).code).toBe("FORBIDDEN");
    expect((await fetch(`${dir.url}/things/urn:gridthings:bess:2`, { method: "DELETE", headers: auth("device") })).status).toBe(403);
  });

  test("an expired token is refused with 401 and a WWW-Authenticate challenge, on writes and reads", async () => {
    const w = await put(dir.url, batteryTd(9, "north", 1), "expired");
    expect(w.status).toBe(401);
    expect(w.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect((await w.json()).code).toBe("AUTH_TOKEN_EXPIRED");
    expect((await fetch(`${dir.url}/things`, { headers: auth("expired") })).status).toBe(401);
  });

  test("unknown tokens and other schemes are refused", async () => {
    const unknown = await fetch(`${dir.url}/things/urn:x`, { method: "PUT", headers: { authorization: "Bearer nope-nope-nope-nope", ...TD_JSON }, body: "{}" });
    expect(unknown.status).toBe(401);
    const basic = await fetch(`${dir.url}/things`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
  });

  test("a reader may not write", async () => {
    expect((await put(dir.url, batteryTd(5, "north", 1), "reader")).status).toBe(403);
  });
});
