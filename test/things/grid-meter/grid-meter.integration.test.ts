import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GridSimulator } from "../../../src/sim/index.ts";
import type { SiteFile } from "../../../src/site/site-file.ts";
import { TokenTable } from "../../../src/auth/roles.ts";
import { ThingHost } from "../../../src/wot/thing-host.ts";
import { Consumer } from "../../../src/wot/consumer.ts";
import { EmbeddedBroker } from "../../../src/mqtt/embedded-broker.ts";
import { modelLoader } from "../../../src/tm/model-files.ts";
import { playgroundFailures, playgroundReport, validateTdSchema } from "../../../src/td/td-validator.ts";
import { closePlainClient, connectPlainClient } from "../../../src/modbus/plain-client.ts";
import { loadRegisterMap } from "../../../src/modbus/register-map-file.ts";
import { findRegister, type RegisterMap } from "../../../src/modbus/register-map.ts";
import { decodeRegister } from "../../../src/modbus/register-codec.ts";
import { ModbusRegisterServer } from "../../../src/modbus/register-server.ts";
import type { DeviceContext } from "../../../things/common/device-context.ts";
import { startGridMeter, type GridMeterPart } from "../../../things/grid-meter/index.ts";
import { CHANNEL_NAMES } from "../../../things/grid-meter/channels.ts";

const site = JSON.parse(readFileSync(new URL("../../../tds/sites/demo.site.json", import.meta.url), "utf8")) as SiteFile;

async function httpGet(url: string): Promise<unknown> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.json();
}

