import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, READER, startApi, type Harness } from "./harness.ts";

const MG = "mg-depot-north-1";
const DEPOT = "depot-north-1";
let h: Harness;

const readings = (at: string) => ({
  readings: [
    { node_id: "con-a1-1", measured_demand_watts: 20000, observed_at: at },
    { node_id: "con-a1-2", measured_demand_watts: 20000, observed_at: at },
    { node_id: "cp-a2", measured_demand_watts: 45000, observed_at: at },
    { node_id: "cp-a3", measured_demand_watts: 45000, observed_at: at },
    { node_id: "load-f-n1a", measured_demand_watts: 120000, observed_at: at },
    { node_id: "bess-north-1", measured_demand_watts: -30000, observed_at: at },
    { node_id: "cp-b1", measured_demand_watts: 30000, observed_at: at },
    { node_id: "cp-b2", measured_demand_watts: 30000, observed_at: at },
    { node_id: "load-f-n1b", measured_demand_watts: 80000, observed_at: at },
    { node_id: "pv-north-1", measured_demand_watts: -60000, observed_at: at },
  ],
});
const AT = "2026-03-01T09:59:50.000Z";

beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h.stop();
  cleanup(h.dataDir);
});

function expectProblem(r: { status: number; body: any; headers: Headers }, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
  expect(r.body.code).toBe(code);
}

describe("reads", () => {
  it("GET /api/microgrids lists microgrid_id, depot_id, version", async () => {
    const r = await h.call("GET", "/api/microgrids", undefined, null);
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual([{ microgrid_id: MG, depot_id: DEPOT, version: 1 }]);
    expect(r.body.timestamp).toBe("2026-03-01T10:00:00.000Z");
  });
  it("GET /api/depot/{depot_id}/microgrid shows nodes, active envelopes and effective circuit capacity", async () => {
    const r = await h.call("GET", `/api/depot/${DEPOT}/microgrid`, undefined, READER);
    expect(r.status).toBe(200);
    expect(r.body.microgrid_id).toBe(MG);
    expect(r.body.result.nodes).toHaveLength(15);
    expect(r.body.result).toHaveProperty("active_envelopes");
    expect(r.body.result).toHaveProperty("effective_circuit_capacity");
    expectProblem(await h.call("GET", "/api/depot/nope/microgrid"), 404, "DEPOT_NOT_FOUND");
  });
  it("GET topology in pre-order; unknown microgrid is 404", async () => {
    const r = await h.call("GET", `/api/microgrid/${MG}/topology`, undefined, null);
    expect(r.body.result.nodes[0].node_id).toBe("gc-f-n1a");
    expect(r.body.result.version).toBe(1);
    expectProblem(await h.call("GET", "/api/microgrid/nope/topology"), 404, "MICROGRID_NOT_FOUND");
  });
  it("GET control-points filters by capability_type and node_id; enum outside the seed is 400", async () => {
    const all = await h.call("GET", `/api/microgrid/${MG}/control-points`);
    expect(all.body.result).toHaveLength(5);
    const der = await h.call("GET", `/api/microgrid/${MG}/control-points?capability_type=DER&node_id=gc-f-n1a`);
    expect(der.body.result.map((c: any) => c.control_point_id)).toEqual(["cp-der-f-n1a"]);
    const bad = await h.call("GET", `/api/microgrid/${MG}/control-points?capability_type=SOLAR`);
    expectProblem(bad, 400, "REQUEST_INVALID");
    expect(bad.body.validationErrors.length).toBeGreaterThan(0);
  });
  it("GET node-limits, optionally by node", async () => {
    const r = await h.call("GET", `/api/microgrid/${MG}/node-limits?node_id=bess-north-1`);
    expect(r.body.result.map((l: any) => l.constraint_type)).toEqual(["CONSUMPTION_CAP", "GENERATION_CAP"]);
  });
  it("a bad token on a read is 401", async () => {
    expectProblem(await h.call("GET", "/api/microgrids", undefined, "nope-nope-nope-nope"), 401, "MICROGRID_UNAUTHENTICATED");
  });
});

