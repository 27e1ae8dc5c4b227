import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { isCodedError } from "../../src/errors/coded-error.ts";
import { MicrogridEngine } from "../../src/microgrid/engine.ts";
import { indexTree } from "../../src/microgrid/topology.ts";
import type { MicrogridNode } from "../../src/microgrid/types.ts";
import { MG, node } from "./fixtures.ts";
import { counterIds, TestClock } from "./engine-fixture.ts";

const TYPES = ["GRID_CONNECTION", "CIRCUIT", "CHARGE_POINT", "CONNECTOR", "POWER_SOURCE", "VIRTUAL"] as const;
const edit = fc.oneof(
  fc.record({ op: fc.constant("add" as const), parent: fc.nat(40), type: fc.constantFrom(...TYPES), root: fc.boolean() }),
  fc.record({ op: fc.constant("reparent" as const), target: fc.nat(40), parent: fc.nat(40), root: fc.boolean() }),
  fc.record({ op: fc.constant("remove" as const), target: fc.nat(40) }),
  fc.record({ op: fc.constant("stale" as const) }),
);

describe("random topology edits", () => {
  test.prop([fc.array(edit, { maxLength: 60 })], { numRuns: 150 })("never produce a cycle, an orphan or a lost node", (edits) => {
    const engine = new MicrogridEngine({ now: new TestClock().now, newId: counterIds() });
    engine.writeTopology(MG, { version: 0, depot_id: "d", nodes: [node("g0", null, "GRID_CONNECTION")], updated_by: "p" });
    let serial = 1;
    for (const e of edits) {
      const nodes = engine.nodes(MG);
      const version = engine.microgrid(MG).version;
      const pick = (i: number): MicrogridNode => nodes[i % nodes.length] as MicrogridNode;
      const before = nodes.map((n) => n.node_id).sort();
      let expected: string[] | null = null;
      try {
        if (e.op === "add") {
          const id = `n${serial++}`;
          engine.writeTopology(MG, { version, patch: { upsert: [node(id, e.root ? null : pick(e.parent).node_id, e.type, serial)] }, updated_by: "p" });
          expected = [...before, id].sort();
        } else if (e.op === "reparent") {
          const target = pick(e.target);
          engine.writeTopology(MG, { version, patch: { upsert: [{ ...target, parent_node_id: e.root ? null : pick(e.parent).node_id }] }, updated_by: "p" });
          expected = before;
        } else if (e.op === "remove") {
          const id = pick(e.target).node_id;
          engine.writeTopology(MG, { version, patch: { remove: [id] }, updated_by: "p" });
          expected = before.filter((x) => x !== id);
        } else {
          engine.writeTopology(MG, { version: version - 1, nodes, updated_by: "p" });
        }
      } catch (err) {
        if (!isCodedError(err) || !["TOPOLOGY_INVALID", "TOPOLOGY_VERSION_CONFLICT"].includes(err.code)) throw err;
        expect(engine.microgrid(MG).version).toBe(version);
        expected = before;
      }
      const after = engine.nodes(MG);
      // no lost or invented node
      expect(after.map((n) => n.node_id).sort()).toEqual(expected);
      // every node reachable from a first-level GRID_CONNECTION: no orphan, no cycle
      const index = indexTree(after);
      expect(index.preorder.length).toBe(after.length);
      for (const root of index.children.get(null) ?? []) expect(root.node_type).toBe("GRID_CONNECTION");
    }
  });
});
