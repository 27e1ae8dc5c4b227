import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { modbusError } from "../../src/modbus/errors.ts";
import { findRegister, parseRegisterMap, type RegisterMap } from "../../src/modbus/register-map.ts";
import { loadRegisterMap } from "../../src/modbus/register-map-file.ts";
import { decodeRegister, encodeRegister } from "../../src/modbus/register-codec.ts";
import { MODBUS_EXCEPTION, ModbusRegisterServer, type RegisterProvider } from "../../src/modbus/register-server.ts";
import { closePlainClient as closeClient, connectPlainClient, type PlainModbusClient } from "../../src/modbus/plain-client.ts";

/** A provider over a plain record of vendor values, recording writes. */
function recordProvider(map: RegisterMap, values: Record<string, number>): RegisterProvider & { values: Record<string, number>; writes: string[]; fail?: string; down?: boolean } {
  const provider = {
    map,
    values,
    writes: [] as string[],
    fail: undefined as string | undefined,
    down: false,
    read(name: string): number {
      if (name === provider.fail) throw new Error("sensor broken");
      const value = provider.values[name];
      if (value === undefined) throw new Error(`no value for ${name}`);
      return value;
    },
    write(name: string, value: number): void {
      if (name === "ActivePowerSetpoint" && Math.abs(value) > 200) throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", "beyond the battery rating");
      provider.writes.push(name);
      provider.values[name] = value;
    },
    available(): boolean {
      return !provider.down;
    },
  };
  return provider;
}

function connect(port: number, unit: number): Promise<PlainModbusClient> {
  return connectPlainClient("127.0.0.1", port, unit);
}

async function exceptionOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { modbusCode?: number }).modbusCode;
  }
  return undefined;
}

