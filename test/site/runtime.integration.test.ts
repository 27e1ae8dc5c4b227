/**
 * The small site running on loopback: each device consumed over each of its bindings with
 * node-wot's client (read, write, invoke, subscribe), scenarios through the simulation-control
 * Thing, and bad input. The real clock is injected so the simulation moves only when we say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteRuntime } from "../../src/site/runtime.ts";
import { callThing, hostedTd, loopbackSite } from "../support/site.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import { startGridMeter } from "../../things/grid-meter/index.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

const OPERATOR = "operator-token-site-test-0001";
const READER = "reader-token-site-test-00001";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a running site, consumed over every binding", () => {
  let runtime: SiteRuntime;
  let real = 0;
  const consumer = new Consumer({ token: OPERATOR, timeoutMs: 4000 });
  const td = (name: string): JsonObject => hostedTd(runtime, name);
  /** Moves the simulation forward by `seconds` of simulated time (speed 1) and lets ticks run. */
  const advance = async (seconds: number) => {
    real += seconds * 1000;
    await sleep(80);
  };
  const post = (name: string, action: string, body: unknown, token = OPERATOR) => callThing(runtime, "POST", name, `actions/${action}`, JSON.stringify(body), token);

  beforeAll(async () => {
    runtime = await loopbackSite("small.site.json", {
      tokenEntries: [
        { token: OPERATOR, subject: "operator", roles: ["operator"] },
        { token: READER, subject: "reader", roles: ["reader"] },
      ],
      gridMeter: startGridMeter,
      realNow: () => real,
      tickMs: 10,
    });
    await runtime.start();
    await consumer.start();
  }, 60_000);

  afterAll(async () => {
    await consumer.stop();
    await runtime?.stop();
  });

  it("battery over HTTP: read, authorized write of target_output_kw, invoke setTargetPower", async () => {
    const bess = await consumer.consume(td("bess-north-1"), "http");
    expect(await consumer.read(bess, "stateOfCharge")).toBeCloseTo(70, 0);
    expect(await consumer.read(bess, "max_discharge_power")).toBe(200000);
    await consumer.write(bess, "target_output_kw", 50);
    expect(runtime.simulator.battery("bess-north-1").targetPowerW).toBe(50000);
    expect(await consumer.read(bess, "target_output_kw")).toBe(50);
    expect(await consumer.invoke(bess, "setTargetPower", { powerW: -20000 })).toEqual({ appliedPowerW: -20000 });
    expect(runtime.simulator.battery("bess-north-1").targetPowerW).toBe(-20000);
    await advance(5);
    expect(runtime.simulator.battery("bess-north-1").activePowerW).toBeLessThan(0);
  });

  it("battery over HTTP: out-of-range and wrongly typed setpoints are refused with 400 and change nothing", async () => {
    const href = `${runtime.thingHost.httpBase}/bess-north-1/properties/target_output_kw`;
    const before = runtime.simulator.battery("bess-north-1").targetPowerW;
    for (const body of ["9999", '"fast"', "null"]) {
      const res = await fetch(href, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR}` }, body });
      expect(res.status, body).toBe(400);
      expect((await res.json()).code).toBe("INPUT_INVALID");
    }
    const noToken = await fetch(href, { method: "PUT", headers: { "content-type": "application/json" }, body: "1" });
    expect(noToken.status).toBe(401);
    const reader = await fetch(href, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${READER}` }, body: "1" });
    expect(reader.status).toBe(403);
    expect(runtime.simulator.battery("bess-north-1").targetPowerW).toBe(before);
  });

  it("step() brings the simulator to the clock's present at once, and again changes nothing", () => {
    real += 7_000;
    runtime.step();
    const sim = runtime.simulator;
    expect(sim.time()).toBe(sim.startTimeMs + real);
    const soc = sim.battery("bess-north-1").socPercent;
    runtime.step();
    expect(sim.time()).toBe(sim.startTimeMs + real);
    expect(sim.battery("bess-north-1").socPercent).toBe(soc);
  });

  it("battery over CoAP: reads", async () => {
    const bess = await consumer.consume(td("bess-north-2"), "coap");
    expect(await consumer.read(bess, "max_discharge_power")).toBe(40000);
    expect(await consumer.read(bess, "operatingState")).toBe("idle");
  });

  it("battery over Modbus: node-wot reads the float32 registers named in the TD", async () => {
    const bess = await consumer.consume(td("bess-south-1"), "modbus");
    expect(await consumer.read(bess, "capacity")).toBe(300000);
    expect(await consumer.read(bess, "max_discharge_power")).toBe(120000);
    const soc = (await consumer.read(bess, "stateOfCharge")) as number;
    expect(soc).toBeCloseTo(runtime.simulator.battery("bess-south-1").socPercent, 3);
  });

  it("smart meter: a reading event over MQTT through node-wot, with a sequence number and the TD's fields", async () => {
    const meterName = runtime.things.find((t) => t.kind === "smart-meter")!.title;
    const meter = await consumer.consume(td(meterName), "mqtt");
    const readings: Array<Record<string, unknown>> = [];
    const subscription = await meter.subscribeEvent("reading", async (data) => {
      readings.push((await data.value()) as Record<string, unknown>);
    });
    await sleep(200);
    for (let i = 0; i < 8 && readings.length < 2; i++) await advance(15);
    await subscription.stop();
    expect(readings.length).toBeGreaterThanOrEqual(2);
    expect(readings[0]).toMatchObject({ meterId: meterName, quality: "GOOD" });
    expect(readings[1]!.sequence).toBe((readings[0]!.sequence as number) + 1);
    expect(Date.parse(readings[1]!.timestamp as string) - Date.parse(readings[0]!.timestamp as string)).toBe(15000);
  });

  it("smart meter: properties readable over HTTP; its TD places it in the hierarchy and marks it household", async () => {
    const entry = runtime.things.find((t) => t.kind === "smart-meter")!;
    const meterTd = td(entry.title);
    expect(meterTd["gt:region"]).toBeDefined();
    expect(meterTd["gt:feeder"]).toBeDefined();
    expect(meterTd["gt:privacy"]).toBe("household");
    const meter = await consumer.consume(meterTd, "http");
    expect(typeof (await consumer.read(meter, "energyImport"))).toBe("number");
  });

  it("PV over CoAP and HTTP: curtailment caps output (write needs the operator token)", async () => {
    const pvHttp = await consumer.consume(td("pv-north-1"), "http");
    await consumer.write(pvHttp, "curtailmentLimit", 10000);
    await advance(2);
    const pvCoap = await consumer.consume(td("pv-north-1"), "coap");
    expect((await consumer.read(pvCoap, "activePower")) as number).toBeLessThanOrEqual(10000);
    await consumer.write(pvHttp, "curtailmentLimit", null);
    expect(runtime.simulator.pv("pv-north-1").curtailmentLimitW).toBeNull();
  });

  it("weather: now and a 4-hour forecast at 15-minute resolution", async () => {
    const weather = await consumer.consume(td("weather"), "http");
    const forecast = (await consumer.read(weather, "forecast")) as Array<{ time: string }>;
    expect(forecast.length).toBe(16);
    expect(Date.parse(forecast[1]!.time) - Date.parse(forecast[0]!.time)).toBe(15 * 60 * 1000);
    expect(typeof (await consumer.read(weather, "irradiance"))).toBe("number");
  });

  it("simulation control: a load step lowers frequency and a battery discharge raises it", async () => {
    const control = await consumer.consume(td("sim-control"), "http");
    const freq = async () => ((await consumer.read(control, "physics")) as { frequencyHz: number }).frequencyHz;
    runtime.simulator.setBatteryTarget("bess-north-1", 0);
    await advance(30);
    const before = await freq();
    await consumer.invoke(control, "injectLoadStep", { powerW: 100000 });
    await advance(10);
    const after = await freq();
    expect(after).toBeLessThan(before - 0.02);
    await consumer.invoke(control, "injectLoadStep", { powerW: -100000 });
    const bess = await consumer.consume(td("bess-north-1"), "http");
    await consumer.write(bess, "target_output_kw", 100);
    await advance(10);
    expect(await freq()).toBeGreaterThan(after + 0.02);
    await consumer.write(bess, "target_output_kw", 0);
  });

  it("simulation control: a critical hardware fault raises the event, the battery refuses power, clearFault recovers", async () => {
    const bess = await consumer.consume(td("bess-north-2"), "http");
    const events: unknown[] = [];
    const subscription = await bess.subscribeEvent("criticalHardwareError", async (data) => {
      events.push(await data.value());
    });
    await sleep(100);
    const injected = await post("sim-control", "injectDeviceFault", { deviceId: "bess-north-2", code: "INVERTER_OVERTEMP", message: "inverter over temperature", critical: true });
    expect(injected.status).toBeLessThan(300);
    for (let i = 0; i < 30 && events.length === 0; i++) await advance(1);
    await subscription.stop();
    expect(events[0]).toMatchObject({ code: "INVERTER_OVERTEMP" });
    expect(await consumer.read(bess, "operatingState")).toBe("fault");
    const refused = await post("bess-north-2", "setTargetPower", { powerW: 1000 });
    expect(refused.status).toBe(409);
    expect((await refused.json()).code).toBe("SIM_DEVICE_FAULTED");
    await consumer.invoke(bess, "clearFault");
    expect(await consumer.read(bess, "operatingState")).not.toBe("fault");
  });

  it("simulation control: a telemetry dropout makes readings STALE with the last good timestamp", async () => {
    const bess = await consumer.consume(td("bess-south-1"), "http");
    const fresh = (await consumer.read(bess, "telemetry")) as { timestamp: string };
    expect(await consumer.read(bess, "quality")).toBe("GOOD");
    expect((await post("sim-control", "injectTelemetryDropout", { deviceId: "bess-south-1", durationSeconds: 20 })).status).toBeLessThan(300);
    await advance(5);
    const stale = (await consumer.read(bess, "telemetry")) as { timestamp: string; quality: string };
    expect(stale.quality).toBe("STALE");
    expect(Date.parse(stale.timestamp)).toBeLessThanOrEqual(Date.parse(fresh.timestamp) + 5000);
    await advance(30);
    expect(await consumer.read(bess, "quality")).toBe("GOOD");
  });

  it("simulation control: bad input is refused (unknown device 404, bad schema 400, no token 401)", async () => {
    expect((await post("sim-control", "injectDeviceFault", { deviceId: "nope", code: "X", critical: false })).status).toBe(404);
    expect((await post("sim-control", "injectLoadStep", { powerW: "a lot" })).status).toBe(400);
    expect((await post("sim-control", "injectLoadStep", { watts: 5 })).status).toBe(400);
    expect((await post("sim-control", "injectLoadStep", { powerW: 5 }, "wrong-token-wrong-token")).status).toBe(401);
  });

  it("unknown Things and affordances answer 404 problem+json", async () => {
    for (const path of ["/no-such-thing/properties/x", "/bess-north-1/properties/nope", "/bess-north-1/actions/nope"]) {
      const res = await fetch(`${runtime.thingHost.httpBase}${path}`, { method: path.includes("actions") ? "POST" : "GET" });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
  });

  it("serves the Thing Models the TDs link to", async () => {
    const link = (td("bess-north-1").links as Array<{ rel: string; href: string }>).find((l) => l.rel === "type")!;
    const res = await fetch(link.href);
    expect(res.status).toBe(200);
    expect((await res.json())["@type"]).toContain("tm:ThingModel");
    expect((await fetch(`${runtime.thingHost.httpBase}/models/../package.json`)).status).toBe(404);
  });
});