describe("writes need the operator role", () => {
  it("anonymous is 401 with WWW-Authenticate, reader is 403", async () => {
    const anon = await h.call("POST", `/api/microgrid/${MG}/rebalance`, {}, null);
    expectProblem(anon, 401, "MICROGRID_UNAUTHENTICATED");
    expect(anon.headers.get("www-authenticate")).toMatch(/Bearer/);
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/rebalance`, {}, READER), 403, "MICROGRID_FORBIDDEN");
  });
});

describe("telemetry and rebalance", () => {
  it("503 with missing_inputs and safe_action_taken before any telemetry", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/rebalance`, {});
    expectProblem(r, 503, "TELEMETRY_INSUFFICIENT");
    expect(r.body.reason_code).toBe("TELEMETRY_INSUFFICIENT");
    expect(r.body.missing_inputs).toContain("load-f-n1a");
    expect(r.body.safe_action_taken).toBe("ALLOCATIONS_NOT_APPLIED");
  });
  it("telemetry ingest validates bodies and nodes", async () => {
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/telemetry`, { readings: [{ node_id: "cp-a2", measured_demand_watts: "x", observed_at: AT }] }), 400, "REQUEST_INVALID");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/telemetry`, { readings: [{ node_id: "ghost", measured_demand_watts: 1, observed_at: AT }] }), 422, "TELEMETRY_INVALID");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/telemetry`, "{not json"), 400, "FST_ERR_CTP_INVALID_JSON_BODY");
    const ok = await h.call("POST", `/api/microgrid/${MG}/telemetry`, readings(AT));
    expect(ok.status).toBe(200);
    expect(ok.body.result).toEqual({ accepted: 10, ignored_older: 0 });
  });
  it("rebalance runs one cycle with every Cycle Result field; correlation_id is idempotent", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/rebalance`, { correlation_id: "req-1" });
    expect(r.status).toBe(200);
    const c = r.body.result;
    expect(Object.keys(c).sort()).toEqual(["allocation_summary", "audit", "breaches", "cycle_id", "ended_at", "microgrid_id", "node_id", "outcome", "reason_codes", "started_at", "topology_version"]);
    expect(c.outcome).toBe("CURTAILED"); // depot bus A: A1 connectors 40 kW + A2/A3 45 kW each = 130 kW > 120 kW bus cap, each below its own
    expect(c.reason_codes).toEqual(["AGGREGATE_CAP_EXCEEDED"]);
    const again = await h.call("POST", `/api/microgrid/${MG}/rebalance`, { correlation_id: "req-1" });
    expect(again.body.result.cycle_id).toBe(c.cycle_id);
  });
  it("a rebalance without a body is accepted", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/rebalance`);
    expect(r.status).toBe(200);
  });
  it("a stale pinned topology version is 409 with expected and actual version", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/rebalance`, { topology_version: 0 });
    expectProblem(r, 409, "TOPOLOGY_VERSION_CONFLICT");
    expect(r.body).toMatchObject({ reason_code: "TOPOLOGY_VERSION_CONFLICT", expected_version: 0, actual_version: 1 });
  });
  it("an unknown scope node is 422 TOPOLOGY_INVALID; unknown body fields are 400", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/rebalance`, { node_id: "ghost" });
    expectProblem(r, 422, "TOPOLOGY_INVALID");
    expect(r.body.violated_rule).toBeDefined();
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/rebalance`, { colour: "red" }), 400, "REQUEST_INVALID");
  });
  it("GET status shows the latest cycle, breaches, envelopes and capability status", async () => {
    await h.call("POST", `/api/microgrid/${MG}/rebalance`, {});
    const r = await h.call("GET", `/api/microgrid/${MG}/status`);
    expect(r.body.result.latest_cycle.outcome).toBe("CURTAILED");
    expect(r.body.result.breach_status.in_breach).toBe(true);
    expect(r.body.result.reason_codes).toEqual(["AGGREGATE_CAP_EXCEEDED"]);
    const cycles = await h.call("GET", `/api/microgrid/${MG}/cycles?limit=2`);
    expect(cycles.body.result.length).toBeGreaterThan(0);
  });
});

