import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqttjs from "mqtt";
import { ThingHost } from "../../src/wot/thing-host.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import { EmbeddedBroker } from "../../src/mqtt/embedded-broker.ts";
import { TokenTable } from "../../src/auth/roles.ts";
import type { HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import { coapRequest } from "../support/coap-request.ts";
import { waitFor } from "../support/until.ts";

const OPERATOR = "operator-token-0123456789";
const READER = "reader-token-0123456789ab";

const td = {
  "@context": "https://www.w3.org/2022/wot/td/v1.1",
  id: "urn:test:dev-1",
  title: "dev-1",
  properties: {
    setpoint: { type: "number", minimum: -10, maximum: 10, unit: "kW" },
    label: { type: "string", maxLength: 8 },
    level: { type: "number", readOnly: true, unit: "%" },
  },
  actions: {
    pulse: { input: { type: "object", properties: { powerW: { type: "number", minimum: 0, maximum: 100 } }, required: ["powerW"] }, output: { type: "number" } },
    count: { input: { type: "integer", minimum: 1 } },
  },
  events: { alarm: { data: { type: "string" } } },
};

describe("ThingHost: guards around node-wot's servers", () => {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  let host: ThingHost;
  let thing: HostedThing;
  const state = { setpoint: 0, label: "a", level: 42, pulses: 0, counted: 0 };

  beforeAll(async () => {
    await broker.start();
    host = new ThingHost({
      host: "127.0.0.1",
      httpPort: 0,
      coapPort: 0,
      mqttUrl: broker.url,
      tokens: new TokenTable([
        { token: OPERATOR, subject: "op", roles: ["operator"] },
        { token: READER, subject: "rd", roles: ["reader"] },
      ]),
      now: () => new Date(),
    });
    await host.start();
    thing = await host.expose({
      td,
      protocols: ["http", "coap", "mqtt"],
      properties: {
        setpoint: { read: () => state.setpoint, write: (v) => void (state.setpoint = v as number) },
        label: { read: () => state.label, write: (v) => void (state.label = v as string) },
        level: { read: () => state.level },
      },
      actions: {
        count: (input) => void (state.counted += input as number),
        pulse: (input) => {
          state.pulses++;
          return (input as { powerW: number }).powerW * 2;
        },
      },
      powerChanging: ["properties/setpoint", "actions/pulse"],
    });
    // More Things on the same MQTT server: node-wot adds a message listener per Thing (see mqtt-guard.ts).
    for (const n of [2, 3]) {
      await host.expose({ td: { ...td, id: `urn:test:dev-${n}`, title: `dev-${n}` }, protocols: ["http", "mqtt"], properties: { level: { read: () => n } } });
    }
  });

  afterAll(async () => {
    await host.stop();
    await broker.stop();
  });

  const form = (kind: "properties" | "actions" | "events", name: string, scheme: string, op?: string) => {
    const forms = ((thing.td[kind] as Record<string, { forms: Array<{ href: string; op: string | string[]; security?: string[] }> }>)[name]?.forms ?? []);
    const f = forms.find((x) => x.href.startsWith(scheme) && (!op || [x.op].flat().includes(op)));
    if (!f) throw new Error(`no ${scheme} form for ${kind}/${name} ${op ?? ""}`);
    return f;
  };

  it("publishes a TD with one JSON form per protocol, the title path only, bearer on power-changing HTTP writes", () => {
    const setpointForms = (thing.td.properties as Record<string, { forms: Array<{ href: string; op: string | string[]; security?: string[] }> }>).setpoint!.forms;
    expect(setpointForms.every((f) => !f.href.includes("urn%3A"))).toBe(true);
    const write = form("properties", "setpoint", "http", "writeproperty");
    expect(write.security).toEqual(["bearer_sc"]);
    expect(form("properties", "setpoint", "http", "readproperty").security).toBeUndefined();
    expect(setpointForms.some((f) => f.href.startsWith("coap") && [f.op].flat().includes("writeproperty"))).toBe(false);
    expect(setpointForms.some((f) => f.href.startsWith("mqtt") && [f.op].flat().includes("writeproperty"))).toBe(false);
    expect((thing.td.events as Record<string, { forms: Array<{ href: string }> }>).alarm!.forms.some((f) => f.href.startsWith("coap"))).toBe(false);
    expect(thing.td.securityDefinitions).toHaveProperty("bearer_sc");
  });

  it("serves the published TD at the Thing's HTTP URL", async () => {
    const res = await fetch(`${host.httpBase}/dev-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/td+json");
    expect(await res.json()).toEqual(thing.td);
  });

  it("refuses a power-changing write without a token (401) or with a reader token (403), state unchanged", async () => {
    const href = form("properties", "setpoint", "http", "writeproperty").href;
    const anon = await fetch(href, { method: "PUT", body: "5", headers: { "content-type": "application/json" } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(anon.headers.get("content-type")).toBe("application/problem+json");
    expect((await anon.json()).code).toBe("UNAUTHENTICATED");
    const reader = await fetch(href, { method: "PUT", body: "5", headers: { "content-type": "application/json", authorization: `Bearer ${READER}` } });
    expect(reader.status).toBe(403);
    const bogus = await fetch(href, { method: "PUT", body: "5", headers: { "content-type": "application/json", authorization: "Bearer nope-nope-nope-nope" } });
    expect(bogus.status).toBe(401);
    expect(state.setpoint).toBe(0);
  });

  it("accepts an authorized write and answers 400 problem+json for out-of-range, wrongly typed and malformed values", async () => {
    const href = form("properties", "setpoint", "http", "writeproperty").href;
    const headers = { "content-type": "application/json", authorization: `Bearer ${OPERATOR}` };
    expect((await fetch(href, { method: "PUT", body: "5", headers })).status).toBe(204);
    expect(state.setpoint).toBe(5);
    for (const [body, code] of [["50", "INPUT_INVALID"], ['"x"', "INPUT_INVALID"], ["{bad", "INPUT_MALFORMED"]] as const) {
      const res = await fetch(href, { method: "PUT", body, headers });
      expect(res.status, body).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await res.json()).code).toBe(code);
    }
    expect(state.setpoint).toBe(5);
    expect(thing.rejected.byProtocol.http).toBeGreaterThanOrEqual(3);
  });

  it("answers 404 problem+json for an unknown affordance", async () => {
    const res = await fetch(`${host.httpBase}/dev-1/properties/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).status).toBe(404);
  });

  it("invokes an action with validated input and returns its output", async () => {
    const href = form("actions", "pulse", "http").href;
    const headers = { "content-type": "application/json", authorization: `Bearer ${OPERATOR}` };
    const ok = await fetch(href, { method: "POST", body: JSON.stringify({ powerW: 7 }), headers });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toBe(14);
    const bad = await fetch(href, { method: "POST", body: JSON.stringify({ powerW: 700 }), headers });
    expect(bad.status).toBe(400);
    const missing = await fetch(href, { method: "POST", body: JSON.stringify({}), headers });
    expect(missing.status).toBe(400);
    expect(state.pulses).toBe(1);
  });

  it("CoAP: reads, refuses power-changing writes with 4.01, bad values with 4.00, Observe answered as a plain read", async () => {
    const base = host.coapBase!;
    const read = await coapRequest(`${base}/dev-1/properties/level`, "GET");
    expect(read.code).toBe("2.05");
    expect(JSON.parse(read.text)).toBe(42);
    const observed = await coapRequest(`${base}/dev-1/properties/level`, "GET", undefined, { observe: true });
    expect(observed.code).toBe("2.05");
    const power = await coapRequest(`${base}/dev-1/properties/setpoint`, "PUT", 3);
    expect(power.code).toBe("4.01");
    expect(JSON.parse(power.text).status).toBe(401);
    expect((await coapRequest(`${base}/dev-1/properties/nope`, "GET")).code).toBe("4.04");
    expect((await coapRequest(`${base}/dev-1/actions/nope`, "POST", 1)).code).toBe("4.04");
    const event = await coapRequest(`${base}/dev-1/events/alarm`, "GET");
    expect(event.code).toBe("4.05");
    const bad = await coapRequest(`${base}/dev-1/properties/label`, "PUT", "far-too-long-label");
    expect(bad.code).toBe("4.00");
    expect(JSON.parse(bad.text).code).toBe("INPUT_INVALID");
    const good = await coapRequest(`${base}/dev-1/properties/label`, "PUT", "b");
    expect(good.code).toBe("2.04");
    expect(state.label).toBe("b");
    expect(state.setpoint).toBe(5);
  });

  it("node-wot consumer reads, writes with the bearer token and gets events over MQTT", async () => {
    const consumer = new Consumer({ token: OPERATOR });
    await consumer.start();
    try {
      const viaHttp = await consumer.consume(thing.td, "http");
      expect(await consumer.read(viaHttp, "level")).toBe(42);
      await consumer.write(viaHttp, "setpoint", -2);
      expect(state.setpoint).toBe(-2);
      const viaCoap = await consumer.consume(thing.td, "coap");
      expect(await consumer.read(viaCoap, "level")).toBe(42);
    } finally {
      await consumer.stop();
    }
  });

  it("MQTT: events reach a plain subscriber; a power-changing action over MQTT is refused and counted; each action runs once", async () => {
    const client = await mqttjs.connectAsync(broker.url);
    try {
      const topic = new URL(form("events", "alarm", "mqtt").href).pathname.slice(1);
      await client.subscribeAsync(topic);
      const got = new Promise<string>((resolve) => client.once("message", (_t, payload) => resolve(payload.toString())));
      thing.emitEvent("alarm", "over-temperature");
      expect(JSON.parse(await got)).toBe("over-temperature");
      const before = thing.rejected.byProtocol.mqtt;
      await client.publishAsync("dev-1/actions/pulse", JSON.stringify({ powerW: 1 }));
      await waitFor("the pulse refused", () => thing.rejected.byProtocol.mqtt === before + 1);
      expect(state.pulses).toBe(1);
      await client.publishAsync("dev-1/properties/label/writeproperty", "{not json");
      await waitFor("the bad label refused", () => thing.rejected.byProtocol.mqtt === before + 2);
      await client.publishAsync("dev-1/properties/label/writeproperty", JSON.stringify("mq"));
      await waitFor("the label written", () => state.label === "mq");
      await client.publishAsync("dev-1/actions/count", "1");
      await waitFor("the count invoked", () => state.counted >= 1);
      await new Promise((r) => setTimeout(r, 300)); // a second invocation would have arrived by now
      expect(state.counted).toBe(1); // once, though three Things share the MQTT server
      expect(thing.rejected.byProtocol.mqtt).toBe(before + 2);
      expect(state.pulses).toBe(1);
    } finally {
      await client.endAsync();
    }
  });
});