describe("grid meter: SDM630 stand-in → node-wot Modbus adapter → seed 003 Thing over HTTP, CoAP, MQTT", () => {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  let host: ThingHost;
  let sim: GridSimulator;
  let part: GridMeterPart;
  let consumer: Consumer;
  let map: RegisterMap;
  let base: string;

  beforeAll(async () => {
    await broker.start();
    sim = new GridSimulator(site);
    sim.advanceTo(sim.startTimeMs + 20_000);
    map = await loadRegisterMap("sdm630.map.json");
    host = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: 0, mqttUrl: broker.url, tokens: new TokenTable([]), now: () => new Date() });
    await host.start();
    const ctx: DeviceContext = { site, sim, models: modelLoader(), modelBase: `${host.httpBase}/models/` };
    part = await startGridMeter({ ctx, host, hostAddress: "127.0.0.1", modbusPort: 0, timer: false });
    base = `${host.httpBase}/grid-meter`;
    consumer = new Consumer({ timeoutMs: 5000, protocols: ["http", "coap", "mqtt"] });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await part?.stop();
    await host?.stop();
    await broker.stop();
  });

  it("publishes a grid-meter TD with every seed 003 channel, its unit, quality and channels; it validates", async () => {
    const td = part.things[0]!.td;
    const properties = td.properties as Record<string, { unit?: string; readOnly?: boolean; observable?: boolean }>;
    for (const name of CHANNEL_NAMES) expect(properties[name], name).toBeDefined();
    expect(properties.ActivePower?.unit).toBe("W");
    expect(properties.ReactivePower?.unit).toBe("VAR");
    expect(properties.EnergyImport?.unit).toBe("kWh");
    expect(properties.ReactiveEnergyExport?.unit).toBe("kVARh");
    expect(properties.Frequency_RoCoF?.unit).toBe("Hz/s");
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(["Timestamp", "quality", "channels"]));
    expect(validateTdSchema(td)).toEqual([]);
    expect(playgroundFailures(await playgroundReport(td))).toEqual([]);
    expect(validateTdSchema(part.deviceTds[0])).toEqual([]);
  });

  it("HTTP values are the simulator's seed 003 channels (float32 precision), quality GOOD", async () => {
    const expected = sim.gridMeter();
    const channels = (await httpGet(`${base}/properties/channels`)) as Record<string, number | string>;
    for (const name of CHANNEL_NAMES) {
      if (name === "Frequency_RoCoF" || name === "EnergyNet") continue;
      const tolerance = Math.max(1e-3, Math.abs(expected[name]) * 1e-6);
      expect(Math.abs((channels[name] as number) - expected[name]), name).toBeLessThanOrEqual(tolerance);
    }
    expect(channels.quality).toBe("GOOD");
    expect(channels.Timestamp).toBe(new Date(sim.time()).toISOString());
    expect(await httpGet(`${base}/properties/ActivePower_L1`)).toBe(channels.ActivePower_L1);
  });

  it("the stand-in's own Modbus registers (read by the plain client from its TD) hold the vendor's inverted signs", async () => {
    const standInTd = part.deviceTds[0] as { properties: Record<string, { forms: Array<{ href: string }> }> };
    const http = (await httpGet(`${base}/properties/channels`)) as Record<string, number>;
    const url = new URL(standInTd.properties.TotalSystemPower!.forms[0]!.href);
    const [, unit] = url.pathname.split("/");
    const client = await connectPlainClient(url.hostname, Number(url.port), Number(unit));
    try {
      for (const [register, channel, sign] of [["TotalSystemPower", "ActivePower", -1], ["Phase1Power", "ActivePower_L1", -1], ["TotalSystemVAr", "ReactivePower", -1], ["Phase1LineToNeutralVolts", "Voltage_L1", 1], ["ImportActiveEnergy", "EnergyExport", 1]] as const) {
        const href = new URL(standInTd.properties[register]!.forms[0]!.href);
        const { data } = await client.readInputRegisters(Number(href.pathname.split("/")[2]), Number(href.searchParams.get("quantity")));
        expect(decodeRegister(findRegister(map, register), data), register).toBeCloseTo(sign * (http[channel] as number), 3);
      }
    } finally {
      await closePlainClient(client);
    }
  });

  it("CoAP and MQTT serve the same values", async () => {
    const td = part.things[0]!.td;
    const http = (await httpGet(`${base}/properties/ActivePower`)) as number;
    const overCoap = await consumer.consume(td, "coap");
    expect(await consumer.read(overCoap, "ActivePower")).toBe(http);
    const overMqtt = await consumer.consume(td, "mqtt");
    const pending = consumer.read(overMqtt, "ActivePower");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await part.adapter!.poll();
    expect(await pending).toBe(http);
  });

  it("a telemetry dropout of the meter shows as STALE with the last good Timestamp", async () => {
    const before = (await httpGet(`${base}/properties/channels`)) as Record<string, unknown>;
    sim.injectTelemetryDropout("grid-meter", 30);
    sim.advanceTo(sim.time() + 2_000);
    await part.adapter!.poll();
    const stale = (await httpGet(`${base}/properties/channels`)) as Record<string, unknown>;
    expect(stale.quality).toBe("STALE");
    expect(stale.Timestamp).toBe(before.Timestamp);
    sim.advanceTo(sim.time() + 30_000);
    await part.adapter!.poll();
    expect(await httpGet(`${base}/properties/quality`)).toBe("GOOD");
  });

  it("a stopped meter shows as ERROR; when it is back the next poll is GOOD again", async () => {
    await part.standIn!.stop();
    await part.adapter!.poll();
    await part.adapter!.poll();
    expect(await httpGet(`${base}/properties/quality`)).toBe("ERROR");
    await part.standIn!.start();
    sim.advanceTo(sim.time() + 1_000);
    await part.adapter!.poll();
    expect(await httpGet(`${base}/properties/quality`)).toBe("GOOD");
    expect(await httpGet(`${base}/properties/Timestamp`)).toBe(new Date(sim.time()).toISOString());
  });

  it("a meter fault answers exception 04 and shows as ERROR", async () => {
    sim.injectDeviceFault("grid-meter", { code: "CT_OPEN", message: "CT circuit open", critical: false });
    sim.advanceTo(sim.time() + 1_000);
    await part.adapter!.poll();
    expect(await httpGet(`${base}/properties/quality`)).toBe("ERROR");
    sim.clearDeviceFault("grid-meter");
    sim.advanceTo(sim.time() + 1_000);
    await part.adapter!.poll();
    expect(await httpGet(`${base}/properties/quality`)).toBe("GOOD");
  });
});

