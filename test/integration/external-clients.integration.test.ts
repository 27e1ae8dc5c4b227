/**
 * The small site in external-broker mode, reached only with ordinary clients from outside the
 * project (curl, libcoap's coap-client, mosquitto_sub/pub, mbpoll, the plain modbus-serial client),
 * each request built from the forms of the published TDs. The simulation clock can be frozen so
 * that values read over two protocols can be compared exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { SiteRuntime } from "../../src/site/runtime.ts";
import { loadSite } from "../../src/site/load-site.ts";
import { TokenTable } from "../../src/auth/roles.ts";
import { EmbeddedBroker } from "../../src/mqtt/embedded-broker.ts";
import { closePlainClient, connectPlainClient } from "../../src/modbus/plain-client.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { startGridMeter } from "../../things/grid-meter/index.ts";
import { curl, findBinary, parseModbusHref, requireBinary, runClient, startMosquitto, type MosquittoBroker } from "../support/external-clients.ts";

const OPERATOR = "operator-token-external-0123";
const READER = "reader-token-external-012345";
const SITE = new URL("../../tds/sites/small.site.json", import.meta.url).pathname;
const COAP_CLIENT = ["coap-client", "coap-client-notls", "coap-client-openssl", "coap-client-gnutls"];

interface Form {
  href: string;
  op: string | string[];
  contentType?: string;
  [key: string]: unknown;
}
type Affordance = Record<string, unknown> & { forms: Form[] };

function affordance(td: JsonObject, kind: "properties" | "actions" | "events", name: string): Affordance {
  const a = (td[kind] as Record<string, Affordance> | undefined)?.[name];
  if (!a) throw new Error(`${String(td.title)} has no ${kind}/${name}`);
  return a;
}

function formOf(td: JsonObject, kind: "properties" | "actions" | "events", name: string, scheme: string, op: string): Form {
  const f = affordance(td, kind, name).forms.find((x) => x.href.startsWith(`${scheme}:`) && [x.op].flat().includes(op));
  if (!f) throw new Error(`${String(td.title)} ${kind}/${name}: no ${scheme} form for ${op}`);
  return f;
}

/** The clock the runtime sees: real time, or frozen so that the simulation stands still. */
class TestClock {
  private frozenAt: number | undefined;
  private offset = 0;
  readonly now = () => this.frozenAt ?? performance.now() - this.offset;
  freeze(): void {
    this.frozenAt ??= this.now();
  }
  thaw(): void {
    if (this.frozenAt === undefined) return;
    this.offset = performance.now() - this.frozenAt;
    this.frozenAt = undefined;
  }
}

function float32(registers: readonly number[]): number {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(registers[0] ?? 0, 0);
  buf.writeUInt16BE(registers[1] ?? 0, 2);
  return buf.readFloatBE(0);
}

async function exceptionOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { modbusCode?: number }).modbusCode;
  }
  return undefined;
}

