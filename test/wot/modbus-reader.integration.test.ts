import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { loadRegisterMap } from "../../src/modbus/register-map-file.ts";
import { findRegister, parseRegisterMap, type RegisterMap } from "../../src/modbus/register-map.ts";
import { decodeRegister } from "../../src/modbus/register-codec.ts";
import { ModbusRegisterServer, type RegisterProvider } from "../../src/modbus/register-server.ts";
import { closePlainClient, connectPlainClient } from "../../src/modbus/plain-client.ts";
import { modbusError } from "../../src/modbus/errors.ts";
import { modbusDeviceTd } from "../../src/wot/modbus-forms.ts";
import { ModbusTdReader, type ModbusDevice } from "../../src/wot/modbus-reader.ts";
import { describeModbusFailure } from "../../src/wot/modbus-faults.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

function valuesProvider(map: RegisterMap, values: Record<string, number>): RegisterProvider & { values: Record<string, number>; down: boolean } {
  const p = {
    map,
    values,
    down: false,
    read: (name: string) => {
      const v = p.values[name];
      if (v === undefined) throw new Error(`no ${name}`);
      return v;
    },
    write: (name: string, value: number) => {
      if (name === "ActivePowerSetpoint" && Math.abs(value) > 200) throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", "beyond rating");
      p.values[name] = value;
    },
    available: () => !p.down,
  };
  return p;
}

/** Registers of other types and word orders than the SDM630 and BESS maps use. */
const mixedMap = parseRegisterMap({
  id: "mixed",
  title: "mixed types",
  datasheetNumbering: "modicon",
  signConvention: {},
  registers: [
    { name: "Temperature", address: 0, datasheetAddress: 40001, source: "t", table: "holding", type: "int16", wordOrder: "high-first", unit: "Cel", scale: 0.1 },
    { name: "Counter", address: 1, datasheetAddress: 40002, source: "t", table: "holding", type: "uint32", wordOrder: "low-first", unit: "", scale: 1 },
    { name: "Offset", address: 3, datasheetAddress: 40004, source: "t", table: "holding", type: "int32", wordOrder: "low-first", unit: "W", scale: 1, writable: { minimum: -100000, maximum: 100000 } },
    { name: "Gain", address: 5, datasheetAddress: 40006, source: "t", table: "holding", type: "float32", wordOrder: "low-first", unit: "", scale: 1, writable: { minimum: 0, maximum: 10 } },
  ],
});

function mbpoll(args: string[]): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile("mbpoll", args, { timeout: 10_000 }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") resolve(undefined);
      else if (error) reject(error);
      else resolve(stdout);
    });
  });
}

