/**
 * The small site's charge points on loopback: reads over HTTP (node-wot consumer), the operator-only
 * charging limit (401 without a token, 403 without the role, 400 out of range, nothing changes),
 * MQTT property pushes and a refused MQTT write, and session events.
 */
import mqttjs from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteRuntime } from "../../../src/site/runtime.ts";
import { callThing, chargePointSite, hostedTd } from "../../support/site.ts";
import { Consumer } from "../../../src/wot/consumer.ts";
import type { JsonObject } from "../../../src/wot/published-td.ts";

const OPERATOR = "operator-token-cp-test-000001";
const READER = "reader-token-cp-test-00000001";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("charge point Things over HTTP and MQTT", () => {
  let runtime: SiteRuntime;
  let real = 0;
  const consumer = new Consumer({ token: OPERATOR, timeoutMs: 4000 });
  const td = (name: string): JsonObject => hostedTd(runtime, name);
  const put = (name: string, property: string, body: string, token?: string) => callThing(runtime, "PUT", name, `properties/${property}`, body, token);
  const invoke = (name: string, action: string, body: string, token?: string) => callThing(runtime, "POST", name, `actions/${action}`, body, token);

  beforeAll(async () => {
    runtime = await chargePointSite({ operator: OPERATOR, reader: READER }, () => real);
    await runtime.start();
    await consumer.start();
  }, 60_000);

  afterAll(async () => {
    await consumer.stop();
    await runtime?.stop();
  });

  it("exposes every charge point of the site with its placement, types and connector ids", () => {
    expect(runtime.things.filter((t) => t.kind === "charge-point").map((t) => t.id)).toHaveLength(5);
    const cp = td("cp-a1");
    expect(cp["@type"]).toEqual(expect.arrayContaining(["saref:Device", "s4ener:Device", "gt:ChargePoint"]));
    expect(cp["gt:feeder"]).toBe("f-n1a");
    expect(cp["gt:substation"]).toBe("sub-n1");
    expect(cp["gt:connectors"]).toEqual(["con-a1-1", "con-a1-2"]);
  });

  it("reads activePower, connectors, telemetry and quality over HTTP, equal to the simulator", async () => {
    const cp = await consumer.consume(td("cp-a1"), "http");
    const sim = runtime.simulator.chargePoint("cp-a1");
    expect(await consumer.read(cp, "activePower")).toBe(sim.activePowerW);
    const connectors = (await consumer.read(cp, "connectors")) as Array<{ id: string; activePowerW: number; sessionActive: boolean }>;
    expect(connectors.map((c) => c.id)).toEqual(["con-a1-1", "con-a1-2"]);
    expect(connectors.reduce((s, c) => s + c.activePowerW, 0)).toBeCloseTo(sim.activePowerW, 6);
    expect(await consumer.read(cp, "chargingLimit")).toBeNull();
    expect(await consumer.read(cp, "quality")).toBe("GOOD");
    expect(await consumer.read(cp, "telemetry")).toMatchObject({ maxPowerW: 44000, limitW: null, quality: "GOOD" });
  });

  it("an operator writes chargingLimit over HTTP; the charge point then draws no more than it", async () => {
    const cp = await consumer.consume(td("cp-a2"), "http");
    await consumer.write(cp, "chargingLimit", 10000);
    expect(runtime.simulator.chargePoint("cp-a2").limitW).toBe(10000);
    expect(await consumer.read(cp, "chargingLimit")).toBe(10000);
    real += 2000;
    await sleep(80);
    expect(runtime.simulator.chargePoint("cp-a2").activePowerW).toBeLessThanOrEqual(10000);
    await consumer.write(cp, "chargingLimit", null);
    expect(runtime.simulator.chargePoint("cp-a2").limitW).toBeNull();
  });

  it("refuses a limit without a token (401), without the operator role (403) and out of range (400): nothing changes", async () => {
    expect((await put("cp-a3", "chargingLimit", "5000")).status).toBe(401);
    expect((await put("cp-a3", "chargingLimit", "5000", "not-a-known-token-000000")).status).toBe(401);
    expect((await put("cp-a3", "chargingLimit", "5000", READER)).status).toBe(403);
    for (const body of ["-1", "50001", '"slow"', "{}"]) {
      const res = await put("cp-a3", "chargingLimit", body, OPERATOR);
      expect(res.status, body).toBe(400);
      expect((await res.json()).code).toBe("INPUT_INVALID");
    }
    expect(runtime.simulator.chargePoint("cp-a3").limitW).toBeNull();
    expect((await put("cp-a3", "noSuchProperty", "1", OPERATOR)).status).toBe(404);
  });

  it("pushes its observable properties over MQTT and never applies a chargingLimit written over MQTT", async () => {
    const forms = (td("cp-b1").properties as Record<string, { forms: Array<{ href: string }> }>).activePower?.forms ?? [];
    const href = forms.map((f) => f.href).find((h) => h.startsWith("mqtt"));
    expect(href).toBeDefined();
    const url = new URL(href as string);
    const client = await mqttjs.connectAsync(`mqtt://${url.host}`);
    try {
      const values: number[] = [];
      client.on("message", (_topic, payload) => values.push(JSON.parse(payload.toString()) as number));
      await client.subscribeAsync(url.pathname.slice(1));
      for (let i = 0; i < 30 && values.length === 0; i++) {
        real += 1100;
        await sleep(100);
      }
      expect(values.length).toBeGreaterThan(0);
      expect(values.at(-1)).toBeGreaterThanOrEqual(0);
      await client.publishAsync("cp-b1/properties/chargingLimit/writeproperty", "0");
      await client.publishAsync("cp-b1/properties/chargingLimit", "0");
      await sleep(300);
      expect(runtime.simulator.chargePoint("cp-b1").limitW).toBeNull(); // MQTT cannot carry the token: never applied
    } finally {
      await client.endAsync();
    }
  });

  it("emits sessionStarted/sessionEnded over HTTP long-poll as EVs come and go", async () => {
    const cp = await consumer.consume(td("cp-b2"), "http");
    const events: Array<{ connectorId: string }> = [];
    const sub = await cp.subscribeEvent("sessionEnded", async (d) => void events.push((await d.value()) as { connectorId: string }));
    const started: Array<{ connectorId: string }> = [];
    const sub2 = await cp.subscribeEvent("sessionStarted", async (d) => void started.push((await d.value()) as { connectorId: string }));
    await sleep(200);
    // two simulated hours in ticks of 10 simulated minutes: every connector's slot turns over
    for (let i = 0; i < 16 && events.length + started.length === 0; i++) {
      real += 600_000;
      await sleep(150);
    }
    await sub.stop();
    await sub2.stop();
    expect(events.length + started.length).toBeGreaterThan(0);
    expect([...events, ...started].every((e) => e.connectorId === "con-b2-1")).toBe(true);
  });

  it("reads requestedPower and each connector's request and limit, equal to the simulator", async () => {
    const cp = await consumer.consume(td("cp-a1"), "http");
    const sim = runtime.simulator.chargePoint("cp-a1");
    expect(await consumer.read(cp, "requestedPower")).toBe(sim.requestedPowerW);
    const connectors = (await consumer.read(cp, "connectors")) as Array<{ requestedPowerW: number; limitW: number | null }>;
    expect(connectors.map((c) => c.requestedPowerW)).toEqual(sim.connectors.map((c) => c.requestedPowerW));
    expect(connectors.every((c) => c.limitW === null)).toBe(true);
    expect(await consumer.read(cp, "telemetry")).toMatchObject({ requestedPowerW: sim.requestedPowerW });
    const action = (td("cp-a1").actions as Record<string, { input: { properties: { connectorId: { enum: string[] } } }; forms: Array<{ href: string; security?: string[] }> }>).setConnectorLimit;
    expect(action?.input.properties.connectorId.enum).toEqual(["con-a1-1", "con-a1-2"]);
    expect(action?.forms.length).toBeGreaterThan(0);
    expect(action?.forms.every((f) => f.href.startsWith("http") && f.security?.length === 1)).toBe(true); // HTTP with a bearer only, not MQTT
    expect(td("cp-a1")["gt:connectorMaxPowerW"]).toEqual([22000, 22000]);
  });

  it("an operator invokes setConnectorLimit over HTTP; that connector then draws no more than it, and null lifts it", async () => {
    const cp = await consumer.consume(td("cp-a1"), "http");
    expect(await consumer.invoke(cp, "setConnectorLimit", { connectorId: "con-a1-2", limitW: 1500 })).toEqual({ connectorId: "con-a1-2", limitW: 1500 });
    expect(runtime.simulator.chargePoint("cp-a1").connectors[1]?.limitW).toBe(1500);
    real += 2000;
    await sleep(80);
    const connectors = (await consumer.read(cp, "connectors")) as Array<{ id: string; activePowerW: number; limitW: number | null }>;
    expect(connectors[1]).toMatchObject({ id: "con-a1-2", limitW: 1500 });
    expect(connectors[1]?.activePowerW).toBeLessThanOrEqual(1500);
    await consumer.invoke(cp, "setConnectorLimit", { connectorId: "con-a1-2", limitW: null });
    expect(runtime.simulator.chargePoint("cp-a1").connectors[1]?.limitW).toBeNull();
  });

  it("refuses setConnectorLimit without a token (401), without the role (403), for an unknown connector, out of range or malformed (400): nothing changes", async () => {
    const ok = JSON.stringify({ connectorId: "con-a1-1", limitW: 1000 });
    expect((await invoke("cp-a1", "setConnectorLimit", ok)).status).toBe(401);
    expect((await invoke("cp-a1", "setConnectorLimit", ok, READER)).status).toBe(403);
    const rows: Array<[string, string]> = [
      [JSON.stringify({ connectorId: "con-zz", limitW: 1000 }), "INPUT_INVALID"], // not one of gt:connectors
      [JSON.stringify({ connectorId: "con-a2-1", limitW: 1000 }), "INPUT_INVALID"], // another charge point's connector
      [JSON.stringify({ connectorId: "con-a1-1", limitW: -1 }), "INPUT_INVALID"],
      [JSON.stringify({ connectorId: "con-a1-1", limitW: 44001 }), "INPUT_INVALID"], // above the charge point's rating
      [JSON.stringify({ connectorId: "con-a1-1", limitW: 22001 }), "SIM_INVALID_VALUE"], // above this connector's 22 kW
      [JSON.stringify({ connectorId: "con-a1-1" }), "INPUT_INVALID"],
      [JSON.stringify({ limitW: 1000 }), "INPUT_INVALID"],
      [JSON.stringify({ connectorId: "con-a1-1", limitW: "1000" }), "INPUT_INVALID"],
      [JSON.stringify({ connectorId: "con-a1-1", limitW: 1000, extra: 1 }), "INPUT_INVALID"],
    ];
    for (const [body, expected] of rows) {
      const res = await invoke("cp-a1", "setConnectorLimit", body, OPERATOR);
      expect(res.status, body).toBe(400);
      expect((await res.json()).code, body).toBe(expected);
    }
    const malformed = await invoke("cp-a1", "setConnectorLimit", "{not json", OPERATOR);
    expect(malformed.status).toBe(400);
    expect(runtime.simulator.chargePoint("cp-a1").connectors.map((c) => c.limitW)).toEqual([null, null]);
  });
});
