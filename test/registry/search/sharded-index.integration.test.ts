import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import type { Entry } from "../../../registry/directory.ts";
import { SparqlIndex } from "../../../registry/search/sparql-index.ts";
import { batteryTd, meterTd, minimalTd } from "../harness.ts";

const JSON_RESULTS = "application/sparql-results+json";
const P = `PREFIX td: <https://www.w3.org/2019/wot/td#> PREFIX gt: <https://gridthings.dev/ns#> PREFIX saref: <https://saref.etsi.org/core/> PREFIX s4ener: <https://saref.etsi.org/saref4ener/> PREFIX hctl: <https://www.w3.org/2019/wot/hypermedia#> `;
const ENSEMBLE = `${P} SELECT ?thing ?power WHERE { ?thing a s4ener:Battery ; gt:region "north" ; gt:maxDischargePowerW ?power . FILTER(?power > 50000) }`;
const EVERY_THING = `${P} SELECT ?t WHERE { ?t a td:Thing }`;

function entry(td: Record<string, unknown>, household = false): Entry {
  return { id: String(td.id), td, json: JSON.stringify(td), household, expiresAt: Infinity };
}

/** 12 batteries in three regions, 4 household meters and a weather station: with 5 TDs a shard, 3 open shards and 1 household shard. */
function directory(): Entry[] {
  const regions = ["north", "south", "east"];
  return [
    ...Array.from({ length: 12 }, (_, i) => entry(batteryTd(i + 1, regions[i % 3] as string, 20_000 * (i + 1)))),
    ...Array.from({ length: 4 }, (_, i) => entry(meterTd(i + 1), true)),
    entry(minimalTd("urn:gridthings:weather", { "@context": ["https://www.w3.org/2022/wot/td/v1.1", { gt: "https://gridthings.dev/ns#" }], "gt:region": "north" })),
  ];
}

type Rows = { results: { bindings: Array<Record<string, { value: string }>> } };
const rows = async (index: SparqlIndex, query: string, privileged = true) =>
  (JSON.parse(await index.query(query, JSON_RESULTS, privileged)) as Rows).results.bindings.map((b) => JSON.stringify(Object.entries(b).map(([k, v]) => [k, v.value]).sort())).sort();
const ids = async (index: SparqlIndex, query = EVERY_THING, privileged = true) =>
  (JSON.parse(await index.query(query, JSON_RESULTS, privileged)) as Rows).results.bindings.map((b) => b.t!.value).sort();

async function make(entries: () => readonly Entry[], shardSize?: number, shardGarbageShare?: number, timeoutMs = 5000): Promise<SparqlIndex> {
  const index = new SparqlIndex({ timeoutMs, maxResultBytes: 1 << 22, shardSize, shardGarbageShare });
  await index.start(entries);
  return index;
}
const running: SparqlIndex[] = [];
async function started(entries: () => readonly Entry[], shardSize?: number, shardGarbageShare?: number, timeoutMs?: number): Promise<SparqlIndex> {
  const index = await make(entries, shardSize, shardGarbageShare, timeoutMs);
  running.push(index);
  return index;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});

// The queries that change nothing share one store and one sharded index of the same directory.
let single: SparqlIndex;
let sharded: SparqlIndex;
beforeAll(async () => {
  [single, sharded] = await Promise.all([make(directory), make(directory, 5)]);
});
afterAll(async () => {
  await Promise.all([single.stop(), sharded.stop()]);
});

