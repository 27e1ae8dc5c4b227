import { describe, expect, it } from "vitest";
import { isCodedError } from "../../src/errors/coded-error.ts";
import { validateTopology } from "../../src/microgrid/topology.ts";
import { MG, node, tree } from "./fixtures.ts";
import { engineWithTree } from "./engine-fixture.ts";

function violated(fn: () => unknown): { code: string; rule: unknown; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isCodedError(e)) return { code: e.code, rule: e.details.violated_rule, details: e.details };
    throw e;
  }
  throw new Error("did not throw");
}

describe("topology rules", () => {
  it("accepts the fixture tree", () => expect(() => validateTopology(MG, tree())).not.toThrow());
  const cases: Array<[string, ReturnType<typeof tree>, string]> = [
    ["duplicate id", [...tree(), node("cp1", "gc2", "CHARGE_POINT")], "NODE_ID_UNIQUE"],
    ["orphan", [...tree(), node("x", "ghost", "CHARGE_POINT")], "NO_ORPHAN"],
    ["cycle", [...tree(), node("a", "b", "VIRTUAL"), node("b", "a", "VIRTUAL")], "ACYCLIC"],
    ["self parent", [...tree(), node("a", "a", "VIRTUAL")], "ACYCLIC"],
    ["first level not grid connection", [...tree(), node("v", null, "CIRCUIT")], "FIRST_LEVEL_IS_GRID_CONNECTION"],
    ["asset twice", [...tree(), { ...node("cp9", "gc2", "CHARGE_POINT"), attached_asset_id: "asset-cp3" }], "ASSET_REFERENCED_ONCE"],
    ["other microgrid", [...tree(), { ...node("z", "gc2", "CHARGE_POINT"), microgrid_id: "other" }], "NODE_BELONGS_TO_ONE_MICROGRID"],
    ["half asset reference", [...tree(), { ...node("z", "gc2", "CHARGE_POINT"), attached_asset_id: null }], "ASSET_REFERENCE_COMPLETE"],
    ["virtual with asset", [...tree(), { ...node("z", "gc2", "VIRTUAL"), attached_asset_type: "CIRCUIT", attached_asset_id: "q" }], "VIRTUAL_NODE_HAS_NO_ASSET"],
  ];
  for (const [name, nodes, rule] of cases) {
    it(`rejects ${name} with 422 TOPOLOGY_INVALID ${rule}`, () => {
      const v = violated(() => validateTopology(MG, nodes));
      expect(v.code).toBe("TOPOLOGY_INVALID");
      expect(v.rule).toBe(rule);
      expect(v.details.details).toBeDefined();
    });
  }
});

describe("versioned topology edits", () => {
  it("bumps the version and emits topology_updated", () => {
    const { engine } = engineWithTree();
    const v = engine.microgrid(MG).version;
    const m = engine.writeTopology(MG, { version: v, patch: { upsert: [node("cp4", "gc2", "CHARGE_POINT", 2)] }, updated_by: "op" });
    expect(m.version).toBe(v + 1);
    expect(engine.drain().map((e) => [e.type, e.payload])).toEqual([["microgrid.topology_updated", { microgrid_id: MG, version: v + 1, updated_by: "op" }]]);
  });

  it("a stale version is a 409 with expected and actual version", () => {
    const { engine } = engineWithTree();
    const actual = engine.microgrid(MG).version;
    const v = violated(() => engine.writeTopology(MG, { version: actual - 1, nodes: tree(), updated_by: "op" }));
    expect(v.code).toBe("TOPOLOGY_VERSION_CONFLICT");
    expect(v.details).toMatchObject({ reason_code: "TOPOLOGY_VERSION_CONFLICT", expected_version: actual - 1, actual_version: actual });
  });

  it("reparenting into a cycle is refused and leaves state unchanged", () => {
    const { engine } = engineWithTree();
    const before = JSON.stringify(engine.snapshot());
    const version = engine.microgrid(MG).version;
    const v = violated(() => engine.writeTopology(MG, { version, patch: { upsert: [{ ...node("cir1", "cp1", "CIRCUIT", 1) }] }, updated_by: "op" }));
    expect(v.rule).toBe("ACYCLIC");
    expect(JSON.stringify(engine.snapshot())).toBe(before);
    expect(engine.drain()).toEqual([]);
  });

  it("removing a node that leaves children orphaned is refused", () => {
    const { engine } = engineWithTree();
    const v = violated(() => engine.writeTopology(MG, { version: engine.microgrid(MG).version, patch: { remove: ["cir1"] }, updated_by: "op" }));
    expect(v.rule).toBe("NO_ORPHAN");
  });

  it("removing a node still referenced by a node limit is refused", () => {
    const { engine } = engineWithTree();
    engine.upsertNodeLimit(MG, { node_id: "cp3", constraint_type: "CONSUMPTION_CAP", limit_watts: 1000, source_type: "MANUAL" });
    const v = violated(() => engine.writeTopology(MG, { version: engine.microgrid(MG).version, patch: { remove: ["cp3"] }, updated_by: "op" }));
    expect(v.rule).toBe("REFERENCED_NODE_KEPT");
  });

  it("an unknown microgrid needs version 0 and a depot_id; one microgrid per depot", () => {
    const { engine } = engineWithTree();
    expect(violated(() => engine.writeTopology("nope", { version: 1, nodes: [], updated_by: "x" })).code).toBe("MICROGRID_NOT_FOUND");
    const gc = { ...node("g", null, "GRID_CONNECTION"), microgrid_id: "mg-2" };
    expect(violated(() => engine.writeTopology("mg-2", { version: 0, depot_id: "depot-test", nodes: [gc], updated_by: "x" })).rule).toBe("ONE_MICROGRID_PER_DEPOT");
    expect(engine.writeTopology("mg-2", { version: 0, depot_id: "depot-2", nodes: [gc], updated_by: "x" }).version).toBe(1);
  });

  it("an empty replacement is refused", () => {
    const { engine } = engineWithTree();
    expect(violated(() => engine.writeTopology(MG, { version: engine.microgrid(MG).version, nodes: [], updated_by: "x" })).code).toBe("TOPOLOGY_INVALID");
  });
});
