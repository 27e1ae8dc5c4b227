import { describe, expect, it } from "vitest";
import { MicrogridEngine } from "../../src/microgrid/engine.ts";
import { normaliseOperationalStatus } from "../../src/microgrid/capability.ts";
import { collect, validateAdvisoryOutputs } from "../../src/microgrid/collection.ts";
import { MG, tree, limit } from "./fixtures.ts";
import { counterIds, engineWithTree, TestClock } from "./engine-fixture.ts";
import { ConstraintIndex } from "../../src/microgrid/constraints.ts";

const cp = { capability_type: "PEAK_SHAVING" as const, state: "enabled" as const, control_source: "EXTERNAL" as const };

describe("capability control points", () => {
  it("upserts and emits capability_control_point_updated", () => {
    const { engine } = engineWithTree();
    engine.upsertControlPoint(MG, "cp-ps", { ...cp, external_config_type: "OSCP_CONFIGURATION", external_config_ref: "cfg-1" });
    expect(engine.drain()[0]?.payload).toEqual({ microgrid_id: MG, control_point_id: "cp-ps", node_id: null, capability_type: "PEAK_SHAVING", state: "enabled", control_source: "EXTERNAL" });
  });
  it("refuses schedule_ref on EXTERNAL, unknown nodes, half external refs and a second enabled point per scope", () => {
    const { engine } = engineWithTree();
    expect(() => engine.upsertControlPoint(MG, "a", { ...cp, schedule_ref: "s" })).toThrow(/SCHEDULE_REF_ONLY_FOR_LOCAL/);
    expect(() => engine.upsertControlPoint(MG, "a", { ...cp, node_id: "ghost" })).toThrow(/TARGET_NODE_EXISTS/);
    expect(() => engine.upsertControlPoint(MG, "a", { ...cp, external_config_ref: "x" })).toThrow(/EXTERNAL_CONFIG_REFERENCE_COMPLETE/);
    engine.upsertControlPoint(MG, "a", { ...cp, control_source: "LOCAL", schedule_ref: "s" });
    expect(() => engine.upsertControlPoint(MG, "b", cp)).toThrow(/ONE_ACTIVE_CONTROL_POINT/);
    engine.upsertControlPoint(MG, "b", { ...cp, state: "disabled" });
    engine.upsertControlPoint(MG, "c", { ...cp, node_id: "gc1" });
  });
});