describe("topology writes", () => {
  it("replace with the current version bumps it; stale is 409; a cycle is 422 with violated_rule and details", async () => {
    const topo = (await h.call("GET", `/api/microgrid/${MG}/topology`)).body.result;
    const nodes = topo.nodes;
    const stale = await h.call("POST", `/api/microgrid/${MG}/topology`, { version: 0, nodes });
    expectProblem(stale, 409, "TOPOLOGY_VERSION_CONFLICT");
    expect(stale.body).toMatchObject({ expected_version: 0, actual_version: 1 });
    const cyclic = nodes.map((n: any) => (n.node_id === "cir-depot-a" ? { ...n, parent_node_id: "cp-a1" } : n));
    const bad = await h.call("POST", `/api/microgrid/${MG}/topology`, { version: 1, nodes: cyclic });
    expectProblem(bad, 422, "TOPOLOGY_INVALID");
    expect(bad.body).toMatchObject({ reason_code: "TOPOLOGY_INVALID", violated_rule: "ACYCLIC" });
    expect(bad.body.details.cycle).toBeDefined();
    const orphan = await h.call("POST", `/api/microgrid/${MG}/topology`, { version: 1, patch: { upsert: [{ ...nodes[2], parent_node_id: "ghost" }] } });
    expect(orphan.body.violated_rule).toBe("NO_ORPHAN");
    const ok = await h.call("POST", `/api/microgrid/${MG}/topology`, { version: 1, patch: { upsert: [{ ...nodes[5], display_order: 9 }] } });
    expect(ok.status).toBe(200);
    expect(ok.body.result.version).toBe(2);
  });
  it("version 0 with a depot_id creates a microgrid; without depot_id an unknown microgrid is 404", async () => {
    const gc = { node_id: "g", parent_node_id: null, name: "g", node_type: "GRID_CONNECTION", attached_asset_type: "CIRCUIT", attached_asset_id: "f-x", status: "ACTIVE", display_order: 1 };
    expectProblem(await h.call("POST", "/api/microgrid/mg-new/topology", { version: 0, nodes: [gc] }), 404, "MICROGRID_NOT_FOUND");
    const r = await h.call("POST", "/api/microgrid/mg-new/topology", { version: 0, depot_id: "depot-new", nodes: [gc] });
    expect(r.body.result).toEqual({ microgrid_id: "mg-new", depot_id: "depot-new", version: 1 });
    expect((await h.call("GET", "/api/microgrids")).body.result).toHaveLength(2);
  });
  it("node_type outside the seed enum and missing version are 400", async () => {
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/topology`, { version: 3, nodes: [{ node_id: "x", parent_node_id: null, name: "x", node_type: "TRANSFORMER", attached_asset_type: null, attached_asset_id: null, status: "ACTIVE", display_order: 1 }] }), 400, "REQUEST_INVALID");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/topology`, { nodes: [] }), 400, "REQUEST_INVALID");
  });
});

describe("node limits", () => {
  it("create or update; duplicates and unsupported node types are 422; bad enum is 400", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/node-limits`, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 40000, source_type: "MANUAL" });
    expect(r.status).toBe(200);
    expect(r.body.result.node_limit_id).toBe("lim-cp-b1-consumption-cap");
    const dup = await h.call("POST", `/api/microgrid/${MG}/node-limits`, { node_limit_id: "other", node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 1, source_type: "MANUAL" });
    expectProblem(dup, 422, "NODE_LIMIT_INVALID");
    expect(dup.body.violated_rule).toBe("ONE_ACTIVE_BASELINE_LIMIT_PER_NODE_AND_CONSTRAINT");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/node-limits`, { node_id: "cp-b1", constraint_type: "GENERATION_CAP", limit_watts: 1, source_type: "MANUAL" }), 422, "NODE_LIMIT_INVALID");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/node-limits`, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 1, source_type: "GUESS" }), 400, "REQUEST_INVALID");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/node-limits`, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: -5, source_type: "MANUAL" }), 400, "REQUEST_INVALID");
  });
});