describe("node-wot's Modbus client over the TD forms", () => {
  let sdm: RegisterMap;
  let bess: RegisterMap;
  let meter: ReturnType<typeof valuesProvider>;
  let battery: ReturnType<typeof valuesProvider>;
  let mixed: ReturnType<typeof valuesProvider>;
  let server: ModbusRegisterServer;
  let reader: ModbusTdReader;
  let meterTd: JsonObject;
  let meterDevice: ModbusDevice;
  let bessDevice: ModbusDevice;
  let mixedDevice: ModbusDevice;

  beforeAll(async () => {
    sdm = await loadRegisterMap("sdm630.map.json");
    bess = await loadRegisterMap("bess-sunspec.map.json");
    meter = valuesProvider(sdm, Object.fromEntries(sdm.registers.map((r, i) => [r.name, (i - 10) * 1234.5])));
    battery = valuesProvider(bess, {
      StateOfCharge: 70.5, ActivePower: -1250.5, MaxDischargePower: 200000, MaxChargePower: 150000, EnergyCapacity: 400000,
      OperatingState: 3, FaultCode: 0x80000001, Timestamp: 1782036000, ActivePowerSetpoint: 0, DroopEnabled: 0, DroopDeadband: 0.02, DroopPercent: 5,
    });
    mixed = valuesProvider(mixedMap, { Temperature: -12.3, Counter: 3_000_000_000, Offset: -70000, Gain: 1.5 });
    server = new ModbusRegisterServer({ port: 0, units: { 1: meter, 2: battery, 3: mixed } });
    await server.start();
    reader = new ModbusTdReader({ timeoutMs: 2000 });
    await reader.start();
    const at = (unitId: number) => ({ host: "127.0.0.1", port: server.port, unitId });
    meterTd = modbusDeviceTd(sdm, at(1), { id: "urn:test:sdm", title: "sdm" });
    meterDevice = await reader.consume(meterTd, sdm);
    bessDevice = await reader.consume(modbusDeviceTd(bess, at(2), { id: "urn:test:bess", title: "bess" }), bess);
    mixedDevice = await reader.consume(modbusDeviceTd(mixedMap, at(3), { id: "urn:test:mixed", title: "mixed" }), mixedMap);
  });

  afterAll(async () => {
    await reader.stop();
    await server.stop();
  });

  it("reads every SDM630 register (decoded per map) with the provider's value", async () => {
    const { values, failures } = await meterDevice.readRegisters();
    expect(failures).toEqual({});
    for (const r of sdm.registers) expect(values[r.name], r.name).toBe(Math.fround(meter.values[r.name] as number));
  });

  it("node-wot's own codec reads the same float32 from the form's content type", async () => {
    const output = await meterDevice.thing.readProperty("TotalSystemPower");
    expect(await output.value()).toBe(Math.fround(meter.values.TotalSystemPower as number));
  });

  it("decodes scaled int16, uint32 and low-word-first registers that node-wot reads raw", async () => {
    const { values, failures } = await mixedDevice.readRegisters();
    expect(failures).toEqual({});
    expect(values.Temperature).toBeCloseTo(-12.3, 10);
    expect(values.Counter).toBe(3_000_000_000);
    expect(values.Offset).toBe(-70000);
    expect(values.Gain).toBe(1.5);
    // node-wot itself honours length/signed/byteSeq but not the scale: raw -123 for -12.3 °C.
    expect(await (await mixedDevice.thing.readProperty("Temperature")).value()).toBe(-123);
    expect(await (await mixedDevice.thing.readProperty("Counter")).value()).toBe(3_000_000_000);
  });

  it("writes through node-wot: float32 setpoint, uint16 flag, low-word-first int32 and float32", async () => {
    await bessDevice.writeRegister("ActivePowerSetpoint", -120.25);
    await bessDevice.writeRegister("DroopEnabled", 1);
    expect(battery.values.ActivePowerSetpoint).toBe(-120.25);
    expect(battery.values.DroopEnabled).toBe(1);
    expect(await bessDevice.readRegister("ActivePowerSetpoint")).toBe(-120.25);
    await mixedDevice.writeRegister("Offset", -99999);
    await mixedDevice.writeRegister("Gain", 2.5);
    expect(mixed.values.Offset).toBe(-99999);
    expect(mixed.values.Gain).toBe(2.5);
  });

  it("fault 3: node-wot's encoder drops the word swap on writes; writeRegister sends the map's words", async () => {
    mixed.values.Gain = 1.5;
    // Through node-wot's own codec the words of 2.5 arrive exchanged: the server decodes another number.
    await mixedDevice.thing.writeProperty("Gain", 2.5).catch(() => undefined);
    expect(mixed.values.Gain).not.toBe(2.5);
    await mixedDevice.writeRegister("Gain", 2.5);
    expect(mixed.values.Gain).toBe(2.5);
  });

  it("a refused write surfaces as MODBUS_WRITE_FAILED with exception 03; the value is unchanged", async () => {
    const before = battery.values.ActivePowerSetpoint;
    await expect(bessDevice.writeRegister("ActivePowerSetpoint", 500)).rejects.toMatchObject({ code: "MODBUS_WRITE_FAILED", details: { modbusCode: 3 } });
    expect(battery.values.ActivePowerSetpoint).toBe(before);
  });

  it("reads BESS telemetry including uint32 fault bits", async () => {
    const { values } = await bessDevice.readRegisters(["SunSpecId", "StateOfCharge", "FaultCode", "Timestamp", "OperatingState"]);
    expect(values).toEqual({ SunSpecId: 0x53756e53, StateOfCharge: 70.5, FaultCode: 0x80000001, Timestamp: 1782036000, OperatingState: 3 });
  });

  it("a device dropout arrives as exception 0B and keeps its code", async () => {
    meter.down = true;
    try {
      await expect(meterDevice.readRegister("TotalSystemPower")).rejects.toMatchObject({ code: "MODBUS_READ_FAILED", details: { kind: "exception", modbusCode: 11 } });
      const { values, failures } = await meterDevice.readRegisters(["TotalSystemPower", "Phase1Power"]);
      expect(values).toEqual({});
      expect(failures.TotalSystemPower?.modbusCode).toBe(11);
    } finally {
      meter.down = false;
    }
  });

  it("consume refuses a TD that lacks a Modbus read form for a register of the map", async () => {
    const td = structuredClone(meterTd) as { properties: Record<string, { forms: unknown[] }> };
    td.properties.Phase2Power!.forms = [];
    delete (td.properties as Record<string, unknown>).Phase3Power;
    await expect(reader.consume(td as unknown as JsonObject, sdm)).rejects.toMatchObject({ code: "MODBUS_FORM_MISSING", details: { missing: ["Phase2Power", "Phase3Power"] } });
  });

  it("an unknown register name is refused before any I/O", async () => {
    await expect(meterDevice.readRegister("Nope")).rejects.toMatchObject({ code: "MODBUS_REGISTER_UNKNOWN" });
    await expect(bessDevice.writeRegister("DroopEnabled", 70000)).rejects.toMatchObject({ code: "MODBUS_VALUE_OUT_OF_RANGE" });
  });

  it("the plain modbus-serial client reads the registers named in the TD's forms with the same values", async () => {
    const client = await connectPlainClient("127.0.0.1", server.port, 1);
    try {
      const properties = meterTd.properties as Record<string, { forms: Array<{ href: string; op: string }> }>;
      for (const [name, property] of Object.entries(properties)) {
        const url = new URL(property.forms[0]!.href);
        const [, unit, address] = url.pathname.split("/");
        expect(Number(unit)).toBe(1);
        const { data } = await client.readInputRegisters(Number(address), Number(url.searchParams.get("quantity")));
        expect(decodeRegister(findRegister(sdm, name), data), name).toBe(await meterDevice.readRegister(name));
      }
    } finally {
      await closePlainClient(client);
    }
  });

  it("mbpoll reads the same float32 values (skipped only when mbpoll is absent outside CI)", async (ctx) => {
    const register = findRegister(sdm, "Phase1Power");
    const out = await mbpoll(["-m", "tcp", "-a", "1", "-0", "-r", String(register.address), "-c", "1", "-t", "3:float", "-B", "-1", "-o", "2", "-p", String(server.port), "127.0.0.1"]);
    if (out === undefined) {
      if (process.env.CI) throw new Error("mbpoll is required in CI (apt-get install -y mbpoll)");
      ctx.skip();
      return;
    }
    const match = /\[(\d+)\]:\s+(\S+)/.exec(out);
    expect(match?.[1]).toBe(String(register.address));
    expect(Number(match?.[2])).toBeCloseTo(await meterDevice.readRegister("Phase1Power"), 1);
  });
});

