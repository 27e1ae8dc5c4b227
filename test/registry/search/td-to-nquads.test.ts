import { describe, expect, test } from "vitest";
import oxigraph from "oxigraph";
import { tdToNQuads } from "../../../registry/search/td-to-nquads.ts";
import { batteryTd } from "../harness.ts";

describe("tdToNQuads", () => {
  test("produces valid N-Quads in one named graph named after the TD", () => {
    const quads = oxigraph.parse(tdToNQuads(batteryTd(1, "north", 100_000), "x"), { format: "application/n-quads" });
    expect(quads.length).toBeGreaterThan(10);
    expect(new Set(quads.map((q) => q.graph.value))).toEqual(new Set(["urn:gridthings:bess:1"]));
  });

  test("expands compact IRIs from the TD's @context and types numbers", () => {
    const nq = tdToNQuads(batteryTd(1, "north", 100_000), "x");
    expect(nq).toContain('<urn:gridthings:bess:1> <https://gridthings.dev/ns#maxDischargePowerW> "100000"^^<http://www.w3.org/2001/XMLSchema#integer>');
    expect(nq).toContain("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://saref.etsi.org/saref4ener/Battery>");
    expect(nq).toContain("<http://schema.org/unitCode> <http://www.ontology-of-units-of-measure.org/resource/om-2/percent>");
    expect(nq).toContain("<https://www.w3.org/2019/wot/hypermedia#hasOperationType> <https://www.w3.org/2019/wot/td#readProperty>");
  });

  test("escapes literals and IRIs so hostile strings stay data", () => {
    const td = { "@context": "https://www.w3.org/2022/wot/td/v1.1", id: "urn:x", title: 'a "quoted"\nline \\ end', base: "http://h/a b>c", securityDefinitions: {}, security: [] };
    const quads = oxigraph.parse(tdToNQuads(td, "x"), { format: "application/n-quads" });
    expect(quads.find((q) => q.predicate.value.endsWith("#title"))?.object.value).toBe('a "quoted"\nline \\ end');
  });

  test("terms without a mapping are left out, unknown prefixes stay literal", () => {
    const td = { "@context": ["https://www.w3.org/2022/wot/td/v1.1", { ex: "http://example.org/" }], id: "urn:y", title: "t", mystery: 1, "ex:known": 2, "zz:unknown": 3, unit: "zz:x" };
    const nq = tdToNQuads(td, "y");
    expect(nq).toContain("<http://example.org/known>");
    expect(nq).not.toContain("mystery");
    expect(nq).not.toContain("zz:unknown");
  });

  test("writes every node's own quads together, the Thing's first (memory locality in oxigraph)", () => {
    const subjects = tdToNQuads(batteryTd(1, "north", 100_000), "x")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.slice(0, line.indexOf(" ")));
    expect(subjects[0]).toBe("<urn:gridthings:bess:1>");
    const runs = subjects.filter((s, i) => i === 0 || subjects[i - 1] !== s);
    expect(runs.length).toBe(new Set(subjects).size);
    expect(runs.filter((s) => s === "<urn:gridthings:bess:1>").length).toBe(1);
  });

  test("nested affordances, forms and schemas are all reached (same quads as depth-first order)", () => {
    const quads = oxigraph.parse(tdToNQuads(batteryTd(1, "north", 100_000), "x"), { format: "application/n-quads" });
    const store = new oxigraph.Store(quads);
    const q = `PREFIX td: <https://www.w3.org/2019/wot/td#> PREFIX hctl: <https://www.w3.org/2019/wot/hypermedia#>
      SELECT ?name ?href WHERE { <urn:gridthings:bess:1> td:hasPropertyAffordance ?p . ?p td:name ?name ; td:hasForm ?f . ?f hctl:hasTarget ?href } ORDER BY ?name ?href`;
    const rows = store.query(q, { use_default_graph_as_union: true }) as Map<string, { value: string }>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.get("name")?.value)).toContain("stateOfCharge");
    expect(new Set(quads.map((x) => x.subject.value)).size).toBe(new Set(quads.filter((x) => x.object.termType === "BlankNode").map((x) => x.object.value)).size + 1);
  });
});