describe("SparqlIndex in shards (5 TDs a shard)", () => {
  test("open and household TDs fill shards of their own class; a single store below the size", async () => {
    expect(sharded.shardStats()?.map((s) => [s.name, s.tds])).toEqual([["open-0", 5], ["open-1", 5], ["open-2", 3], ["household-0", 4]]);
    expect(single.shardStats()).toBeUndefined();
  });

  test.each([
    ["the ensemble (battery above 50 kW in region north)", ENSEMBLE],
    ["affordances through nested nodes", `${P} SELECT ?thing ?href WHERE { ?thing td:hasPropertyAffordance ?p . ?p a saref:StateOfCharge ; td:hasForm ?f . ?f hctl:hasTarget ?href }`],
    ["the same inside GRAPH ?g", `${P} SELECT ?g ?href WHERE { GRAPH ?g { ?thing td:hasPropertyAffordance ?p . ?p td:hasForm ?f . ?f hctl:hasTarget ?href } }`],
    ["DISTINCT over values every shard has", `${P} SELECT DISTINCT ?region WHERE { ?t gt:region ?region }`],
    ["OPTIONAL and FILTER NOT EXISTS", `${P} SELECT ?t ?power WHERE { ?t a td:Thing OPTIONAL { ?t gt:maxDischargePowerW ?power } FILTER NOT EXISTS { ?t gt:region "south" } }`],
    ["every TD", EVERY_THING],
  ])("%s: the same answer as one store, for privileged and anonymous callers", async (_, query) => {
    for (const privileged of [true, false]) expect(await rows(sharded, query, privileged)).toEqual(await rows(single, query, privileged));
    expect((await rows(sharded, query)).length).toBeGreaterThan(0);
  });

  test("household TDs never reach callers who may not see them", async () => {
    const anonymous = await ids(sharded, EVERY_THING, false);
    expect(anonymous).toHaveLength(13);
    expect(anonymous.some((id) => id.includes("meter"))).toBe(false);
    expect((await ids(sharded)).filter((id) => id.includes("meter"))).toHaveLength(4);
    const ask = `${P} ASK { ?t gt:privacy "household" }`;
    expect(JSON.parse(await sharded.query(ask, JSON_RESULTS, false))).toEqual({ head: {}, boolean: false });
    expect(JSON.parse(await sharded.query(ask, JSON_RESULTS, true))).toEqual({ head: {}, boolean: true });
  });

  test("LIMIT and OFFSET take rows of the merged answer; DISTINCT de-duplicates across shards", async () => {
    const all = await ids(sharded);
    const page = await ids(sharded, `${EVERY_THING} LIMIT 4 OFFSET 10`);
    expect(page).toHaveLength(4);
    for (const id of page) expect(all).toContain(id);
    expect(await ids(sharded, `${EVERY_THING} OFFSET 15`)).toHaveLength(2);
    expect(await rows(sharded, `${P} SELECT DISTINCT ?r WHERE { ?t gt:region ?r } LIMIT 2`)).toHaveLength(2);
    expect(await rows(sharded, `${P} SELECT REDUCED ?r WHERE { ?t gt:region ?r }`)).toHaveLength(3);
  });

  test("CSV, TSV, CONSTRUCT and DESCRIBE answers are merged like one store's", async () => {
    const lines = (s: string) => s.split(/\r?\n/).filter(Boolean).sort();
    for (const format of ["text/csv", "text/tab-separated-values"]) {
      expect(lines(await sharded.query(ENSEMBLE, format, true))).toEqual(lines(await single.query(ENSEMBLE, format, true)));
    }
    const construct = `${P} CONSTRUCT { ?t gt:region ?r } WHERE { ?t gt:region ?r }`;
    expect(lines(await sharded.query(construct, "application/n-triples", false))).toEqual(lines(await single.query(construct, "application/n-triples", false)));
    const turtle = await sharded.query(construct, "text/turtle", true);
    expect(turtle).toContain("urn:gridthings:meter:4");
    expect(turtle).toContain("urn:gridthings:bess:12");
    const describe = `DESCRIBE <urn:gridthings:bess:7>`;
    expect(lines(await sharded.query(describe, "application/n-triples", true))).toHaveLength(lines(await single.query(describe, "application/n-triples", true)).length);
    const jsonld = JSON.parse(await sharded.query(describe, "application/ld+json", true)) as Array<{ "@id": string }>;
    expect(jsonld.some((node) => node["@id"] === "urn:gridthings:bess:7")).toBe(true);
  });

  test("query shapes that cannot be merged exactly answer SPARQL_NOT_SHARDABLE; one store answers them", async () => {
    for (const query of [
      `${EVERY_THING} ORDER BY ?t`,
      `${P} SELECT (COUNT(?t) AS ?n) WHERE { ?t a td:Thing }`,
      `${P} SELECT ?a ?b WHERE { ?a gt:region ?r . ?b gt:region ?r }`,
      `${P} SELECT ?t WHERE { ?t td:hasPropertyAffordance/td:hasForm ?f }`,
    ]) {
      await expect(sharded.query(query, JSON_RESULTS, true)).rejects.toMatchObject({ code: "SPARQL_NOT_SHARDABLE", status: 400 });
      await expect(single.query(query, JSON_RESULTS, true)).resolves.toBeTypeOf("string");
    }
    await expect(sharded.query("SELECT ?t WHERE { ?t ", JSON_RESULTS, true)).rejects.toMatchObject({ code: "SPARQL_INVALID" });
    expect(await ids(sharded)).toHaveLength(17);
  });

  test("creates, updates, a change of class and deletes move nothing wrong", async () => {
    let entries = directory();
    const sharded = await started(() => entries, 5);
    const apply = (next: Entry[], change: Parameters<SparqlIndex["onChange"]>[0]) => {
      entries = next;
      sharded.onChange(change);
    };
    const b13 = entry(batteryTd(13, "north", 90_000));
    apply([...entries, b13], { type: "thing_created", entry: b13 });
    const b1 = entries.find((e) => e.id === "urn:gridthings:bess:1") as Entry;
    const b1Household = entry({ ...batteryTd(1, "north", 20_000), "gt:privacy": "household" }, true);
    apply(entries.map((e) => (e === b1 ? b1Household : e)), { type: "thing_updated", previous: b1, entry: b1Household });
    const b4 = entries.find((e) => e.id === "urn:gridthings:bess:4") as Entry;
    const b4South = entry(batteryTd(4, "south", 80_000));
    apply(entries.map((e) => (e === b4 ? b4South : e)), { type: "thing_updated", previous: b4, entry: b4South });
    const m2 = entries.find((e) => e.id === "urn:gridthings:meter:2") as Entry;
    apply(entries.filter((e) => e !== m2), { type: "thing_deleted", previous: m2 });

    const single = await started(() => entries);
    for (const privileged of [true, false]) {
      expect(await ids(sharded, EVERY_THING, privileged)).toEqual(await ids(single, EVERY_THING, privileged));
      expect(await rows(sharded, ENSEMBLE, privileged)).toEqual(await rows(single, ENSEMBLE, privileged));
    }
    expect(await ids(sharded, EVERY_THING, false)).not.toContain("urn:gridthings:bess:1");
    expect(await ids(sharded, EVERY_THING, true)).toContain("urn:gridthings:bess:1");
    const stats = sharded.shardStats() ?? [];
    expect(stats.reduce((n, s) => n + s.tds, 0)).toBe(entries.length);
    for (const s of stats) expect(s.tds).toBeLessThanOrEqual(5);
  });

  test("a directory that outgrows one store is sharded, and answers the same", async () => {
    let entries = directory().slice(0, 4);
    const index = await started(() => entries, 5);
    expect(index.shardStats()).toBeUndefined();
    expect(await ids(index)).toHaveLength(4);
    for (const e of directory().slice(4)) {
      entries = [...entries, e];
      index.onChange({ type: "thing_created", entry: e });
    }
    expect(await ids(index)).toHaveLength(17);
    expect(index.shardStats()?.length).toBe(4);
    expect(await ids(index, EVERY_THING, false)).toHaveLength(13);
  });

  test("a shard whose query runs too long fails the whole query with SEARCH_TIMEOUT, and is rebuilt", async () => {
    const index = await started(directory, 5, undefined, 300);
    expect(await ids(index)).toHaveLength(17);
    const star = "SELECT * WHERE { ?a ?b ?c . ?a ?e ?f . ?a ?h ?i . ?a ?k ?l . ?a ?n ?o . ?a ?q ?r }";
    await expect(index.query(star, JSON_RESULTS, true)).rejects.toMatchObject({ code: "SEARCH_TIMEOUT" });
    expect(await ids(index)).toHaveLength(17);
    expect(await rows(index, ENSEMBLE)).toEqual(await rows(single, ENSEMBLE));
  });

  test("a restart fills the shards the same way, and gives the same answers", async () => {
    const first = await started(directory, 5);
    const again = await started(directory, 5);
    expect(again.shardStats()).toEqual(first.shardStats());
    expect(await rows(again, ENSEMBLE)).toEqual(await rows(first, ENSEMBLE));
  });

  test("a shard whose removed quads pass its share is rebuilt in the background, and keeps its answers", async () => {
    let entries = directory();
    // 5 TDs × 400 quads × 0.02: a rebuild after about 40 removed quads.
    const sharded = await started(() => entries, 5, 0.02);
    const b2 = () => entries.find((e) => e.id === "urn:gridthings:bess:2") as Entry;
    for (let i = 0; i < 30; i++) {
      const next = entry({ ...batteryTd(2, "north", 60_000 + i), title: `Battery 2 v${i}`, description: `version ${i}` });
      const previous = b2();
      entries = entries.map((e) => (e === previous ? next : e));
      sharded.onChange({ type: "thing_updated", previous, entry: next });
      // Each query hands the update over on its own (writes waiting together are indexed once).
      expect(await ids(sharded, `${P} SELECT ?t WHERE { ?t td:title "Battery 2 v${i}" }`)).toEqual(["urn:gridthings:bess:2"]);
    }
    await vi.waitFor(() => expect(sharded.shardStats()?.find((s) => s.name === "open-0")?.rebuilds).toBeGreaterThan(0), { timeout: 20_000, interval: 100 });
    const single = await started(() => entries);
    expect(await rows(sharded, ENSEMBLE)).toEqual(await rows(single, ENSEMBLE));
    expect(await ids(sharded, `${P} SELECT ?t WHERE { ?t td:title "Battery 2 v29" }`)).toEqual(["urn:gridthings:bess:2"]);
    expect(await ids(sharded)).toHaveLength(17);
    expect(sharded.shardStats()?.find((s) => s.name === "open-1")?.rebuilds).toBe(0);
  });
});
