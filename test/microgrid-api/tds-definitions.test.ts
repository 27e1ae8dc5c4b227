import { describe, expect, it } from "vitest";
import { loadMicrogridDefinitions } from "../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../src/microgrid-api/storage/storage-port.ts";
import { TDS } from "./harness.ts";

// Every tds/microgrid definition is a test case: it must load through every invariant of the domain.
describe("tds/microgrid definitions", () => {
  const definitions = loadMicrogridDefinitions(TDS);
  it("there is at least the demo depot", () => expect(definitions.map((d) => d.depot_id)).toContain("depot-north-1"));
  for (const d of definitions) {
    it(`${d.microgrid_id} loads, with ≥ 2 grid connections, circuits, charge points, a BESS and PV`, async () => {
      const service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: [d] });
      const nodes = service.topology(d.microgrid_id).nodes;
      const count = (t: string) => nodes.filter((n) => n.node_type === t).length;
      expect(nodes.filter((n) => n.parent_node_id === null && n.node_type === "GRID_CONNECTION").length).toBeGreaterThanOrEqual(2);
      expect(count("CIRCUIT")).toBeGreaterThan(0);
      expect(count("CHARGE_POINT")).toBeGreaterThan(0);
      expect(nodes.some((n) => n.node_type === "POWER_SOURCE" && n.node_id.startsWith("bess"))).toBe(true);
      expect(nodes.some((n) => n.node_type === "POWER_SOURCE" && n.node_id.startsWith("pv"))).toBe(true);
      expect(service.nodeLimits(d.microgrid_id)).toHaveLength(d.node_limits.length);
      expect(service.controlPoints(d.microgrid_id)).toHaveLength(d.control_points.length);
      // every feeder circuit is managed: it has an effective capacity
      for (const c of d.feeder_circuits) expect((await service.getEffectiveCircuitCapacity(c.circuit_id)).effective_capacity_watts).toBe(c.default_capacity_watts);
      await service.close();
    });
  }
});