describe("capability control points and status", () => {
  it("upsert, schedule_ref rule, status events with idempotency and history", async () => {
    const r = await h.call("POST", `/api/microgrid/${MG}/control-points/cp-peak-shaving`, { capability_type: "PEAK_SHAVING", state: "enabled", control_source: "EXTERNAL", external_config_type: "EMS_CONFIGURATION", external_config_ref: "ems-peak-1" });
    expect(r.status).toBe(200);
    const bad = await h.call("POST", `/api/microgrid/${MG}/control-points/cp-x`, { capability_type: "DER", state: "enabled", control_source: "EXTERNAL", schedule_ref: "s" });
    expectProblem(bad, 422, "CONTROL_POINT_INVALID");
    expect(bad.body.violated_rule).toBe("SCHEDULE_REF_ONLY_FOR_LOCAL");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/control-points/cp-x`, { capability_type: "DER", state: "on", control_source: "EXTERNAL" }), 400, "REQUEST_INVALID");
    const ev = { operational_status: "ON", reported_by: "EXTERNAL", observed_at: "2026-03-01T09:59:00Z", source_event_ref: "ems-evt-1", status_detail: { raw: true } };
    const first = await h.call("POST", `/api/microgrid/${MG}/control-points/cp-peak-shaving/status-events`, ev);
    expect(first.body.duplicate).toBe(false);
    const second = await h.call("POST", `/api/microgrid/${MG}/control-points/cp-peak-shaving/status-events`, ev);
    expect(second.body).toMatchObject({ duplicate: true, result: { status_event_id: first.body.result.status_event_id } });
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/control-points/ghost/status-events`, ev), 404, "CONTROL_POINT_NOT_FOUND");
    expectProblem(await h.call("POST", `/api/microgrid/${MG}/control-points/cp-peak-shaving/status-events`, { ...ev, observed_at: "soon" }), 400, "REQUEST_INVALID");
    const hist = await h.call("GET", `/api/microgrid/${MG}/control-points/cp-peak-shaving/status-events?from=2026-03-01T00:00:00Z&limit=10`);
    expect(hist.body.total).toBe(1);
    expectProblem(await h.call("GET", `/api/microgrid/${MG}/control-points/cp-peak-shaving/status-events?limit=0`), 400, "REQUEST_INVALID");
    const cps = await h.call("GET", `/api/microgrid/${MG}/control-points?capability_type=PEAK_SHAVING`);
    expect(cps.body.result[0].latest_status).toMatchObject({ latest_operational_status: "ON", freshness_seconds: 60 });
  });
  it("depot capability-status-events records whole-microgrid status", async () => {
    const r = await h.call("POST", `/api/depot/${DEPOT}/microgrid/capability-status-events`, { capability_type: "LOAD_BALANCING", operational_status: "RUNNING", reported_by: "LOCAL", observed_at: "2026-03-01T09:59:30Z" });
    expect(r.status).toBe(200);
    expect(r.body.result.control_point_id).toBe("cp-load-balancing");
    expectProblem(await h.call("POST", `/api/depot/${DEPOT}/microgrid/capability-status-events`, { operational_status: "x", reported_by: "LOCAL", observed_at: "2026-03-01T09:59:30Z" }), 400, "REQUEST_INVALID");
    expectProblem(await h.call("POST", `/api/depot/nope/microgrid/capability-status-events`, { capability_type: "DER", operational_status: "x", reported_by: "LOCAL", observed_at: "2026-03-01T09:59:30Z" }), 404, "DEPOT_NOT_FOUND");
  });
});

