import { describe, expect, test } from "vitest";
import { planShardedQuery } from "../../../registry/search/shard-plan.ts";

const P = `PREFIX td: <https://www.w3.org/2019/wot/td#> PREFIX gt: <https://gridthings.dev/ns#> PREFIX saref: <https://saref.etsi.org/core/> PREFIX hctl: <https://www.w3.org/2019/wot/hypermedia#> `;

const refusal = (query: string) => {
  try {
    planShardedQuery(P + query);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error(`not refused: ${query}`);
};

describe("planShardedQuery: queries whose answers are the union of every TD's own", () => {
  test.each([
    ["a star on the Thing", `SELECT ?t WHERE { ?t gt:region "north" ; gt:maxDischargePowerW ?p FILTER(?p > 50000) ?t a saref:Device }`],
    ["a nested node in an OPTIONAL, tied by a required pattern", `SELECT ?t ?x WHERE { ?t td:hasPropertyAffordance ?p . ?p a saref:StateOfCharge OPTIONAL { ?p td:title ?x } }`],
    ["nested nodes through blank-only predicates", `SELECT ?t ?href WHERE { ?t td:hasPropertyAffordance ?p . ?p a saref:StateOfCharge ; td:hasForm ?f . ?f hctl:hasTarget ?href }`],
    ["anything inside one GRAPH ?g", `SELECT ?g WHERE { GRAPH ?g { ?a gt:region ?r . ?b hctl:hasTarget ?r } }`],
    ["OPTIONAL, MINUS and FILTER NOT EXISTS on the same Thing", `SELECT ?t WHERE { ?t a td:Thing OPTIONAL { ?t td:title ?x } MINUS { ?t gt:region "south" } FILTER NOT EXISTS { ?t gt:privacy ?y } }`],
    ["UNION of branches on the same Thing", `SELECT ?t WHERE { ?t a td:Thing { ?t gt:region "north" } UNION { ?t gt:region "south" } }`],
    ["blank node property lists", `SELECT ?t WHERE { ?t td:hasPropertyAffordance [ a saref:StateOfCharge ] }`],
    ["the same OPTIONAL inside GRAPH ?g", `SELECT ?t ?x WHERE { GRAPH ?g { ?t a td:Thing OPTIONAL { ?t td:hasPropertyAffordance ?p . ?p td:title ?x } } }`],
    ["ASK", `ASK { ?t gt:region "south" }`],
    ["CONSTRUCT", `CONSTRUCT { ?t gt:region ?r } WHERE { ?t gt:region ?r }`],
    ["DESCRIBE of a subject", `DESCRIBE ?t WHERE { ?t gt:region "north" }`],
    ["DESCRIBE of an IRI", `DESCRIBE <urn:gridthings:bess:1>`],
  ])("%s is merged", (_, query) => {
    expect(() => planShardedQuery(P + query)).not.toThrow();
  });

  test("LIMIT and OFFSET: every shard is asked for OFFSET + LIMIT rows, from the start", () => {
    const plan = planShardedQuery(`${P} SELECT DISTINCT ?t WHERE { ?t a td:Thing } LIMIT 3 OFFSET 2`);
    expect(plan).toMatchObject({ distinct: true, limit: 3, offset: 2, anyShard: false });
    expect(plan.shardQuery).toMatch(/LIMIT 5/);
    expect(plan.shardQuery).not.toMatch(/OFFSET/);
    expect(planShardedQuery(`${P} SELECT ?t WHERE { ?t a td:Thing } LIMIT 3`).shardQuery).toBe(`${P} SELECT ?t WHERE { ?t a td:Thing } LIMIT 3`);
  });

  test("a query without triple patterns does not depend on the TDs: one shard answers", () => {
    expect(planShardedQuery("SELECT ?x WHERE { BIND(1 AS ?x) }").anyShard).toBe(true);
    expect(planShardedQuery("ASK {}").anyShard).toBe(true);
  });
});

describe("planShardedQuery refuses, with SPARQL_NOT_SHARDABLE, what it cannot merge exactly", () => {
  test.each([
    ["an aggregate", `SELECT (COUNT(?t) AS ?n) WHERE { ?t a td:Thing }`, /aggregate \(COUNT\)/],
    ["GROUP BY", `SELECT ?r WHERE { ?t gt:region ?r } GROUP BY ?r`, /GROUP BY/],
    ["HAVING", `SELECT ?r WHERE { ?t gt:region ?r } GROUP BY ?r HAVING (?r != "x")`, /GROUP BY|HAVING/],
    ["ORDER BY", `SELECT ?t WHERE { ?t a td:Thing } ORDER BY ?t`, /ORDER BY/],
    ["a sub-query", `SELECT ?t WHERE { ?t a td:Thing { SELECT ?t WHERE { ?t td:title ?x } } }`, /sub-query/],
    ["a property path", `SELECT ?t WHERE { ?t td:hasPropertyAffordance/td:hasForm ?f }`, /property path/],
    ["an inverse path", `SELECT ?t WHERE { ?t ^hctl:hasTarget ?f }`, /property path/],
    ["a join on a shared literal (two TDs)", `SELECT ?a ?b WHERE { ?a gt:region ?r . ?b gt:region ?r }`, /not all joined/],
    ["a join through an IRI object (a link to another TD)", `SELECT ?a ?n WHERE { ?a td:hasLink ?l . ?l hctl:hasTarget ?b . ?b td:title ?n }`, /not all joined/],
    ["a join on a type", `SELECT ?a WHERE { ?a a ?c . ?b a ?c . ?b td:title "x" }`, /not all joined/],
    ["a cross product", `SELECT ?a ?b WHERE { ?a a td:Thing . ?b a td:Thing }`, /not all joined/],
    ["GRAPH blocks on different graphs", `SELECT ?a WHERE { GRAPH ?g { ?a a td:Thing } GRAPH ?h { ?b a td:Thing } }`, /not all joined/],
    ["UNION of unrelated branches", `SELECT * WHERE { { ?a gt:region "north" } UNION { ?b gt:region "south" } }`, /not all joined/],
    ["a UNION branch without a triple pattern", `SELECT * WHERE { ?a a td:Thing { ?a td:title ?x } UNION { BIND(1 AS ?y) } }`, /UNION branch/],
    ["only an OPTIONAL group", `SELECT * WHERE { OPTIONAL { ?a a td:Thing } }`, /need no triple pattern/],
    ["FROM", `SELECT ?t FROM <urn:gridthings:bess:1> WHERE { ?t a td:Thing }`, /FROM/],
    ["SERVICE", `SELECT ?t WHERE { ?t a td:Thing SERVICE <http://example.org/sparql> { ?t td:title ?x } }`, /SERVICE/],
    ["a node tied only through an optional pattern", `SELECT ?a ?n WHERE { ?a hctl:hasTarget ?v . ?v td:title ?n OPTIONAL { ?x td:hasForm ?v } }`, /not all joined/],
    ["DESCRIBE of a variable that is a subject only in an OPTIONAL", `DESCRIBE ?b WHERE { GRAPH ?g { ?a hctl:hasTarget ?b OPTIONAL { ?b td:title ?x } } }`, /DESCRIBE of a variable/],
    ["a nested node reached only inside OPTIONAL", `SELECT ?t ?x WHERE { ?t a td:Thing OPTIONAL { ?t td:hasPropertyAffordance ?p . ?p td:title ?x } }`, /not all joined/],
    ["LIMIT on CONSTRUCT", `CONSTRUCT { ?t a td:Thing } WHERE { ?t a td:Thing } LIMIT 2`, /LIMIT or OFFSET on CONSTRUCT/],
    ["DESCRIBE *", `DESCRIBE * WHERE { ?t td:hasLink ?l . ?l hctl:hasTarget ?b }`, /DESCRIBE \*/],
    ["DESCRIBE of an object", `DESCRIBE ?b WHERE { ?a hctl:hasTarget ?b }`, /DESCRIBE of a variable/],
  ])("%s", (_, query, why) => {
    const e = refusal(query);
    expect(e.code).toBe("SPARQL_NOT_SHARDABLE");
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/JSONPath/);
  });

  test("a query the parser cannot read is SPARQL_INVALID", () => {
    expect(() => planShardedQuery("SELECT ?t WHERE { ?t ")).toThrow(expect.objectContaining({ code: "SPARQL_INVALID" }));
  });
});
