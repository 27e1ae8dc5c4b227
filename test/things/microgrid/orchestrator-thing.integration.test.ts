/**
 * The orchestrator Thing over real bindings: node-wot consumer with an operator token over HTTP,
 * raw HTTP for status codes and problem fields, MQTT for events and refused commands, and the
 * published TD through the TD 1.1 schema and the Playground.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqttjs from "mqtt";
import { TokenTable } from "../../../src/auth/roles.ts";
import { EmbeddedBroker } from "../../../src/mqtt/embedded-broker.ts";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";
import { playgroundFailures, playgroundReport, validateTdSchema } from "../../../src/td/td-validator.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { Consumer } from "../../../src/wot/consumer.ts";
import type { HostedThing } from "../../../src/wot/hosted-thing-impl.ts";
import { OrchestratorHost } from "../../../things/microgrid/host.ts";
import { EVENT_DICTIONARY, ORCHESTRATOR_ACTIONS } from "../../../things/microgrid/thing.ts";
import { waitFor } from "../../support/until.ts";

const OPERATOR = "operator-token-0123456789";
const READER = "reader-token-0123456789ab";
const MG = "mg-depot-north-1";

type Forms = Record<string, { forms: Array<{ href: string; op: string | string[]; security?: string[] }> }>;

describe("microgrid orchestrator Thing", () => {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  let service: MicrogridService;
  let host: OrchestratorHost;
  let thing: HostedThing;
  let consumer: Consumer;
  let consumed: WoT.ConsumedThing;

  const href = (kind: "actions" | "events" | "properties", name: string, scheme = "http") => {
    const form = (thing.td[kind] as Forms)[name]?.forms.find((f) => f.href.startsWith(scheme));
    if (!form) throw new Error(`no ${scheme} form for ${kind}/${name}`);
    return form.href;
  };
  const post = (name: string, body: unknown, token: string | null = OPERATOR) =>
    fetch(href("actions", name), {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const readings = (at: string) => [
    { node_id: "con-a1-1", measured_demand_watts: 20000, observed_at: at },
    { node_id: "con-a1-2", measured_demand_watts: 20000, observed_at: at },
    { node_id: "cp-a2", measured_demand_watts: 45000, observed_at: at },
    { node_id: "cp-a3", measured_demand_watts: 45000, observed_at: at },
    { node_id: "cp-b1", measured_demand_watts: 30000, observed_at: at },
    { node_id: "cp-b2", measured_demand_watts: 10000, observed_at: at },
    { node_id: "bess-north-1", measured_demand_watts: -20000, observed_at: at },
    { node_id: "pv-north-1", measured_demand_watts: -10000, observed_at: at },
  ];

  beforeAll(async () => {
    await broker.start();
    service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: loadMicrogridDefinitions(join(TDS_DIR, "microgrid")) });
    host = new OrchestratorHost({
      service,
      host: "127.0.0.1",
      httpPort: 0,
      mqttUrl: broker.url,
      tokens: new TokenTable([
        { token: OPERATOR, subject: "op", roles: ["operator"] },
        { token: READER, subject: "rd", roles: ["reader"] },
      ]),
    });
    await host.start();
    thing = host.thing(MG) as HostedThing;
    consumer = new Consumer({ token: OPERATOR, protocols: ["http", "mqtt"], timeoutMs: 5000 });
    await consumer.start();
    consumed = await consumer.consume(thing.td, "http");
  });

  afterAll(async () => {
    await consumer?.stop();
    await host?.stop();
    await service?.close();
    await broker.stop();
  });

  it("publishes a valid TD: one Thing per microgrid, every action bearer-secured over HTTP only, the whole Event Dictionary", async () => {
    expect(thing.name).toBe(`microgrid-${MG}`);
    expect(thing.td["@type"]).toContain("gt:MicrogridOrchestrator");
    expect(validateTdSchema(thing.td)).toEqual([]);
    expect(playgroundFailures(await playgroundReport(thing.td))).toEqual([]);
    for (const action of ORCHESTRATOR_ACTIONS) {
      const forms = (thing.td.actions as Forms)[action]!.forms;
      expect(forms.length, action).toBeGreaterThan(0);
      expect(forms.every((f) => f.href.startsWith("http") && f.security?.[0] === "bearer_sc"), action).toBe(true);
    }
    expect(Object.keys(thing.td.events as object).sort()).toEqual(Object.keys(EVENT_DICTIONARY).sort());
    for (const name of Object.keys(EVENT_DICTIONARY)) expect(() => href("events", name, "mqtt")).not.toThrow();
    const res = await fetch(host.tdUrl(MG) as string);
    expect(res.status).toBe(200);
  });

  it("reads topology, node limits, envelopes, effective circuit capacity, control points with latest status, last cycle", async () => {
    const topology = (await consumer.read(consumed, "topology")) as { version: number; depot_id: string; nodes: Array<{ node_id: string }> };
    expect(topology.depot_id).toBe("depot-north-1");
    expect(topology.nodes.map((n) => n.node_id)).toContain("bess-north-1");
    expect(topology.version).toBe(service.microgrid(MG).version);
    expect(((await consumer.read(consumed, "node_limits")) as unknown[]).length).toBe(service.nodeLimits(MG).length);
    expect(await consumer.read(consumed, "active_envelopes")).toEqual([]);
    expect(await consumer.read(consumed, "effective_circuit_capacity")).toEqual(service.effectiveCircuitCapacities(MG));
    const cps = (await consumer.read(consumed, "control_points")) as Array<{ control_point_id: string; latest_status: unknown }>;
    expect(cps.map((c) => c.control_point_id)).toContain("cp-load-balancing");
    expect(cps.every((c) => "latest_status" in c)).toBe(true);
  });

  it("an operator ingests telemetry and rebalances through the consumer; last_cycle is that cycle", async () => {
    const at = new Date(Date.now() - 1000).toISOString();
    await consumer.invoke(consumed, "ingest_telemetry", {
      readings: [...readings(at), { node_id: "load-f-n1a", measured_demand_watts: 50000, observed_at: at }, { node_id: "load-f-n1b", measured_demand_watts: 40000, observed_at: at }],
    });
    const cycle = (await consumer.invoke(consumed, "rebalance", { correlation_id: "thing-1" })) as { cycle_id: string; outcome: string; reason_codes: string[] };
    expect(cycle.outcome).toBe("CURTAILED");
    expect(cycle.reason_codes).toEqual(["AGGREGATE_CAP_EXCEEDED"]);
    const last = (await consumer.read(consumed, "last_cycle")) as { cycle_id: string };
    expect(last.cycle_id).toBe(cycle.cycle_id);
    // The cycle's rebalance guard reconciled every managed feeder circuit.
    const capacity = (await consumer.read(consumed, "effective_circuit_capacity")) as Array<{ circuit_id: string; effective_capacity_watts: number }>;
    expect(capacity.map((c) => [c.circuit_id, c.effective_capacity_watts]).sort()).toEqual([["f-n1a", 400000], ["f-n1b", 300000]]);
  });

  it("a status event shows in control_points' latest_status with freshness", async () => {
    const observed_at = new Date(Date.now() - 2000).toISOString();
    const r = (await consumer.invoke(consumed, "append_status_event", { control_point_id: "cp-peak-shaving", operational_status: "STANDBY", reported_by: "EXTERNAL", observed_at, source_event_ref: "ems-1" })) as { duplicate: boolean };
    expect(r.duplicate).toBe(false);
    const again = (await consumer.invoke(consumed, "append_status_event", { control_point_id: "cp-peak-shaving", operational_status: "STANDBY", reported_by: "EXTERNAL", observed_at, source_event_ref: "ems-1" })) as { duplicate: boolean };
    expect(again.duplicate).toBe(true);
    const cps = (await consumer.read(consumed, "control_points")) as Array<{ control_point_id: string; latest_status: { latest_operational_status: string; freshness_seconds: number } | null }>;
    const ps = cps.find((c) => c.control_point_id === "cp-peak-shaving");
    expect(ps?.latest_status?.latest_operational_status).toBe("STANDBY");
    expect(ps?.latest_status?.freshness_seconds).toBeGreaterThanOrEqual(0);
  });

  it("replace_topology with a stale version: 409 TOPOLOGY_VERSION_CONFLICT with expected and actual version, over the consumer and raw HTTP", async () => {
    const t = service.topology(MG);
    const stale = t.microgrid.version - 1;
    await expect(consumer.invoke(consumed, "replace_topology", { version: stale, nodes: t.nodes })).rejects.toThrow();
    const res = await post("replace_topology", { version: stale, nodes: t.nodes });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "TOPOLOGY_VERSION_CONFLICT", reason_code: "TOPOLOGY_VERSION_CONFLICT", expected_version: stale, actual_version: t.microgrid.version });
    expect(service.microgrid(MG).version).toBe(t.microgrid.version);
  });

  it("a reparenting that makes a cycle: 422 TOPOLOGY_INVALID with violated_rule and details; an accepted replace bumps the version", async () => {
    const t = service.topology(MG);
    const nodes = t.nodes.map((n) => (n.node_id === "cir-depot-a" ? { ...n, parent_node_id: "cp-a1" } : n));
    const res = await post("replace_topology", { version: t.microgrid.version, nodes });
    expect(res.status).toBe(422);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "TOPOLOGY_INVALID", reason_code: "TOPOLOGY_INVALID" });
    expect(typeof body.violated_rule).toBe("string");
    expect(body.details).toBeTypeOf("object");
    const ok = (await consumer.invoke(consumed, "replace_topology", { version: t.microgrid.version, nodes: t.nodes })) as { version: number };
    expect(ok.version).toBe(t.microgrid.version + 1);
    expect(((await consumer.read(consumed, "topology")) as { version: number }).version).toBe(ok.version);
  });

  it("refuses bad input: 400 for schema violations and malformed JSON, 404/422 for unknown ids, 401 without a token, 403 for a reader", async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ["rebalance", { node_id: 7 }, 400, "INPUT_INVALID"],
      ["rebalance", { surprise: true }, 400, "INPUT_INVALID"],
      ["upsert_node_limit", { node_id: "cp-a2", constraint_type: "VOLTAGE_CAP", limit_watts: 1, source_type: "MANUAL" }, 400, "INPUT_INVALID"],
      ["upsert_node_limit", { node_id: "cp-a2", constraint_type: "CONSUMPTION_CAP", limit_watts: -1, source_type: "MANUAL" }, 400, "INPUT_INVALID"],
      ["ingest_telemetry", { readings: [] }, 400, "INPUT_INVALID"],
      ["upsert_control_point", { capability_type: "LOAD_BALANCING", state: "enabled", control_source: "LOCAL" }, 400, "INPUT_INVALID"],
      ["replace_topology", "{not json", 400, "INPUT_MALFORMED"],
      ["ingest_telemetry", { readings: [{ node_id: "no-such-node", measured_demand_watts: 1, observed_at: new Date(Date.now() - 1000).toISOString() }] }, 422, "TELEMETRY_INVALID"],
      ["rebalance", { node_id: "no-such-node" }, 422, "TOPOLOGY_INVALID"],
      ["upsert_node_limit", { node_id: "no-such-node", constraint_type: "CONSUMPTION_CAP", limit_watts: 1, source_type: "MANUAL" }, 422, "NODE_LIMIT_INVALID"],
      ["append_status_event", { control_point_id: "no-such-cp", operational_status: "UP", reported_by: "EXTERNAL", observed_at: new Date().toISOString() }, 404, "CONTROL_POINT_NOT_FOUND"],
      ["withdraw_envelope", { envelope_id: "no-such-envelope" }, 404, "ENVELOPE_NOT_FOUND"],
    ];
    for (const [action, body, status, code] of cases) {
      const res = await post(action, body);
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(status);
      expect(((await res.json()) as { code: string }).code, action).toBe(code);
    }
    const anon = await post("rebalance", {}, null);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await post("rebalance", {}, READER)).status).toBe(403);
  });

  it("a consumer follows cycles and breaches over HTTP long-poll", async () => {
    const got: Array<{ type: string; data: Record<string, unknown> }> = [];
    const subscriptions: Array<Promise<WoT.Subscription>> = [];
    const done = new Promise<void>((resolve) => {
      const on = (type: string) => (out: WoT.InteractionOutput) =>
        void out.value().then((data) => {
          got.push({ type, data: data as Record<string, unknown> });
          if (got.some((g) => g.type === "microgrid.cycle_completed") && got.some((g) => g.type === "microgrid.constraint_breach_detected")) resolve();
        });
      subscriptions.push(consumed.subscribeEvent("microgrid.cycle_completed", on("microgrid.cycle_completed")));
      subscriptions.push(consumed.subscribeEvent("microgrid.constraint_breach_detected", on("microgrid.constraint_breach_detected")));
    });
    // A cycle that runs before the long-poll requests are open is not seen: run one a second until both events arrive.
    const cycles: Array<Awaited<ReturnType<typeof service.rebalance>>> = [];
    let arrived = false;
    void done.then(() => (arrived = true));
    for (let i = 0; i < 30 && !arrived; i++) {
      const at = new Date(Date.now() - 500).toISOString();
      await service.ingestTelemetry(MG, readings(at));
      cycles.push(await service.rebalance({ microgrid_id: MG, actor: "test", source: "HTTP", correlation_id: `long-poll-${i}` }));
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
    }
    await done;
    for (const s of await Promise.all(subscriptions)) await s.stop();
    const completed = got.find((g) => g.type === "microgrid.cycle_completed")?.data;
    const cycle = cycles.find((c) => c.cycle_id === completed?.cycle_id);
    expect(cycle, "the event names a cycle we ran").toBeDefined();
    expect(completed).toMatchObject({ cycle_id: cycle!.cycle_id, outcome: cycle!.outcome, reason_codes: cycle!.reason_codes });
    expect(got.find((g) => g.type === "microgrid.constraint_breach_detected")?.data).toMatchObject({ microgrid_id: MG, node_id: "cir-depot-a", reason_code: "AGGREGATE_CAP_EXCEEDED" });
  });

  it("MQTT: cycle_completed reaches a subscriber; a command over MQTT is refused and changes nothing", async () => {
    const client = await mqttjs.connectAsync(broker.url);
    try {
      const topic = new URL(href("events", "microgrid.cycle_completed", "mqtt")).pathname.slice(1);
      await client.subscribeAsync(topic);
      const got = new Promise<Record<string, unknown>>((resolve) => client.once("message", (_t, payload) => resolve(JSON.parse(payload.toString()))));
      const res = await post("rebalance", { correlation_id: "mqtt-1" });
      expect(res.status).toBe(200);
      const cycle = (await res.json()) as { cycle_id: string };
      expect(await got).toMatchObject({ cycle_id: cycle.cycle_id, outcome: expect.any(String), reason_codes: expect.any(Array), allocation_summary: expect.any(Object) });

      const version = service.microgrid(MG).version;
      const before = thing.rejected.byProtocol.mqtt;
      const t = service.topology(MG);
      await client.publishAsync(`${thing.name}/actions/replace_topology`, JSON.stringify({ version, nodes: t.nodes }));
      await waitFor("the MQTT command refused", () => thing.rejected.byProtocol.mqtt === before + 1);
      expect(service.microgrid(MG).version).toBe(version);
    } finally {
      await client.endAsync();
    }
  });
});
