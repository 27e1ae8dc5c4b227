import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nodeLimitsFromOrchestrator } from "../../../src/vpp/balancing/orchestrator-limits.ts";

const depot = JSON.parse(readFileSync("tds/microgrid/demo-depot.microgrid.json", "utf8")) as { nodes: unknown[]; node_limits: Array<Record<string, unknown>> };
const ids: Record<string, string> = { "bess-north-1": "urn:gridthings:demo:bess-north-1" };

describe("node limits from the orchestrator Thing", () => {
  it("maps the demo depot's limits onto the batteries below each node", () => {
    const limits = nodeLimitsFromOrchestrator({ nodes: depot.nodes }, depot.node_limits.map((l) => ({ ...l, status: "ACTIVE" })), (a) => ids[a]);
    const gc = limits.find((l) => l.nodeId === "gc-f-n1a");
    expect(gc).toEqual({ nodeId: "gc-f-n1a", deviceIds: ["urn:gridthings:demo:bess-north-1"], maxImportW: 400_000 });
    expect(limits.every((l) => l.deviceIds.length > 0)).toBe(true);
  });

  it("keeps the strictest cap, NET_CAP on both sides, and ignores inactive or malformed limits", () => {
    const topology = [{ node_id: "a", parent_node_id: null, attached_asset_id: null }, { node_id: "b", parent_node_id: "a", attached_asset_id: "bess-north-1" }];
    const limits = nodeLimitsFromOrchestrator(topology, [
      { node_id: "a", constraint_type: "NET_CAP", limit_watts: 90_000 },
      { node_id: "a", constraint_type: "GENERATION_CAP", limit_watts: 50_000 },
      { node_id: "a", constraint_type: "GENERATION_CAP", limit_watts: 1, status: "WITHDRAWN" },
      { node_id: "a", constraint_type: "GENERATION_CAP", limit_watts: "x" },
    ], (a) => ids[a]);
    expect(limits).toEqual([{ nodeId: "a", deviceIds: ["urn:gridthings:demo:bess-north-1"], maxExportW: 50_000, maxImportW: 90_000 }]);
  });

  it("gives nothing for bad input", () => {
    expect(nodeLimitsFromOrchestrator(null, null, () => undefined)).toEqual([]);
    expect(nodeLimitsFromOrchestrator({ nodes: "x" }, [], () => undefined)).toEqual([]);
  });
});
