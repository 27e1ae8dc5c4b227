import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { auth, batteryTd, meterTd, put, startDirectory, type Running } from "../harness.ts";

// A directory whose SPARQL stores take 2 TDs each: 5 batteries and 2 meters are indexed in 3 open
// shards and 1 household shard, behind the same HTTP routes.
let dir: Running;
beforeAll(async () => {
  dir = await startDirectory({ sparqlShardSize: 2 });
  for (let n = 1; n <= 5; n++) await put(dir.url, batteryTd(n, n % 2 ? "north" : "south", 40_000 * n));
  for (let n = 1; n <= 2; n++) await put(dir.url, meterTd(n));
});
afterAll(async () => dir.stop());

const P = `PREFIX td: <https://www.w3.org/2019/wot/td#> PREFIX gt: <https://gridthings.dev/ns#> PREFIX s4ener: <https://saref.etsi.org/saref4ener/> `;
const sparql = (query: string, headers: Record<string, string> = {}) => fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(query)}`, { headers });
const things = async (r: Response) => ((await r.json()) as { results: { bindings: Array<{ t: { value: string } }> } }).results.bindings.map((b) => b.t.value).sort();

describe("SPARQL search over a sharded index", () => {
  test("the ensemble query is answered from every shard", async () => {
    const r = await sparql(`${P} SELECT ?t WHERE { ?t a s4ener:Battery ; gt:region "north" ; gt:maxDischargePowerW ?p FILTER(?p > 50000) }`);
    expect(r.status).toBe(200);
    expect(await things(r)).toEqual(["urn:gridthings:bess:3", "urn:gridthings:bess:5"]);
  });

  test("household TDs only for callers who may see them", async () => {
    const every = `${P} SELECT ?t WHERE { ?t a td:Thing }`;
    expect(await things(await sparql(every))).toHaveLength(5);
    expect(await things(await sparql(every, auth("analyst")))).toHaveLength(7);
  });

  test("a query that cannot be merged exactly is a 400 problem with SPARQL_NOT_SHARDABLE", async () => {
    const r = await sparql(`${P} SELECT ?t WHERE { ?t a td:Thing } ORDER BY ?t`);
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await r.json()) as { type: string; title: string; code: string };
    expect(problem.type).toMatch(/SPARQL_NOT_SHARDABLE$/);
    expect(problem.code).toBe("SPARQL_NOT_SHARDABLE");
    expect(problem.title).toMatch(/ORDER BY.*JSONPath/);
  });

  test("a restart (as after kill -9: SQLite is the truth) fills the shards from the store and answers the same", async () => {
    const ensemble = `${P} SELECT ?t WHERE { ?t a s4ener:Battery ; gt:region "north" ; gt:maxDischargePowerW ?p FILTER(?p > 50000) }`;
    const before = await things(await sparql(ensemble));
    const { dataDir } = dir;
    await dir.stop(true);
    dir = await startDirectory({ sparqlShardSize: 2, dataDir });
    expect(dir.part.directory.size).toBe(7);
    expect(await things(await sparql(ensemble))).toEqual(before);
    expect(await things(await sparql(`${P} SELECT ?t WHERE { ?t a td:Thing }`, auth("analyst")))).toHaveLength(7);
  });

  test("CSV and Turtle answers", async () => {
    const csv = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(`${P} SELECT ?t WHERE { ?t gt:region "south" }`)}`, { headers: { accept: "text/csv" } });
    expect((await csv.text()).split("\r\n").filter(Boolean).sort()).toEqual(["t", "urn:gridthings:bess:2", "urn:gridthings:bess:4"]);
    const ttl = await fetch(`${dir.url}/search/sparql?query=${encodeURIComponent(`${P} CONSTRUCT { ?t gt:region ?r } WHERE { ?t gt:region ?r }`)}`, { headers: { accept: "text/turtle" } });
    expect(ttl.headers.get("content-type")).toMatch(/^text\/turtle/);
    expect(await ttl.text()).toContain("urn:gridthings:bess:5");
  });
});