describe("capability status stream and projection", () => {
  it("appends, is idempotent by source_event_ref, projects the newest observation with freshness", () => {
    const clock = new TestClock();
    const { engine } = engineWithTree(clock);
    engine.upsertControlPoint(MG, "cp-ps", cp);
    const a = engine.appendStatusEvent(MG, "cp-ps", { operational_status: "ON", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:59:00Z", source_event_ref: "ext-1" });
    const dup = engine.appendStatusEvent(MG, "cp-ps", { operational_status: "OFF", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:59:30Z", source_event_ref: "ext-1" });
    expect(dup).toEqual({ event: a.event, duplicate: true });
    engine.appendStatusEvent(MG, "cp-ps", { operational_status: "OLD", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:00:00Z", source_event_ref: "ext-0" });
    clock.advance(30);
    const [p] = engine.statusProjections(MG);
    expect(p).toMatchObject({ latest_operational_status: "ON", freshness_seconds: 90, last_observed_at: "2026-01-01T11:59:00.000Z" });
    expect(engine.statusEventsOf(MG, "cp-ps").total).toBe(2);
    expect(engine.statusEventsOf(MG, "cp-ps", { from: "2026-01-01T11:30:00Z" }).items.map((e) => e.operational_status)).toEqual(["ON"]);
    // rebuild from the stream gives the same projection
    const events = engine.drain().filter((r) => r.stream === "capability_status").map((r) => r.payload) as never[];
    const rebuilt = new MicrogridEngine({ now: clock.now, newId: counterIds() }, engine.snapshot(), { status_events: events, cycles: [] });
    expect(rebuilt.statusProjections(MG)).toEqual(engine.statusProjections(MG));
  });
  it("refuses events for an unknown control point, bad timestamps and empty status", () => {
    const { engine } = engineWithTree();
    engine.upsertControlPoint(MG, "cp-ps", cp);
    expect(() => engine.appendStatusEvent(MG, "nope", { operational_status: "ON", reported_by: "LOCAL", observed_at: "2026-01-01T11:00:00Z" })).toThrow(/control_point_id/);
    expect(() => engine.appendStatusEvent(MG, "cp-ps", { operational_status: "ON", reported_by: "LOCAL", observed_at: "yesterday" })).toThrow(/OBSERVED_AT/);
    expect(() => engine.appendStatusEvent(MG, "cp-ps", { operational_status: "", reported_by: "LOCAL", observed_at: "2026-01-01T11:00:00Z" })).toThrow(/OPERATIONAL_STATUS/);
  });
  it("depot alias records whole-microgrid status only", () => {
    const { engine } = engineWithTree();
    engine.upsertControlPoint(MG, "cp-ps", cp);
    engine.upsertControlPoint(MG, "cp-n", { ...cp, capability_type: "DER", node_id: "gc1" });
    expect(engine.appendDepotStatusEvent("depot-test", { capability_type: "PEAK_SHAVING", operational_status: "ON", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:00:00Z" }).event.control_point_id).toBe("cp-ps");
    expect(() => engine.appendDepotStatusEvent("depot-test", { control_point_id: "cp-n", operational_status: "ON", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:00:00Z" })).toThrow(/WHOLE_MICROGRID/);
    expect(() => engine.appendDepotStatusEvent("depot-test", { capability_type: "DER", operational_status: "ON", reported_by: "EXTERNAL", observed_at: "2026-01-01T11:00:00Z" })).toThrow(/REFERENCES_ONE/);
  });
  it("normalises boolean controller values to ON/OFF", () => {
    expect(normaliseOperationalStatus(true)).toEqual({ operational_status: "ON", raw_value: true });
    expect(normaliseOperationalStatus(false)?.operational_status).toBe("OFF");
    expect(normaliseOperationalStatus(3)).toBeNull();
  });
});

describe("operational collection view", () => {
  it("finds charge points and power sources in a subtree", () => {
    expect(collect(tree(), { root_node_id: "gc1", node_types: ["CHARGE_POINT", "POWER_SOURCE"] }).map((n) => n.node_id)).toEqual(["cp1", "cp2", "pv1"]);
    expect(collect(tree(), { root_node_id: "ghost" })).toEqual([]);
  });
  it("validates ENERGY_OPTIMISATION advice against node and ancestor limits before apply", () => {
    const idx = new ConstraintIndex({ limits: [limit("cir1", 5000)], envelopes: [], health: [], circuitsByNode: new Map() });
    expect(() => validateAdvisoryOutputs(tree(), idx, "2026-01-01T12:00:00Z", [{ node_id: "cp1", target_watts: 2000 }, { node_id: "cp2", target_watts: 2000 }])).not.toThrow();
    expect(() => validateAdvisoryOutputs(tree(), idx, "2026-01-01T12:00:00Z", [{ node_id: "cp1", target_watts: 4000 }, { node_id: "cp2", target_watts: 2000 }])).toThrow(/ADVISORY_OUTPUT_WITHIN_NODE_LIMITS/);
    expect(() => validateAdvisoryOutputs(tree(), idx, "2026-01-01T12:00:00Z", [{ node_id: "ghost", target_watts: 1 }])).toThrow(/TARGET_NODE_EXISTS/);
  });
});

describe("node limits", () => {
  it("one active baseline per node + constraint type; unsupported node types refused", () => {
    const { engine } = engineWithTree();
    const a = engine.upsertNodeLimit(MG, { node_id: "cp1", constraint_type: "CONSUMPTION_CAP", limit_watts: 7000, source_type: "MANUAL" });
    const b = engine.upsertNodeLimit(MG, { node_id: "cp1", constraint_type: "CONSUMPTION_CAP", limit_watts: 6000, source_type: "MANUAL" });
    expect(b.node_limit_id).toBe(a.node_limit_id);
    expect(() => engine.upsertNodeLimit(MG, { node_limit_id: "other", node_id: "cp1", constraint_type: "CONSUMPTION_CAP", limit_watts: 1, source_type: "MANUAL" })).toThrow(/ONE_ACTIVE_BASELINE/);
    expect(() => engine.upsertNodeLimit(MG, { node_id: "cp1", constraint_type: "GENERATION_CAP", limit_watts: 1, source_type: "MANUAL" })).toThrow(/NODE_TYPE_SUPPORTS/);
    expect(() => engine.upsertNodeLimit(MG, { node_id: "ghost", constraint_type: "CONSUMPTION_CAP", limit_watts: 1, source_type: "MANUAL" })).toThrow(/TARGET_NODE_EXISTS/);
    expect(engine.nodeLimits(MG, "cp1")).toHaveLength(1);
  });
});

describe("telemetry ingest", () => {
  it("keeps the newest reading per node and refuses bad readings", () => {
    const { engine } = engineWithTree();
    expect(engine.ingestTelemetry(MG, [{ node_id: "cp1", measured_demand_watts: 1, observed_at: "2026-01-01T11:59:00Z" }, { node_id: "cp1", measured_demand_watts: 2, observed_at: "2026-01-01T11:58:00Z" }])).toEqual({ accepted: 1, ignored_older: 1 });
    expect(() => engine.ingestTelemetry(MG, [{ node_id: "ghost", measured_demand_watts: 1, observed_at: "2026-01-01T11:59:00Z" }])).toThrow(/TARGET_NODE/);
    expect(() => engine.ingestTelemetry(MG, [{ node_id: "cp1", measured_demand_watts: Number.NaN, observed_at: "2026-01-01T11:59:00Z" }])).toThrow(/FINITE/);
    expect(() => engine.ingestTelemetry(MG, [{ node_id: "cp1", measured_demand_watts: 1, observed_at: "2027-01-01T00:00:00Z" }])).toThrow(/FUTURE/);
    expect(engine.latestTelemetry(MG)).toEqual([{ node_id: "cp1", measured_demand_watts: 1, observed_at: "2026-01-01T11:59:00.000Z" }]);
  });
  it("a fresh engine without topology has no microgrids", () => {
    expect(new MicrogridEngine({ now: () => new Date(0), newId: counterIds() }).listMicrogrids()).toEqual([]);
  });
});
