/**
 * Consumes a Modbus device through its TD with node-wot's Modbus client, with a time limit on
 * every call. node-wot does not scale or convert: we take the raw bytes of each read
 * (`InteractionOutput.arrayBuffer()`) and decode them per register map (type, word order, scale);
 * conversion to standard channels (units, signs) is `toStandard` of the map.
 */
import { CodedError } from "../errors/coded-error.ts";
import { modbusError } from "../modbus/errors.ts";
import { decodeRegisterBytes, encodeRegister } from "../modbus/register-codec.ts";
import { findRegister, type RegisterMap } from "../modbus/register-map.ts";
import { core, modbus, type Servient } from "./node-wot.ts";
import { describeModbusFailure, rawInteractionInput, tuneNodeWotModbusRetries, type ModbusFailure } from "./modbus-faults.ts";
import type { JsonObject } from "./published-td.ts";

export interface ModbusReaderOptions {
  /** Milliseconds each read or write may take (default 2000). */
  timeoutMs?: number;
}

export interface RegisterReadResult {
  /** Vendor values of the registers that were read. */
  values: Record<string, number>;
  /** Registers whose read failed, with why. */
  failures: Record<string, ModbusFailure>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(modbusError("MODBUS_READ_TIMEOUT", `${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function failureOf(error: unknown): ModbusFailure {
  if (error instanceof CodedError && error.code === "MODBUS_READ_TIMEOUT") return { kind: "timeout", message: error.message };
  return describeModbusFailure(error);
}

/** One consumed Modbus device: a TD whose properties are the registers of `map`. */
export class ModbusDevice {
  constructor(
    readonly thing: WoT.ConsumedThing,
    readonly map: RegisterMap,
    private readonly timeoutMs: number,
  ) {}

  /** Vendor value of one register; throws MODBUS_READ_TIMEOUT or MODBUS_READ_FAILED (details: kind, modbusCode). */
  async readRegister(name: string): Promise<number> {
    const register = findRegister(this.map, name);
    const what = `read ${this.map.id}.${name}`;
    try {
      const bytes = await withTimeout(
        this.thing.readProperty(name).then((output) => output.arrayBuffer()),
        this.timeoutMs,
        what,
      );
      return decodeRegisterBytes(register, new Uint8Array(bytes));
    } catch (error) {
      if (error instanceof CodedError && error.code === "MODBUS_READ_TIMEOUT") throw error;
      const failure = failureOf(error);
      throw modbusError("MODBUS_READ_FAILED", `${what}: ${failure.message}`, { ...failure });
    }
  }

  /** Reads registers concurrently (node-wot merges adjacent ones into one request). */
  async readRegisters(names: readonly string[] = this.map.registers.map((r) => r.name)): Promise<RegisterReadResult> {
    const settled = await Promise.allSettled(names.map((name) => this.readRegister(name)));
    const result: RegisterReadResult = { values: {}, failures: {} };
    settled.forEach((outcome, i) => {
      const name = names[i] as string;
      if (outcome.status === "fulfilled") result.values[name] = outcome.value;
      else {
        const error = outcome.reason as CodedError;
        result.failures[name] = error.code === "MODBUS_READ_TIMEOUT" ? { kind: "timeout", message: error.message } : (error.details as unknown as ModbusFailure);
      }
    });
    return result;
  }

  /**
   * Writes a vendor value, encoded per map (scale, type range, word order) and sent as raw bytes:
   * node-wot's own encoder loses the word swap (modbus-faults.ts, fault 3).
   */
  async writeRegister(name: string, vendorValue: number): Promise<void> {
    const register = findRegister(this.map, name);
    const words = encodeRegister(register, vendorValue);
    const bytes = new Uint8Array(words.length * 2);
    words.forEach((w, i) => {
      bytes[2 * i] = w >> 8;
      bytes[2 * i + 1] = w & 0xff;
    });
    const what = `write ${this.map.id}.${name}`;
    try {
      await withTimeout(this.thing.writeProperty(name, rawInteractionInput(bytes)), this.timeoutMs, what);
    } catch (error) {
      const failure = failureOf(error);
      throw modbusError("MODBUS_WRITE_FAILED", `${what}: ${failure.message}`, { ...failure });
    }
  }
}

/** A consumer servient with only the Modbus client. Lifecycle: `start()`, `consume()`, `stop()`. */
export class ModbusTdReader {
  private servient: Servient | undefined;
  private wot: typeof WoT | undefined;
  private readonly timeoutMs: number;

  constructor(options: ModbusReaderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async start(): Promise<void> {
    if (this.servient) return;
    tuneNodeWotModbusRetries();
    const servient = new core.Servient();
    servient.addClientFactory(new modbus.ModbusClientFactory());
    this.wot = await servient.start();
    this.servient = servient;
  }

  /** Throws MODBUS_FORM_MISSING when a register of the map has no Modbus read form in the TD. */
  async consume(td: JsonObject, map: RegisterMap): Promise<ModbusDevice> {
    if (!this.wot) throw new Error("Modbus reader not started");
    const properties = (td.properties ?? {}) as Record<string, { forms?: Array<{ href?: string; op?: string | string[] }> }>;
    const missing = map.registers
      .filter((r) => !(properties[r.name]?.forms ?? []).some((f) => String(f.href).startsWith("modbus+tcp://") && [f.op ?? "readproperty"].flat().includes("readproperty")))
      .map((r) => r.name);
    if (missing.length > 0) {
      throw modbusError("MODBUS_FORM_MISSING", `${String(td.title)}: no Modbus read form for ${missing.join(", ")}`, { missing });
    }
    const thing = await this.wot.consume(structuredClone(td) as unknown as WoT.ThingDescription);
    return new ModbusDevice(thing, map, this.timeoutMs);
  }

  async stop(): Promise<void> {
    const servient = this.servient;
    this.servient = undefined;
    this.wot = undefined;
    await servient?.shutdown();
  }
}
