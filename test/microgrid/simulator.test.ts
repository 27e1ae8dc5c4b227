import { describe, expect, it } from "vitest";
import { listDepotScenarios, runAllDepotScenarios, runDepotScenario } from "../../src/microgrid/simulator/run.ts";

describe("depot simulator", () => {
  const names = listDepotScenarios().map((s) => s.name);
  for (const name of names) {
    it(`${name} passes its checks and is identical across runs`, () => {
      const a = runDepotScenario(name);
      const failed = a.checks.filter((c) => !c.pass).map((c) => c.name);
      expect(failed).toEqual([]);
      expect(a.checks.length).toBeGreaterThan(0);
      expect(JSON.stringify(runDepotScenario(name))).toBe(JSON.stringify(a));
    });
  }
  it("covers every edge case of the seed", () => {
    const edges = listDepotScenarios().map((s) => s.edge_case).join("\n");
    for (const e of ["Reparent operation introduces a topology cycle.", "Node is detached from root (orphan).", "Aggregate cap breached while all individual nodes remain below local caps.", "Telemetry missing/stale for one or more nodes.", "Legacy circuit ID has no resolvable microgrid alias.", "Concurrent topology edits produce version conflict."]) {
      expect(edges).toContain(e);
    }
  });
  it("unknown scenario throws", () => {
    expect(() => runDepotScenario("nope")).toThrow(/unknown scenario/);
  });
  it("runs all", () => {
    expect(runAllDepotScenarios().every((r) => r.passed)).toBe(true);
  });
});
