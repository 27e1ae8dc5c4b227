import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { batteryTd, meterTd, minimalTd, put, startDirectory, type Running } from "./harness.ts";

let dir: Running;
beforeAll(async () => {
  dir = await startDirectory({ searchTimeoutMs: 1500 });
  await put(dir.url, batteryTd(1, "north", 100_000));
  await put(dir.url, batteryTd(2, "north", 30_000));
  await put(dir.url, batteryTd(3, "south", 250_000));
  await put(dir.url, batteryTd(4, "north", 50_001));
  await put(dir.url, meterTd(1));
  await put(dir.url, minimalTd("urn:gridthings:weather", { "@context": ["https://www.w3.org/2022/wot/td/v1.1", { gt: "https://gridthings.dev/ns#" }], "gt:region": "north" }));
});
afterAll(async () => dir.stop());

const ENSEMBLE_SPARQL = `
PREFIX s4ener: <https://saref.etsi.org/saref4ener/>
PREFIX gt: <https://gridthings.dev/ns#>
SELECT ?thing ?power WHERE {
  ?thing a s4ener:Battery ; gt:region "north" ; gt:maxDischargePowerW ?power .
  FILTER(?power > 50000)
} ORDER BY ?thing`;
const ENSEMBLE_JSONPATH = `$[?@['@type'][?@ == 's4ener:Battery'] && @['gt:region'] == 'north' && @['gt:maxDischargePowerW'] > 50000].id`;

describe("ensemble discovery: every battery with more than 50 kW max discharge power in region north", () => {
  test("with SPARQL over the semantic annotations", async () => {
    const r = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(ENSEMBLE_SPARQL)}`);
    const body = (await r.json()) as { results: { bindings: Array<{ thing: { value: string }; power: { value: string; datatype: string } }> } };
    expect(body.results.bindings.map((b) => b.thing.value)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:bess:4"]);
    expect(body.results.bindings[0]!.power.datatype).toBe("http://www.w3.org/2001/XMLSchema#integer");
  });

  test("with JSONPath over the TD fields", async () => {
    const r = await fetch(`${dir.url}/search/jsonpath?query=${encodeURIComponent(ENSEMBLE_JSONPATH)}`);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await r.json()).toEqual(["urn:gridthings:bess:1", "urn:gridthings:bess:4"]);
  });

  test("affordance types and units are findable", async () => {
    const q = `PREFIX saref: <https://saref.etsi.org/core/> PREFIX td: <https://www.w3.org/2019/wot/td#> PREFIX hctl: <https://www.w3.org/2019/wot/hypermedia#>
      SELECT ?thing ?href WHERE { GRAPH ?g { ?thing td:hasPropertyAffordance ?p . ?p a saref:StateOfCharge ; td:hasForm ?f . ?f hctl:hasTarget ?href } } ORDER BY ?thing`;
    const body = (await (await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(q)}`)).json()) as { results: { bindings: Array<{ href: { value: string } }> } };
    expect(body.results.bindings.length).toBe(4);
    expect(body.results.bindings[0]!.href.value).toBe("http://127.0.0.1:9/bess/1/properties/stateOfCharge");
  });

  test("updates and deletes are reflected in the index at once", async () => {
    await put(dir.url, batteryTd(2, "north", 75_000));
    await fetch(`${dir.url}/things/urn:gridthings:bess:4`, { method: "DELETE", headers: { authorization: "Bearer writer-token-0123456789" } });
    const r = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(ENSEMBLE_SPARQL)}`);
    const body = (await r.json()) as { results: { bindings: Array<{ thing: { value: string } }> } };
    expect(body.results.bindings.map((b) => b.thing.value)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:bess:2"]);
  });

  test("plain fields are findable with SPARQL too", async () => {
    const q = `PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t td:title "Battery 3" }`;
    const body = (await (await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(q)}`)).json()) as { results: { bindings: Array<{ t: { value: string } }> } };
    expect(body.results.bindings.map((b) => b.t.value)).toEqual(["urn:gridthings:bess:3"]);
  });

  test("a runaway SPARQL query is stopped with 503 and the index comes back", async () => {
    const explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }";
    const r = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(explosive)}`);
    expect(r.status).toBe(503);
    expect((await r.json()).code).toBe("SEARCH_TIMEOUT");
    const again = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(ENSEMBLE_SPARQL)}`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { results: { bindings: unknown[] } }).results.bindings.length).toBe(2);
  });
});
