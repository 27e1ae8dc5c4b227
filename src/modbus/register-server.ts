/**
 * A Modbus TCP server (modbus-serial `ServerTCP`) driven by register maps. Several unit ids, each a
 * provider `{map, read, write?}` that speaks vendor values by register name; the server encodes
 * and decodes words per map and answers Modbus exceptions:
 *   02 illegal data address — an address no register of the unit's map covers;
 *   03 illegal data value   — quantity 0 or > 125/123, a write to a read-only register, a value
 *                             outside the writable limits, a write that splits a 32-bit register;
 *   04 server device failure — the provider threw while reading, or failed while writing;
 *   0A gateway path unavailable — a unit id the server does not serve;
 *   0B gateway target failed to respond — the provider says its data is unavailable (telemetry
 *                             dropout), as a gateway answers when the meter behind it is silent.
 * A multi-register write (FC16) is checked whole before anything is applied.
 */
import { ServerTCP, type IServiceVector } from "modbus-serial";
import type { AddressInfo } from "node:net";
import { isCodedError } from "../errors/coded-error.ts";
import { logger } from "../log/logger.ts";
import { modbusError } from "./errors.ts";
import { checkWritable, wordCount, type RegisterMap, type RegisterSpec, type RegisterTable } from "./register-map.ts";
import { decodeRegister, encodeRegister } from "./register-codec.ts";

const log = logger("modbus.server");

export interface RegisterProvider {
  map: RegisterMap;
  /** Current vendor value (vendor unit and sign) of a register. Throw to answer exception 04. */
  read(registerName: string): number;
  /** Apply a checked vendor value. Throw a CodedError with a 4xx status to answer 03, anything else answers 04. */
  write?(registerName: string, value: number): void | Promise<void>;
  /** False while the device has no fresh data (telemetry dropout): reads answer exception 0B. */
  available?(): boolean;
}

export interface ModbusRegisterServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; see `port` once started). */
  port?: number;
  /** Unit id (1..247) → provider. */
  units: ReadonlyMap<number, RegisterProvider> | Record<number, RegisterProvider>;
}

export interface ModbusServerStats {
  requests: number;
  exceptions: number;
  reads: number;
  writes: number;
}

export const MODBUS_EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** What modbus-serial's server turns into an exception response (it reads `modbusErrorCode`). */
class ModbusException extends Error {
  readonly modbusErrorCode: number;
  constructor(code: number, message: string) {
    super(message);
    this.modbusErrorCode = code;
  }
}

interface Slot {
  register: RegisterSpec;
  /** Which word of the register this address holds (0 or 1). */
  word: number;
}

interface Unit {
  id: number;
  provider: RegisterProvider;
  input: Map<number, Slot>;
  holding: Map<number, Slot>;
  constants: Map<string, number[]>;
}

function indexUnit(id: number, provider: RegisterProvider): Unit {
  const unit: Unit = { id, provider, input: new Map(), holding: new Map(), constants: new Map() };
  for (const register of provider.map.registers) {
    const table = unit[register.table];
    for (let word = 0; word < wordCount(register.type); word++) table.set(register.address + word, { register, word });
    if (register.constant !== undefined) unit.constants.set(register.name, encodeRegister(register, register.constant));
  }
  return unit;
}

export class ModbusRegisterServer {
  private readonly host: string;
  /** After the first start, the bound port: a restarted server comes back where its TD points. */
  private requestedPort: number;
  private readonly units = new Map<number, Unit>();
  private server: ServerTCP | undefined;
  private boundPort: number | undefined;
  readonly stats: ModbusServerStats = { requests: 0, exceptions: 0, reads: 0, writes: 0 };

  constructor(options: ModbusRegisterServerOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.requestedPort = options.port ?? 0;
    if (!Number.isInteger(this.requestedPort) || this.requestedPort < 0 || this.requestedPort > 65535) {
      throw modbusError("MODBUS_SERVER_CONFIG_INVALID", `port ${this.requestedPort} is not 0..65535`);
    }
    const entries = options.units instanceof Map ? [...options.units.entries()] : Object.entries(options.units).map(([k, v]) => [Number(k), v] as const);
    if (entries.length === 0) throw modbusError("MODBUS_SERVER_CONFIG_INVALID", "a Modbus server needs at least one unit");
    for (const [id, provider] of entries) {
      if (!Number.isInteger(id) || id < 1 || id > 247) throw modbusError("MODBUS_SERVER_CONFIG_INVALID", `unit id ${id} is not 1..247`);
      this.units.set(id, indexUnit(id, provider));
    }
  }