describe("grid meter: a real meter given its host, port and unit id", () => {
  it("the same adapter consumes a TD generated from the map and serves seed 003 signs", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    // Another Modbus TCP device speaking the SDM630 map: unit 7, generator-reference signs.
    const values: Record<string, number> = Object.fromEntries(map.registers.map((r) => [r.name, 230]));
    Object.assign(values, { Phase1Power: -15000, Phase2Power: 3000, Phase3Power: 2000, TotalSystemPower: -10000, TotalSystemPowerFactor: -0.99 });
    const realMeter = new ModbusRegisterServer({ units: { 7: { map, read: (name) => values[name] as number } } });
    await realMeter.start();
    const realSite: SiteFile = { ...site, gridMeter: { ...site.gridMeter, host: "127.0.0.1", port: realMeter.port, unitId: 7, protocols: ["http"] } };
    const host = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: null, mqttUrl: null, tokens: new TokenTable([]), now: () => new Date() });
    await host.start();
    try {
      const ctx: DeviceContext = { site: realSite, sim: new GridSimulator(realSite), models: modelLoader(), modelBase: `${host.httpBase}/models/` };
      const part = await startGridMeter({ ctx, host, hostAddress: "127.0.0.1", modbusPort: 0, timer: false });
      try {
        expect(part.standIn).toBeUndefined();
        const channels = (await httpGet(`${host.httpBase}/grid-meter/properties/channels`)) as Record<string, number | string>;
        expect(channels).toMatchObject({ ActivePower_L1: 15000, ActivePower_L2: -3000, ActivePower_L3: -2000, ActivePower: 10000, PowerFactor: expect.closeTo(0.99, 6), quality: "GOOD" });
        expect(realMeter.stats.reads).toBeGreaterThan(0);
      } finally {
        await part.stop();
      }
    } finally {
      await host.stop();
      await realMeter.stop();
    }
  });
});

describe("grid meter: virtual mode", () => {
  it("exposes the virtual meter's channels (load + battery − PV) over HTTP", async () => {
    const virtualSite: SiteFile = { ...site, gridMeter: { ...site.gridMeter, mode: "virtual", protocols: ["http"] } };
    const sim = new GridSimulator(virtualSite);
    sim.advanceTo(sim.startTimeMs + 10_000);
    const host = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: null, mqttUrl: null, tokens: new TokenTable([]), now: () => new Date() });
    await host.start();
    try {
      const ctx: DeviceContext = { site: virtualSite, sim, models: modelLoader(), modelBase: `${host.httpBase}/models/` };
      const part = await startGridMeter({ ctx, host, hostAddress: "127.0.0.1", modbusPort: 0 });
      try {
        sim.advanceTo(sim.time() + 5_000);
        part.onTick(sim.time());
        const channels = (await httpGet(`${host.httpBase}/grid-meter/properties/channels`)) as Record<string, number | string>;
        expect(channels.quality).toBe("GOOD");
        expect(channels.ActivePower as number).toBeCloseTo(sim.gridMeter().ActivePower, 3);
        expect(channels.Timestamp).toBe(new Date(sim.time()).toISOString());
        expect(part.deviceTds).toEqual([]);
      } finally {
        await part.stop();
      }
    } finally {
      await host.stop();
    }
  });

  it("refuses a unit id outside 1..247", async () => {
    const bad: SiteFile = { ...site, gridMeter: { ...site.gridMeter, unitId: 0 } };
    const ctx = { site: bad, sim: new GridSimulator(bad), models: modelLoader(), modelBase: "http://127.0.0.1/models/" };
    await expect(startGridMeter({ ctx, host: {} as ThingHost, hostAddress: "127.0.0.1", modbusPort: 0 })).rejects.toMatchObject({ code: "GRID_METER_CONFIG_INVALID" });
  });
});