describe("ordinary clients against the small site (external MQTT broker)", () => {
  const clock = new TestClock();
  let mosquitto: MosquittoBroker | undefined;
  let fallbackBroker: EmbeddedBroker | undefined;
  let runtime: SiteRuntime;
  const td = (name: string): JsonObject => {
    const thing = runtime.hosted(name);
    if (!thing) throw new Error(`no Thing ${name}`);
    return thing.td;
  };
  /** Stops the simulated time, after one tick brings the simulator up to the frozen instant. */
  const freezeSimulation = (): void => {
    clock.freeze();
    runtime.step();
  };
  const httpRead = async (name: string, property: string): Promise<unknown> => {
    const res = await fetch(formOf(td(name), "properties", property, "http", "readproperty").href);
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    const mosquittoPath = await findBinary("mosquitto");
    let mqttUrl: string;
    if (mosquittoPath) {
      mosquitto = await startMosquitto(mosquittoPath);
      mqttUrl = mosquitto.url;
    } else {
      if (process.env.CI) throw new Error("mosquitto not installed: required in CI (.ci/run installs it)");
      // Outside CI without Mosquitto the runtime still runs in external-broker mode, against aedes.
      fallbackBroker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
      mqttUrl = await fallbackBroker.start();
    }
    runtime = new SiteRuntime({
      site: await loadSite(SITE),
      speed: 20,
      host: "127.0.0.1",
      httpPort: 0,
      coapPort: 0,
      mqttUrl,
      mqttPort: 0,
      modbusPort: 0,
      gridMeterModbusPort: 0,
      tokens: new TokenTable([
        { token: OPERATOR, subject: "op", roles: ["operator"] },
        { token: READER, subject: "rd", roles: ["reader"] },
      ]),
      realNow: clock.now,
      gridMeter: startGridMeter,
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop();
    await mosquitto?.stop();
    await fallbackBroker?.stop();
  });

  it("runs in external-broker mode against the broker the test started", () => {
    expect(runtime.mqttUrl).toBe(mosquitto?.url ?? fallbackBroker?.url);
    expect(runtime.things.filter((t) => t.kind === "smart-meter")).toHaveLength(12);
  });

  describe("curl (HTTP)", () => {
    it("GETs a Thing's TD and a property through the URL in the TD's form", async (ctx) => {
      const bin = await requireBinary(ctx, "curl", "curl");
      const entry = runtime.things.find((t) => t.id === td("bess-north-2").id);
      const tdReply = await curl(bin, [entry!.tdUrl]);
      expect(tdReply.status).toBe(200);
      expect(tdReply.headers["content-type"]).toContain("application/td+json");
      const fetched = JSON.parse(tdReply.body) as JsonObject;
      expect(fetched.id).toBe(td("bess-north-2").id);
      const prop = await curl(bin, [formOf(fetched, "properties", "stateOfCharge", "http", "readproperty").href]);
      expect(prop.status).toBe(200);
      const soc = JSON.parse(prop.body) as number;
      expect(soc).toBeGreaterThanOrEqual(0);
      expect(soc).toBeLessThanOrEqual(100);
    });

    it("PUT of a power-changing property: 401 with WWW-Authenticate without a token, 403 for a reader, 204 for an operator", async (ctx) => {
      const bin = await requireBinary(ctx, "curl", "curl");
      const href = formOf(td("bess-north-2"), "properties", "target_output_kw", "http", "writeproperty").href;
      const put = (value: string, ...headers: string[]) => curl(bin, ["-X", "PUT", "-H", "content-type: application/json", ...headers.flatMap((h) => ["-H", h]), "--data-binary", value, href]);
      const before = await httpRead("bess-north-2", "target_output_kw");
      const anonymous = await put("25");
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(anonymous.headers["content-type"]).toContain("application/problem+json");
      const reader = await put("25", `authorization: Bearer ${READER}`);
      expect(reader.status).toBe(403);
      expect(await httpRead("bess-north-2", "target_output_kw")).toBe(before);
      const operator = await put("25", `authorization: Bearer ${OPERATOR}`);
      expect(operator.status).toBe(204);
      expect(await httpRead("bess-north-2", "target_output_kw")).toBe(25);
    });

    it("an out-of-range or wrongly typed value: 400 problem+json, state unchanged", async (ctx) => {
      const bin = await requireBinary(ctx, "curl", "curl");
      const href = formOf(td("bess-north-2"), "properties", "target_output_kw", "http", "writeproperty").href;
      const before = await httpRead("bess-north-2", "target_output_kw");
      for (const value of ["9999", '"ten"', "{bad"]) {
        const reply = await curl(bin, ["-X", "PUT", "-H", "content-type: application/json", "-H", `authorization: Bearer ${OPERATOR}`, "--data-binary", value, href]);
        expect(reply.status, value).toBe(400);
        expect(reply.headers["content-type"]).toContain("application/problem+json");
        const problem = JSON.parse(reply.body) as { status: number; code: string };
        expect(problem.status).toBe(400);
        expect(problem.code).toMatch(/^INPUT_/);
      }
      expect(await httpRead("bess-north-2", "target_output_kw")).toBe(before);
    });

    it("an unknown affordance or Thing: 404", async (ctx) => {
      const bin = await requireBinary(ctx, "curl", "curl");
      const known = formOf(td("bess-north-2"), "properties", "stateOfCharge", "http", "readproperty").href;
      expect((await curl(bin, [known.replace(/stateOfCharge$/, "noSuchProperty")])).status).toBe(404);
      expect((await curl(bin, [known.replace("/bess-north-2/", "/no-such-thing/")])).status).toBe(404);
    });
  });

  describe("coap-client (libcoap)", () => {
    it("GETs a property through the TD's CoAP form", async (ctx) => {
      const bin = await requireBinary(ctx, "libcoap3-bin", ...COAP_CLIENT);
      freezeSimulation();
      try {
        const href = formOf(td("pv-north-1"), "properties", "ratedPower", "coap", "readproperty").href;
        const run = await runClient(bin, ["-B", "5", "-m", "get", href]);
        expect(run.code).toBe(0);
        expect(run.stderr).not.toMatch(/\b[45]\.\d\d\b/);
        expect(JSON.parse(run.stdout)).toBe(await httpRead("pv-north-1", "ratedPower"));
        const soc = await runClient(bin, ["-B", "5", "-m", "get", formOf(td("bess-north-1"), "properties", "stateOfCharge", "coap", "readproperty").href]);
        expect(JSON.parse(soc.stdout)).toBe(await httpRead("bess-north-1", "stateOfCharge"));
      } finally {
        clock.thaw();
      }
    });

    it("PUT to a power-changing property: 4.01, state unchanged", async (ctx) => {
      const bin = await requireBinary(ctx, "libcoap3-bin", ...COAP_CLIENT);
      const read = formOf(td("bess-north-1"), "properties", "target_output_kw", "coap", "readproperty").href;
      const before = await httpRead("bess-north-1", "target_output_kw");
      const run = await runClient(bin, ["-B", "5", "-m", "put", "-t", "json", "-e", "42", read]);
      expect(`${run.stdout}\n${run.stderr}`).toMatch(/\b4\.01\b/);
      expect(`${run.stdout}\n${run.stderr}`).toContain("PROTOCOL_NOT_AUTHENTICATED");
      expect(await httpRead("bess-north-1", "target_output_kw")).toBe(before);
    });

    it("bad input (a value written to a read-only property, a malformed payload): 4.00", async (ctx) => {
      const bin = await requireBinary(ctx, "libcoap3-bin", ...COAP_CLIENT);
      const href = formOf(td("pv-north-1"), "properties", "ratedPower", "coap", "readproperty").href;
      const before = await httpRead("pv-north-1", "ratedPower");
      for (const payload of ["5", "{bad"]) {
        const run = await runClient(bin, ["-B", "5", "-m", "put", "-t", "json", "-e", payload, href]);
        expect(`${run.stdout}\n${run.stderr}`, payload).toMatch(/\b4\.00\b/);
      }
      expect(await httpRead("pv-north-1", "ratedPower")).toBe(before);
    });
  });

  describe("mosquitto_sub / mosquitto_pub (MQTT)", () => {
    it("receives a smart meter's readings on the topic of its TD's event form, valid against the event's data schema, sequence increasing", async (ctx) => {
      const bin = await requireBinary(ctx, "mosquitto-clients", "mosquitto_sub");
      const meter = td("meter-f-n1b-0001");
      const event = affordance(meter, "events", "reading");
      const form = formOf(meter, "events", "reading", "mqtt", "subscribeevent");
      const broker = new URL(form.href);
      const topic = decodeURIComponent(broker.pathname.slice(1));
      const run = await runClient(bin, ["-h", broker.hostname, "-p", broker.port, "-t", topic, "-q", "1", "-C", "3", "-W", "20"], 25_000);
      expect(run.code, run.stderr).toBe(0);
      const readings = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { meterId: string; sequence: number });
      expect(readings).toHaveLength(3);
      const ajv = new Ajv({ strict: false, allErrors: true });
      (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
      const validate = ajv.compile(event.data as object);
      for (const r of readings) {
        expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
        expect(r.meterId).toBe("meter-f-n1b-0001");
      }
      for (let i = 1; i < readings.length; i++) expect(readings[i]!.sequence).toBeGreaterThan(readings[i - 1]!.sequence);
      // The schema is strict enough to fail: a reading without its sequence is refused.
      const { sequence: _dropped, ...withoutSequence } = readings[0]!;
      expect(validate(withoutSequence)).toBe(false);
    });

    it("a malformed payload published to a property's write topic is rejected and counted, state unchanged", async (ctx) => {
      const bin = await requireBinary(ctx, "mosquitto-clients", "mosquitto_pub");
      const url = new URL(runtime.mqttUrl!);
      const battery = runtime.hosted("bess-south-1")!;
      const before = { rejected: battery.rejected.byProtocol.mqtt, target: await httpRead("bess-south-1", "target_output_kw") };
      // node-wot's MQTT server subscribes to <thing>/properties/<writable>/writeproperty for every
      // writable property; our guard refuses it (power-changing, and not offered over MQTT).
      const run = await runClient(bin, ["-h", url.hostname, "-p", url.port, "-q", "1", "-t", "bess-south-1/properties/target_output_kw/writeproperty", "-m", "{not json"]);
      expect(run.code, run.stderr).toBe(0);
      const deadline = Date.now() + 5000;
      while (battery.rejected.byProtocol.mqtt === before.rejected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(battery.rejected.byProtocol.mqtt).toBe(before.rejected + 1);
      expect(await httpRead("bess-south-1", "target_output_kw")).toBe(before.target);
    });
  });

  describe("Modbus TCP (mbpoll and the plain modbus-serial client)", () => {
    const registerProperties = ["stateOfCharge", "activePower", "max_discharge_power", "maxChargePower", "capacity", "target_output_kw"];

    it("the plain client reads the registers named in the TD's Modbus forms; each equals the HTTP value; a setpoint written over Modbus shows over HTTP", async () => {
      const bess = td("bess-north-1");
      const setpoint = parseModbusHref(formOf(bess, "properties", "target_output_kw", "modbus+tcp", "writeproperty").href);
      const client = await connectPlainClient(setpoint.host, setpoint.port, setpoint.unitId);
      try {
        const words = Buffer.alloc(4);
        words.writeFloatBE(-40, 0);
        await client.writeRegisters(setpoint.address, [words.readUInt16BE(0), words.readUInt16BE(2)]);
        expect(await httpRead("bess-north-1", "target_output_kw")).toBe(-40);
        await new Promise((r) => setTimeout(r, 1500)); // the battery charges for ~30 simulated seconds
        freezeSimulation();
        for (const name of registerProperties) {
          const form = parseModbusHref(formOf(bess, "properties", name, "modbus+tcp", "readproperty").href);
          expect(form.unitId).toBe(1);
          client.setID(form.unitId);
          const { data } = await client.readHoldingRegisters(form.address, form.quantity);
          expect(float32(data), name).toBeCloseTo((await httpRead("bess-north-1", name)) as number, 2);
        }
        expect(await httpRead("bess-north-1", "activePower")).toBeLessThan(0);
      } finally {
        clock.thaw();
        await closePlainClient(client);
      }
    });

    it("mbpoll reads the same values as HTTP at the addresses of the TD's forms", async (ctx) => {
      const bin = await requireBinary(ctx, "mbpoll", "mbpoll");
      const bess = td("bess-south-1");
      freezeSimulation();
      try {
        for (const name of ["stateOfCharge", "max_discharge_power", "capacity", "target_output_kw"]) {
          const form = parseModbusHref(formOf(bess, "properties", name, "modbus+tcp", "readproperty").href);
          const run = await runClient(bin, ["-m", "tcp", "-a", String(form.unitId), "-0", "-r", String(form.address), "-c", "1", "-t", "4:float", "-B", "-1", "-o", "2", "-p", String(form.port), form.host]);
          expect(run.code, run.stderr).toBe(0);
          const match = /\[(\d+)\]:\s+(\S+)/.exec(run.stdout);
          expect(match?.[1], name).toBe(String(form.address));
          expect(Number(match?.[2]), name).toBeCloseTo((await httpRead("bess-south-1", name)) as number, 1);
        }
      } finally {
        clock.thaw();
      }
    });

    it("an out-of-range setpoint: exception 03 (mbpoll and the plain client), state unchanged", async (ctx) => {
      const bess = td("bess-north-2");
      const form = parseModbusHref(formOf(bess, "properties", "target_output_kw", "modbus+tcp", "writeproperty").href);
      const maximum = affordance(bess, "properties", "target_output_kw").maximum as number;
      const before = await httpRead("bess-north-2", "target_output_kw");
      const client = await connectPlainClient(form.host, form.port, form.unitId);
      try {
        const words = Buffer.alloc(4);
        words.writeFloatBE(maximum + 1, 0);
        expect(await exceptionOf(client.writeRegisters(form.address, [words.readUInt16BE(0), words.readUInt16BE(2)]))).toBe(3);
      } finally {
        await closePlainClient(client);
      }
      expect(await httpRead("bess-north-2", "target_output_kw")).toBe(before);
      const bin = await requireBinary(ctx, "mbpoll", "mbpoll");
      const run = await runClient(bin, ["-m", "tcp", "-a", String(form.unitId), "-0", "-r", String(form.address), "-t", "4:float", "-B", "-o", "2", "-p", String(form.port), form.host, "--", String(maximum * 10)]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/Illegal data value/i);
      expect(await httpRead("bess-north-2", "target_output_kw")).toBe(before);
    });
  });
});