describe("compatibility paths", () => {
  it("rebalance_load maps to one scoped cycle; unknown circuit is 409 CIRCUIT_ALIAS_NOT_RESOLVABLE", async () => {
    const r = await h.call("POST", "/api/circuit/f-n1b/rebalance_load", {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ microgrid_id: MG, circuit_id: "f-n1b", node_id: "gc-f-n1b" });
    expect(r.body.result.reason_codes).toContain("LEGACY_ALIAS_TRANSLATION_APPLIED");
    const bad = await h.call("POST", "/api/circuit/f-zzz/rebalance_load", {});
    expectProblem(bad, 409, "CIRCUIT_ALIAS_NOT_RESOLVABLE");
    expect(bad.body).toMatchObject({ reason_code: "CIRCUIT_ALIAS_NOT_RESOLVABLE", expected_version: null, actual_version: null });
  });
  it("tou_limits: POST becomes an envelope, GET reads it, bad scope is 422", async () => {
    const body = { blocks: [{ block_from: "2026-03-01T10:00:00Z", block_to: "2026-03-01T12:00:00Z", max_limit_watts: 250000, target_watts: 250000 }] };
    const r = await h.call("POST", "/api/circuit/f-n1a/tou_limits", body);
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({ envelope_type: "TOU_LIMIT", node_id: "gc-f-n1a", status: "ACTIVE" });
    const g = await h.call("GET", "/api/circuit/f-n1a/tou_limits", undefined, null);
    expect(g.body.result.envelopes).toHaveLength(1);
    const cap = await h.call("GET", "/api/circuit/f-n1a/effective_capacity");
    expect(cap.body.result.effective_capacity_watts).toBe(250000);
    expectProblem(await h.call("POST", "/api/circuit/circuit-depot-a/tou_limits", body), 422, "LIMIT_SCOPE_TRANSLATION_FAILED");
    expectProblem(await h.call("GET", "/api/circuit/nope/tou_limits"), 422, "LIMIT_SCOPE_TRANSLATION_FAILED");
    expectProblem(await h.call("POST", "/api/circuit/f-n1a/tou_limits", { blocks: [{ block_from: "2026-03-01T13:00:00Z", block_to: "2026-03-01T12:00:00Z", max_limit_watts: 1 }] }), 422, "ENVELOPE_INVALID");
    expectProblem(await h.call("POST", "/api/circuit/f-n1a/tou_limits", { blocks: [] }), 400, "REQUEST_INVALID");
    expectProblem(await h.call("GET", "/api/circuit/nope/effective_capacity"), 409, "CIRCUIT_ALIAS_NOT_RESOLVABLE");
    const env = await h.call("GET", `/api/microgrid/${MG}/envelopes?status=ACTIVE`);
    expect(env.body.result).toHaveLength(1);
    expectProblem(await h.call("GET", `/api/microgrid/${MG}/envelopes?status=LIVE`), 400, "REQUEST_INVALID");
  });
  it("resync rebuilds managed grid connections; bad bodies are 400/422", async () => {
    const feeders = [
      { circuit_id: "f-n1a", name: "Feeder f-n1a", default_capacity_watts: 400000, fail_safe_capacity_watts: 200000 },
      { circuit_id: "f-n1b", name: "Feeder f-n1b", default_capacity_watts: 300000, fail_safe_capacity_watts: 150000 },
      { circuit_id: "f-new", name: "New feeder", default_capacity_watts: 100000, fail_safe_capacity_watts: 50000 },
    ];
    const r = await h.call("POST", `/api/depot/${DEPOT}/microgrid/resync`, { feeder_circuits: feeders });
    expect(r.body.result.added).toEqual(["gc-f-new"]);
    expectProblem(await h.call("POST", `/api/depot/${DEPOT}/microgrid/resync`, { feeder_circuits: [feeders[0], feeders[0]] }), 422, "RESYNC_INVALID");
    expectProblem(await h.call("POST", `/api/depot/${DEPOT}/microgrid/resync`, { feeder_circuits: [{ circuit_id: "x" }] }), 400, "REQUEST_INVALID");
  });
});