describe("ModbusRegisterServer with the plain modbus-serial client", () => {
  let sdm: RegisterMap;
  let bess: RegisterMap;
  let meter: ReturnType<typeof recordProvider>;
  let battery: ReturnType<typeof recordProvider>;
  let server: ModbusRegisterServer;
  let client: PlainModbusClient;

  beforeAll(async () => {
    sdm = await loadRegisterMap("sdm630.map.json");
    bess = await loadRegisterMap("bess-sunspec.map.json");
    meter = recordProvider(sdm, Object.fromEntries(sdm.registers.map((r, i) => [r.name, 100 + i + 0.25])));
    meter.values.Phase1Power = -15000;
    battery = recordProvider(bess, {
      StateOfCharge: 70.5, ActivePower: -1250.5, MaxDischargePower: 200000, MaxChargePower: 150000, EnergyCapacity: 400000,
      OperatingState: 3, FaultCode: 0, Timestamp: 1782036000, ActivePowerSetpoint: 0, DroopEnabled: 0, DroopDeadband: 0.02, DroopPercent: 5,
    });
    server = new ModbusRegisterServer({ port: 0, units: { 1: meter, 7: battery } });
    await server.start();
    client = await connect(server.port, 1);
  });

  afterAll(async () => {
    await closeClient(client);
    await server.stop();
  });

  afterEach(() => {
    meter.fail = undefined;
    meter.down = false;
    client.setID(1);
  });

  it("binds a real port when asked for port 0", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.port).not.toBe(502);
  });

  it("reads every SDM630 register as float32 big-endian, matching the provider", async () => {
    for (const register of sdm.registers) {
      const { data } = await client.readInputRegisters(register.address, 2);
      expect(decodeRegister(register, data), register.name).toBe(Math.fround(meter.values[register.name] as number));
    }
  });

  it("reads a block spanning several registers in one request", async () => {
    const { data } = await client.readInputRegisters(0, 18);
    expect(data).toHaveLength(18);
    expect(decodeRegister(findRegister(sdm, "Phase1Power"), data, 12)).toBe(-15000);
  });

  it("answers exception 02 for an unmapped address and for a block running into a gap", async () => {
    expect(await exceptionOf(client.readInputRegisters(18, 2))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    expect(await exceptionOf(client.readInputRegisters(16, 4))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    expect(await exceptionOf(client.readHoldingRegisters(0, 2))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS);
  });

  it("answers exception 04 when the provider throws, 0B while it reports a dropout, 0A for a unit it does not serve", async () => {
    meter.fail = "TotalSystemPower";
    expect(await exceptionOf(client.readInputRegisters(52, 2))).toBe(MODBUS_EXCEPTION.SERVER_DEVICE_FAILURE);
    meter.fail = undefined;
    meter.down = true;
    expect(await exceptionOf(client.readInputRegisters(52, 2))).toBe(MODBUS_EXCEPTION.GATEWAY_TARGET_FAILED);
    meter.down = false;
    client.setID(9);
    expect(await exceptionOf(client.readInputRegisters(52, 2))).toBe(MODBUS_EXCEPTION.GATEWAY_PATH_UNAVAILABLE);
  });

  it("serves the BESS unit on the same port: constants and telemetry", async () => {
    client.setID(7);
    const { data } = await client.readHoldingRegisters(40000, 4);
    expect(decodeRegister(findRegister(bess, "SunSpecId"), data)).toBe(0x53756e53);
    expect(Buffer.from(data.flatMap((w: number) => [w >> 8, w & 0xff])).subarray(0, 4).toString("latin1")).toBe("SunS");
    expect(data[2]).toBe(802);
    const soc = await client.readHoldingRegisters(40004, 2);
    expect(decodeRegister(findRegister(bess, "StateOfCharge"), soc.data)).toBeCloseTo(70.5, 6);
  });

  it("writes a float32 setpoint with FC16 and reads it back", async () => {
    client.setID(7);
    const register = findRegister(bess, "ActivePowerSetpoint");
    await client.writeRegisters(register.address, encodeRegister(register, 120.5));
    expect(battery.values.ActivePowerSetpoint).toBe(120.5);
    const { data } = await client.readHoldingRegisters(register.address, 2);
    expect(decodeRegister(register, data)).toBe(120.5);
  });

  it("answers 03 for an out-of-range write, a write to a read-only register and a value the device refuses; state unchanged", async () => {
    client.setID(7);
    const before = { ...battery.values };
    const setpoint = findRegister(bess, "ActivePowerSetpoint");
    expect(await exceptionOf(client.writeRegisters(setpoint.address, encodeRegister(setpoint, 20000)))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(await exceptionOf(client.writeRegisters(setpoint.address, encodeRegister(setpoint, 250)))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(await exceptionOf(client.writeRegisters(setpoint.address, [0x7fc0, 0x0000]))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    const soc = findRegister(bess, "StateOfCharge");
    expect(await exceptionOf(client.writeRegister(soc.address, 500))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    const droop = findRegister(bess, "DroopEnabled");
    expect(await exceptionOf(client.writeRegister(droop.address, 2))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(await exceptionOf(client.writeRegister(39000, 1))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    expect(battery.values).toEqual(before);
  });

  it("applies a float32 FC16 write whole or not at all: half a register is refused", async () => {
    client.setID(7);
    const before = { ...battery.values };
    const writesBefore = battery.writes.length;
    const setpoint = findRegister(bess, "ActivePowerSetpoint");
    const [high] = encodeRegister(setpoint, 99);
    expect(await exceptionOf(client.writeRegisters(setpoint.address, [high as number]))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(await exceptionOf(client.writeRegister(setpoint.address, high as number))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(await exceptionOf(client.writeRegisters(setpoint.address + 1, [0, 1]))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    // A block whose second register is out of range: the first (valid) one is not applied either.
    const droopDeadband = findRegister(bess, "DroopDeadband");
    const droopPercent = findRegister(bess, "DroopPercent");
    const block = [...encodeRegister(droopDeadband, 0.5), ...encodeRegister(droopPercent, 99)];
    expect(await exceptionOf(client.writeRegisters(droopDeadband.address, block))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
    expect(battery.values).toEqual(before);
    expect(battery.writes.length).toBe(writesBefore);
  });

  it("writes a block of several registers when every one is valid", async () => {
    client.setID(7);
    const enabled = findRegister(bess, "DroopEnabled");
    const block = [...encodeRegister(enabled, 1), ...encodeRegister(findRegister(bess, "DroopDeadband"), 0.05), ...encodeRegister(findRegister(bess, "DroopPercent"), 4)];
    await client.writeRegisters(enabled.address, block);
    expect(battery.values.DroopEnabled).toBe(1);
    expect(battery.values.DroopDeadband).toBeCloseTo(0.05, 6);
    expect(battery.values.DroopPercent).toBe(4);
  });

  it("counts requests and exceptions", () => {
    expect(server.stats.requests).toBeGreaterThan(10);
    expect(server.stats.exceptions).toBeGreaterThan(5);
  });
});

describe("ModbusRegisterServer configuration and lifecycle", () => {
  const map = parseRegisterMap({
    id: "tiny", title: "tiny", datasheetNumbering: "one-based", signConvention: {},
    registers: [{ name: "X", address: 0, datasheetAddress: 1, source: "t", table: "holding", type: "int16", wordOrder: "high-first", unit: "", scale: 1 }],
  });
  const provider: RegisterProvider = { map, read: () => 1 };

  it.each([
    ["no unit", { units: {} }, "at least one unit"],
    ["unit 0", { units: { 0: provider } }, "unit id 0"],
    ["unit 300", { units: { 300: provider } }, "unit id 300"],
    ["a negative port", { units: { 1: provider }, port: -1 }, "port -1"],
    ["a fractional port", { units: { 1: provider }, port: 1.5 }, "port 1.5"],
  ])("rejects %s", (_label, options, message) => {
    expect(() => new ModbusRegisterServer(options)).toThrow(expect.objectContaining({ code: "MODBUS_SERVER_CONFIG_INVALID", message: expect.stringContaining(message) }));
  });

  it("reports port only while started, fails to start on a taken port, and stops cleanly", async () => {
    const a = new ModbusRegisterServer({ units: { 1: provider } });
    expect(() => a.port).toThrow(/not started/);
    await a.start();
    const b = new ModbusRegisterServer({ units: { 1: provider }, port: a.port });
    await expect(b.start()).rejects.toMatchObject({ code: "MODBUS_SERVER_START_FAILED" });
    const first = a.port;
    await a.stop();
    await a.stop();
    expect(() => a.port).toThrow(/not started/);
    await a.start();
    expect(a.port).toBe(first);
    await a.stop();
  });

  it("a write to a device without a write hook answers 03", async () => {
    const s = new ModbusRegisterServer({ units: { 1: { map: parseRegisterMap({ ...JSON.parse(JSON.stringify(map)), registers: [{ ...map.registers[0], writable: { minimum: 0, maximum: 10 } }] }), read: () => 1 } } });
    await s.start();
    const c = await connect(s.port, 1);
    try {
      expect(await exceptionOf(c.writeRegister(0, 5))).toBe(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE);
      expect((await c.readHoldingRegisters(0, 1)).data).toEqual([1]);
    } finally {
      await closeClient(c);
      await s.stop();
    }
  });
});
