/**
 * A battery's own controller: its Thing served from a process of its own, talking to its inverter
 * over the SunSpec-style Modbus registers (tds/register-maps/bess-sunspec.map.json). It polls the
 * telemetry, forwards setpoint and droop writes, and keeps the inverter's setpoint revert timer
 * (WSetRvrtTms) fed; when this process dies the inverter drops to 0 W by itself.
 */
import type { BatterySpec } from "../../src/site/site-file.ts";
import type { BatteryReading, DroopSettings } from "../../src/sim/index.ts";
import { findRegister, wordCount, type RegisterMap, type RegisterSpec } from "../../src/modbus/register-map.ts";
import { decodeRegister, encodeRegister } from "../../src/modbus/register-codec.ts";
import { closePlainClient, connectPlainClient, type PlainModbusClient } from "../../src/modbus/plain-client.ts";
import { modbusError } from "../../src/modbus/errors.ts";
import { logger } from "../../src/log/logger.ts";
import type { BatteryAccess } from "./thing.ts";

const log = logger("bess.gateway");

/** SunSpec model 802 `State` values (modbus-provider.ts). */
const STATE = { STANDBY: 4, FAULT: 99 } as const;

export interface InverterAddress {
  host: string;
  port: number;
  unitId: number;
}

export interface BatteryGatewayOptions {
  spec: BatterySpec;
  map: RegisterMap;
  inverter: InverterAddress;
  /** Inverter revert time, simulated seconds; the gateway refreshes it every `refreshMs`. */
  revertSeconds: number;
  /** Real milliseconds between two polls and two revert-timer refreshes (default 500). */
  refreshMs?: number;
}

/** Reads a contiguous block of holding registers and decodes the named ones from it. */
async function readBlock(client: PlainModbusClient, registers: readonly RegisterSpec[]): Promise<Map<string, number>> {
  const first = Math.min(...registers.map((r) => r.address));
  const last = Math.max(...registers.map((r) => r.address + wordCount(r.type)));
  const { data } = await client.readHoldingRegisters(first, last - first);
  return new Map(registers.map((r) => [r.name, decodeRegister(r, data, r.address - first)]));
}

export class BatteryGateway implements BatteryAccess {
  private client: PlainModbusClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private latest: BatteryReading | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly telemetry: RegisterSpec[];
  private readonly controls: RegisterSpec[];

  constructor(private readonly options: BatteryGatewayOptions) {
    const r = (name: string) => findRegister(options.map, name);
    this.telemetry = ["StateOfCharge", "ActivePower", "MaxDischargePower", "MaxChargePower", "EnergyCapacity", "OperatingState", "FaultCode", "Timestamp"].map(r);
    this.controls = ["ActivePowerSetpoint", "DroopEnabled", "DroopDeadband", "DroopPercent", "ActivePowerSetpointRevertTime"].map(r);
  }

  /** Connects, arms the inverter's revert timer and takes the first reading; throws when the inverter does not answer. */
  async start(): Promise<void> {
    const { host, port, unitId } = this.options.inverter;
    this.client = await connectPlainClient(host, port, unitId);
    await this.writeRegister("ActivePowerSetpointRevertTime", this.options.revertSeconds);
    await this.poll();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 500);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy.catch(() => undefined);
    // A clean stop disarms the timer: the inverter keeps its setpoint, as before this gateway ran.
    if (this.client) await this.writeRegister("ActivePowerSetpointRevertTime", 0).catch(() => undefined);
    if (this.client) await closePlainClient(this.client);
    this.client = undefined;
  }

  read(): BatteryReading {
    if (!this.latest) throw new Error("battery gateway not started");
    return this.latest;
  }

  async setTarget(watts: number): Promise<number> {
    await this.writeRegister("ActivePowerSetpoint", watts / 1000);
    await this.poll();
    return this.read().targetPowerW;
  }

  async setDroop(settings: Partial<DroopSettings>): Promise<DroopSettings> {
    if (settings.deadbandHz !== undefined) await this.writeRegister("DroopDeadband", settings.deadbandHz);
    if (settings.droopPercent !== undefined) await this.writeRegister("DroopPercent", settings.droopPercent);
    if (settings.enabled !== undefined) await this.writeRegister("DroopEnabled", settings.enabled ? 1 : 0);
    await this.poll();
    return this.read().droop;
  }

  clearFault(): never {
    throw modbusError("MODBUS_REGISTER_READ_ONLY", `${this.options.spec.id}: a fault is cleared at the inverter, its registers have no reset point`);
  }

  private async refresh(): Promise<void> {
    try {
      await this.writeRegister("ActivePowerSetpointRevertTime", this.options.revertSeconds);
      await this.poll();
    } catch (e) {
      if (this.latest && this.latest.quality !== "STALE") log.warn({ err: e, id: this.options.spec.id }, "inverter not answering");
      if (this.latest) this.latest = { ...this.latest, quality: "STALE" };
    }
  }

  /** One request at a time on the connection. */
  private serial<T>(body: (client: PlainModbusClient) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client) return Promise.reject(new Error("battery gateway not started"));
    const next = this.busy.catch(() => undefined).then(() => body(client));
    this.busy = next;
    return next;
  }

  private writeRegister(name: string, value: number): Promise<void> {
    const register = findRegister(this.options.map, name);
    return this.serial(async (client) => void (await client.writeRegisters(register.address, encodeRegister(register, value))));
  }

  private async poll(): Promise<void> {
    const [t, c] = await this.serial(async (client) => [await readBlock(client, this.telemetry), await readBlock(client, this.controls)] as const);
    const spec = this.options.spec;
    const v = (m: Map<string, number>, name: string) => m.get(name) as number;
    const faultBits = v(t, "FaultCode");
    const state = v(t, "OperatingState");
    const activePowerW = v(t, "ActivePower");
    const timestampMs = v(t, "Timestamp") * 1000;
    this.latest = {
      id: spec.id,
      socPercent: v(t, "StateOfCharge"),
      activePowerW,
      targetPowerW: v(c, "ActivePowerSetpoint") * 1000,
      // The registers do not carry the droop share of the output.
      droopPowerW: 0,
      maxDischargePowerW: v(t, "MaxDischargePower"),
      maxChargePowerW: v(t, "MaxChargePower"),
      capacityWh: v(t, "EnergyCapacity"),
      state: state === STATE.FAULT ? "fault" : state === STATE.STANDBY ? "standby" : activePowerW > 1 ? "discharging" : activePowerW < -1 ? "charging" : "idle",
      fault: faultBits === 0 ? null : { code: faultBits & 2 ? "INVERTER_CRITICAL_FAULT" : "INVERTER_FAULT", message: `inverter fault bits ${faultBits}`, critical: (faultBits & 2) !== 0 },
      droop: { enabled: v(c, "DroopEnabled") === 1, deadbandHz: v(c, "DroopDeadband"), droopPercent: v(c, "DroopPercent"), maxPowerW: spec.maxDischargeW },
      timestampMs,
      timestamp: new Date(timestampMs).toISOString(),
      quality: faultBits === 0 ? "GOOD" : "ERROR",
    };
  }
}