describe("unknown ids", () => {
  const rows: Array<[string, string, unknown, number, string]> = [
    ["GET", "/api/microgrid/nope/control-points", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", "/api/microgrid/nope/node-limits", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", "/api/microgrid/nope/status", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", "/api/microgrid/nope/cycles", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", "/api/microgrid/nope/envelopes", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", `/api/microgrid/${MG}/control-points/nope/status-events`, undefined, 404, "CONTROL_POINT_NOT_FOUND"],
    ["POST", "/api/microgrid/nope/control-points/x", { capability_type: "DER", state: "enabled", control_source: "LOCAL" }, 404, "MICROGRID_NOT_FOUND"],
    ["POST", "/api/microgrid/nope/node-limits", { node_id: "x", constraint_type: "NET_CAP", limit_watts: 1, source_type: "MANUAL" }, 404, "MICROGRID_NOT_FOUND"],
    ["POST", "/api/microgrid/nope/rebalance", {}, 404, "MICROGRID_NOT_FOUND"],
    ["POST", "/api/microgrid/nope/telemetry", { readings: [{ node_id: "x", measured_demand_watts: 1, observed_at: AT }] }, 404, "MICROGRID_NOT_FOUND"],
    ["POST", `/api/microgrid/${MG}/node-limits`, { node_id: "ghost", constraint_type: "NET_CAP", limit_watts: 1, source_type: "MANUAL" }, 422, "NODE_LIMIT_INVALID"],
    ["POST", `/api/microgrid/${MG}/control-points/x`, { capability_type: "DER", state: "enabled", control_source: "LOCAL", node_id: "ghost" }, 422, "CONTROL_POINT_INVALID"],
    ["POST", "/api/depot/nope/microgrid/resync", { feeder_circuits: [] }, 404, "DEPOT_NOT_FOUND"],
    ["GET", `/api/microgrid/${MG}/node-limits?colour=red`, undefined, 400, "REQUEST_INVALID"],
    ["GET", `/api/microgrid/${MG}/cycles?limit=0`, undefined, 400, "REQUEST_INVALID"],
    ["GET", "/api/microgrid/nope/allocation-writes", undefined, 404, "MICROGRID_NOT_FOUND"],
    ["GET", `/api/microgrid/${MG}/allocation-writes?limit=0`, undefined, 400, "REQUEST_INVALID"],
    ["GET", `/api/microgrid/${MG}/allocation-writes?limit=1001`, undefined, 400, "REQUEST_INVALID"],
    ["GET", `/api/microgrid/${MG}/allocation-writes?since=1`, undefined, 400, "REQUEST_INVALID"],
  ];
  for (const [method, path, body, status, code] of rows) {
    it(`${method} ${path} → ${status} ${code}`, async () => expectProblem(await h.call(method, path, body), status, code));
  }
});

describe("allocation write audit", () => {
  it("GET …/allocation-writes lists the limit writes, newest last", async () => {
    const write = (result: "REQUESTED" | "OK", n: number) => ({
      write_id: `w${n}`, microgrid_id: MG, cycle_id: "cyc-1", trigger: "CYCLE_CURTAILED" as const, node_id: "cp-a2", thing: "cp-a2",
      affordance: "chargingLimit" as const, connector_id: null, limit_watts: 1000 * n, result, error_code: null, error: null,
    });
    await h.part.service().recordAllocationWrites(MG, [write("REQUESTED", 1), write("REQUESTED", 2)]);
    await h.part.service().recordAllocationWrites(MG, [write("OK", 1), write("OK", 2)]);
    const all = await h.call("GET", `/api/microgrid/${MG}/allocation-writes`, undefined, READER);
    expect(all.status).toBe(200);
    expect(all.body.result.map((r: { type: string; write_id: string; result: string }) => [r.type, r.write_id, r.result])).toEqual([
      ["microgrid.allocation_write_requested", "w1", "REQUESTED"],
      ["microgrid.allocation_write_requested", "w2", "REQUESTED"],
      ["microgrid.allocation_write_completed", "w1", "OK"],
      ["microgrid.allocation_write_completed", "w2", "OK"],
    ]);
    const last = await h.call("GET", `/api/microgrid/${MG}/allocation-writes?limit=1`, undefined, READER);
    expect(last.body.result).toEqual([expect.objectContaining({ write_id: "w2", result: "OK", limit_watts: 2000, cycle_id: "cyc-1" })]);
  });
});

describe("durability", () => {
  it("a restart keeps authored state, status history and cycles, and rebuilds projections", async () => {
    const before = {
      topo: (await h.call("GET", `/api/microgrid/${MG}/topology`)).body.result,
      cps: (await h.call("GET", `/api/microgrid/${MG}/control-points`)).body.result,
      status: (await h.call("GET", `/api/microgrid/${MG}/status`)).body.result,
    };
    await h.stop();
    h = await startApi(h.dataDir, h.clock);
    expect((await h.call("GET", `/api/microgrid/${MG}/topology`)).body.result).toEqual(before.topo);
    expect((await h.call("GET", `/api/microgrid/${MG}/control-points`)).body.result).toEqual(before.cps);
    const status = (await h.call("GET", `/api/microgrid/${MG}/status`)).body.result;
    expect(status.latest_cycle).toEqual(before.status.latest_cycle);
    expect(status.active_envelopes).toEqual(before.status.active_envelopes);
    const audit = h.part.service().stream("envelope_lifecycle");
    expect(audit.map((r) => r.type)).toContain("RECEIVED");
  });
  it("telemetry acknowledged before a restart is there after it: the first cycle runs on it instead of a 503", async () => {
    const at = h.clock.now().toISOString();
    expect((await h.call("POST", `/api/microgrid/${MG}/telemetry`, readings(at))).status).toBe(200);
    const before = h.part.service().latestTelemetry(MG);
    await h.stop();
    h = await startApi(h.dataDir, h.clock);
    expect(h.part.service().latestTelemetry(MG)).toEqual(before);
    const res = await h.call("POST", `/api/microgrid/${MG}/rebalance`, {});
    expect(res.status).toBe(200);
    expect(res.body.result.audit.demand).toEqual([]); // every reading measured, none derived
  });
});