describe("node-wot Modbus client faults, handled", () => {
  it("fault 1: a dead device fails the read fast, and the next read after it is back succeeds", async () => {
    const sdm = await loadRegisterMap("sdm630.map.json");
    const provider: RegisterProvider = { map: sdm, read: () => 42 };
    let server = new ModbusRegisterServer({ units: { 1: provider } });
    await server.start();
    const port = server.port;
    const reader = new ModbusTdReader({ timeoutMs: 3000 });
    await reader.start();
    try {
      const device = await reader.consume(modbusDeviceTd(sdm, { host: "127.0.0.1", port, unitId: 1 }, { id: "urn:test:dead", title: "dead" }), sdm);
      expect(await device.readRegister("TotalSystemPower")).toBe(42);
      await server.stop();
      // The first read may hit the half-closed socket; then the connection attempt fails at once
      // (without the tuning, node-wot retries for 40 s and this read would time out).
      await device.readRegister("TotalSystemPower").catch(() => undefined);
      await expect(device.readRegister("TotalSystemPower")).rejects.toMatchObject({ code: "MODBUS_READ_FAILED", details: { kind: "connection" } });
      server = new ModbusRegisterServer({ units: { 1: provider }, port });
      await server.start();
      // Without the tuning node-wot waits 10 s before reconnecting: the 3 s limit would fail this read.
      expect(await device.readRegister("TotalSystemPower")).toBe(42);
    } finally {
      await reader.stop();
      await server.stop();
    }
  });

  it("fault 2: failures that node-wot turned into JSON text are classified again", () => {
    expect(describeModbusFailure(new Error(JSON.stringify({ name: "TransactionTimedOutError", message: "Timed out", errno: "ETIMEDOUT" })))).toMatchObject({ kind: "timeout", message: "Timed out" });
    expect(describeModbusFailure(new Error("Max connection retries"))).toMatchObject({ kind: "connection" });
    expect(describeModbusFailure(Object.assign(new Error("Modbus exception 4"), { modbusCode: 4 }))).toMatchObject({ kind: "exception", modbusCode: 4 });
    expect(describeModbusFailure(new Error("{not json"))).toMatchObject({ kind: "other" });
    expect(describeModbusFailure("text")).toMatchObject({ kind: "other", message: "text" });
  });
});