  /** The bound port once started (the real one when 0 was asked). */
  get port(): number {
    if (this.boundPort === undefined) throw modbusError("MODBUS_SERVER_CONFIG_INVALID", "the Modbus server is not started");
    return this.boundPort;
  }

  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  async start(): Promise<void> {
    if (this.server) return;
    const vector = this.vector();
    // modbus-serial does `options.port || 502`, so port 0 must be passed as the string "0" (net accepts it).
    const port = (this.requestedPort === 0 ? "0" : this.requestedPort) as number;
    const server = new ServerTCP(vector, { host: this.host, port, unitID: 255 });
    await new Promise<void>((resolve, reject) => {
      server.once("initialized", () => resolve());
      server.once("serverError", (err: Error | null) =>
        reject(modbusError("MODBUS_SERVER_START_FAILED", `cannot listen on ${this.host}:${this.requestedPort}: ${err?.message ?? "unknown"}`)),
      );
    });
    server.on("socketError", (err: Error | null) => log.debug({ err: err?.message }, "socket error"));
    server.on("serverError", (err: Error | null) => log.warn({ err: err?.message }, "server error"));
    this.server = server;
    const address = (server as unknown as { _server: { address(): AddressInfo } })._server.address();
    this.boundPort = address.port;
    this.requestedPort = address.port;
    log.info({ host: this.host, port: this.boundPort, units: [...this.units.keys()] }, "Modbus TCP server listening");
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.boundPort = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.removeAllListeners();
  }

  private vector(): IServiceVector {
    // Arities matter: modbus-serial picks callback style when a function declares one more parameter.
    return {
      getInputRegister: (addr: number, unitId: number) => this.readWords(unitId, "input", addr, 1)[0] as number,
      getMultipleInputRegisters: (addr: number, length: number, unitId: number) => this.readWords(unitId, "input", addr, length),
      getHoldingRegister: (addr: number, unitId: number) => this.readWords(unitId, "holding", addr, 1)[0] as number,
      getMultipleHoldingRegisters: (addr: number, length: number, unitId: number) => this.readWords(unitId, "holding", addr, length),
      setRegister: (addr: number, value: number, unitId: number) => this.writeWords(unitId, addr, [value]),
      setRegisterArray: (addr: number, values: number[], unitId: number) => this.writeWords(unitId, addr, values),
    };
  }

  private fail(code: number, message: string): ModbusException {
    this.stats.exceptions++;
    return new ModbusException(code, message);
  }

  private unit(unitId: number): Unit {
    const unit = this.units.get(unitId);
    if (!unit) throw this.fail(MODBUS_EXCEPTION.GATEWAY_PATH_UNAVAILABLE, `unit ${unitId} is not served`);
    return unit;
  }

  private readWords(unitId: number, table: RegisterTable, address: number, length: number): number[] {
    this.stats.requests++;
    this.stats.reads++;
    const unit = this.unit(unitId);
    if (length < 1 || length > 125) throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `quantity ${length} is not 1..125`);
    if (unit.provider.available && !unit.provider.available()) {
      throw this.fail(MODBUS_EXCEPTION.GATEWAY_TARGET_FAILED, `unit ${unitId}: no fresh data (dropout)`);
    }
    const index = unit[table];
    const out = new Array<number>(length);
    let i = 0;
    while (i < length) {
      const slot = index.get(address + i);
      if (!slot) throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `unit ${unitId}: no ${table} register at ${address + i}`);
      const words = this.currentWords(unit, slot.register);
      for (let w = slot.word; w < words.length && i < length; w++, i++) out[i] = words[w] as number;
    }
    return out;
  }

  private currentWords(unit: Unit, register: RegisterSpec): number[] {
    const constant = unit.constants.get(register.name);
    if (constant) return constant;
    try {
      return encodeRegister(register, unit.provider.read(register.name));
    } catch (err) {
      log.debug({ unit: unit.id, register: register.name, err: (err as Error).message }, "read failed");
      throw this.fail(MODBUS_EXCEPTION.SERVER_DEVICE_FAILURE, `unit ${unit.id}: reading ${register.name} failed`);
    }
  }

  private async writeWords(unitId: number, address: number, words: number[]): Promise<void> {
    this.stats.requests++;
    this.stats.writes++;
    const unit = this.unit(unitId);
    if (words.length < 1 || words.length > 123) throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `quantity ${words.length} is not 1..123`);
    // Check every register first, then apply: a refused write changes nothing.
    const planned: Array<{ register: RegisterSpec; value: number }> = [];
    let i = 0;
    while (i < words.length) {
      const slot = unit.holding.get(address + i);
      if (!slot) throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `unit ${unitId}: no holding register at ${address + i}`);
      const count = wordCount(slot.register.type);
      if (slot.word !== 0 || i + count > words.length) {
        throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `unit ${unitId}: write splits the ${count}-word register ${slot.register.name}`);
      }
      const value = decodeRegister(slot.register, words, i);
      try {
        checkWritable(slot.register, value);
      } catch (err) {
        throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `unit ${unitId}: ${(err as Error).message}`);
      }
      planned.push({ register: slot.register, value });
      i += count;
    }
    const write = unit.provider.write;
    if (!write) throw this.fail(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `unit ${unitId}: the device takes no writes`);
    for (const { register, value } of planned) {
      try {
        await write.call(unit.provider, register.name, value);
      } catch (err) {
        const refused = isCodedError(err) && err.status >= 400 && err.status < 500;
        log.debug({ unit: unitId, register: register.name, value, err: (err as Error).message }, "write refused");
        throw this.fail(refused ? MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE : MODBUS_EXCEPTION.SERVER_DEVICE_FAILURE, `unit ${unitId}: ${(err as Error).message}`);
      }
    }
  }
}
