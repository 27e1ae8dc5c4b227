import { afterEach, describe, expect, test } from "vitest";
import type { Entry } from "../../../registry/directory.ts";
import { SparqlIndex } from "../../../registry/search/sparql-index.ts";
import { batteryTd, meterTd } from "../harness.ts";

const JSON_RESULTS = "application/sparql-results+json";
const COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
const ENSEMBLE = `PREFIX gt: <https://gridthings.dev/ns#> SELECT ?t WHERE { ?t gt:region "north" ; gt:maxDischargePowerW ?p FILTER(?p > 50000) } ORDER BY ?t`;

function entry(td: Record<string, unknown>, household = false): Entry {
  return { id: String(td.id), td, json: JSON.stringify(td), household, expiresAt: Infinity };
}

const count = async (index: SparqlIndex, privileged = true) =>
  Number((JSON.parse(await index.query(COUNT_QUADS, JSON_RESULTS, privileged)) as { results: { bindings: Array<{ n: { value: string } }> } }).results.bindings[0]!.n.value);
const things = async (index: SparqlIndex, query = ENSEMBLE, privileged = true) =>
  (JSON.parse(await index.query(query, JSON_RESULTS, privileged)) as { results: { bindings: Array<{ t: { value: string } }> } }).results.bindings.map((b) => b.t.value);

let index: SparqlIndex | undefined;
afterEach(async () => index?.stop());

describe("SparqlIndex", () => {
  test("a query sees every change made before it, however the changes are batched", async () => {
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 1 << 20 });
    await index.start(() => [entry(batteryTd(1, "north", 100_000))]);
    expect(await things(index)).toEqual(["urn:gridthings:bess:1"]);
    const two = entry(batteryTd(2, "north", 60_000));
    index.onChange({ type: "thing_created", entry: two });
    expect(await things(index)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:bess:2"]);
    index.onChange({ type: "thing_deleted", previous: two });
    index.onChange({ type: "thing_created", entry: entry(batteryTd(3, "north", 70_000)) });
    index.onChange({ type: "thing_updated", previous: entry(batteryTd(1, "north", 100_000)), entry: entry(batteryTd(1, "south", 100_000)) });
    expect(await things(index)).toEqual(["urn:gridthings:bess:3"]);
  });

  test("answers are reused only until the next change, and never across privilege", async () => {
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 1 << 20 });
    await index.start(() => [entry(batteryTd(1, "north", 100_000)), entry(meterTd(1), true)]);
    const everyThing = "PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t a td:Thing } ORDER BY ?t";
    expect(await things(index, everyThing, true)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:meter:1"]);
    expect(await things(index, everyThing, false)).toEqual(["urn:gridthings:bess:1"]);
    expect(await things(index, everyThing, true)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:meter:1"]);
    index.onChange({ type: "thing_created", entry: entry(batteryTd(2, "south", 1)) });
    expect(await things(index, everyThing, false)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:bess:2"]);
  });

  test("re-indexing a TD replaces its quads: the same number every time, the last version found", async () => {
    const td = batteryTd(1, "north", 100_000);
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 1 << 20 });
    await index.start(() => [entry(td)]);
    const before = await count(index);
    for (let i = 0; i < 5; i++) {
      index.onChange({ type: "thing_updated", previous: entry(td), entry: entry({ ...td, title: `Battery ${i}` }) });
      expect(await count(index)).toBe(before);
    }
    expect(await things(index, `PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t td:title "Battery 4" }`)).toEqual(["urn:gridthings:bess:1"]);
    expect(await things(index, `PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t td:title "Battery 3" }`)).toEqual([]);
  });

  test("bad queries are refused with SPARQL_INVALID and the index keeps answering", async () => {
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 1 << 20 });
    await index.start(() => [entry(batteryTd(1, "north", 100_000))]);
    await expect(index.query("SELECT ?x WHERE { ?x", JSON_RESULTS, true)).rejects.toMatchObject({ code: "SPARQL_INVALID" });
    await expect(index.query(COUNT_QUADS, "application/x-unknown", true)).rejects.toMatchObject({ code: "SPARQL_INVALID" });
    expect(await things(index)).toEqual(["urn:gridthings:bess:1"]);
  });

  test("an answer over the size limit is refused, from the cache too", async () => {
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 200 });
    await index.start(() => [entry(batteryTd(1, "north", 100_000))]);
    const all = "SELECT * WHERE { ?s ?p ?o }";
    await expect(index.query(all, JSON_RESULTS, true)).rejects.toMatchObject({ code: "SEARCH_RESULT_TOO_LARGE" });
    await expect(index.query(all, JSON_RESULTS, true)).rejects.toMatchObject({ code: "SEARCH_RESULT_TOO_LARGE" });
  });

  test("callers who may not see household TDs query the open TDs only, also when a TD changes side", async () => {
    const everyThing = "PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { GRAPH ?g { ?t a td:Thing } } ORDER BY ?t";
    index = new SparqlIndex({ timeoutMs: 5000, maxResultBytes: 1 << 20 });
    await index.start(() => [entry(batteryTd(1, "north", 100_000))]);
    expect(await things(index, everyThing, false)).toEqual(["urn:gridthings:bess:1"]);
    const meter = entry(meterTd(1), true);
    index.onChange({ type: "thing_created", entry: meter });
    expect(await things(index, everyThing, false)).toEqual(["urn:gridthings:bess:1"]);
    expect(await things(index, everyThing, true)).toEqual(["urn:gridthings:bess:1", "urn:gridthings:meter:1"]);
    const battery = entry(batteryTd(1, "north", 100_000));
    const hiddenBattery = entry({ ...battery.td, "gt:privacy": "household" }, true);
    index.onChange({ type: "thing_updated", previous: battery, entry: hiddenBattery });
    expect(await things(index, everyThing, false)).toEqual([]);
    index.onChange({ type: "thing_updated", previous: hiddenBattery, entry: battery });
    index.onChange({ type: "thing_deleted", previous: meter });
    expect(await things(index, everyThing, false)).toEqual(["urn:gridthings:bess:1"]);
    expect(await things(index, everyThing, true)).toEqual(["urn:gridthings:bess:1"]);
  });
});
