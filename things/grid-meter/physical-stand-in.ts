/**
 * The physical-meter stand-in: a simulated SDM630 that exists only as a Modbus TCP device. It
 * serves its vendor register map from the simulator's grid-meter channels converted to the
 * vendor's units and signs (site import, positive in seed 003, reads negative on this
 * generator-reference installation), and has its own TD whose forms are Modbus forms — the TD the
 * adapter consumes. A telemetry dropout answers exception 0B (as a gateway does when the meter
 * behind it is silent); a meter fault answers exception 04.
 */
import { fromStandard, type RegisterMap } from "../../src/modbus/register-map.ts";
import { ModbusRegisterServer, type RegisterProvider } from "../../src/modbus/register-server.ts";
import { modbusError } from "../../src/modbus/errors.ts";
import type { GridMeterReading } from "../../src/sim/index.ts";
import { modbusDeviceTd } from "../../src/wot/modbus-forms.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

export interface StandInOptions {
  map: RegisterMap;
  /** The simulator's grid-meter reading (seed 003 channels, our signs). */
  reading: () => GridMeterReading;
  /** The simulated clock, ms: one reading per instant (optional). */
  time?: () => number;
  host?: string;
  port?: number;
  unitId?: number;
  /** TD identity of the stand-in. */
  id: string;
  title: string;
}

/**
 * Register provider over the simulator's reading. With `time` (the simulated clock) the reading is
 * taken once per simulated instant, not once per register: a poll of 21 registers costs one.
 */
export function standInProvider(map: RegisterMap, reading: () => GridMeterReading, time?: () => number): RegisterProvider {
  let cached: GridMeterReading | undefined;
  let cachedAt: number | undefined;
  const current = (): GridMeterReading => {
    const t = time?.();
    if (cached && t !== undefined && t === cachedAt) return cached;
    cached = reading();
    cachedAt = t;
    return cached;
  };
  const registers = new Map(map.registers.map((r) => [r.name, r]));
  return {
    map,
    available: () => current().quality !== "STALE",
    read(name) {
      const r = current();
      if (r.quality === "ERROR") throw modbusError("MODBUS_READ_FAILED", `meter fault ${r.fault?.code ?? ""}`.trim());
      const register = registers.get(name);
      const channel = register?.channel?.name;
      const value = channel === undefined ? undefined : (r as unknown as Record<string, unknown>)[channel];
      if (!register || typeof value !== "number") throw modbusError("MODBUS_REGISTER_UNKNOWN", `the stand-in has no value for ${name}`);
      return fromStandard(map, register, value);
    },
  };
}

export class PhysicalMeterStandIn {
  private readonly server: ModbusRegisterServer;
  private readonly unitId: number;
  private readonly host: string;

  constructor(private readonly options: StandInOptions) {
    this.unitId = options.unitId ?? 1;
    this.host = options.host ?? "127.0.0.1";
    this.server = new ModbusRegisterServer({
      host: this.host,
      port: options.port ?? 0,
      units: new Map([[this.unitId, standInProvider(options.map, options.reading, options.time)]]),
    });
  }

  async start(): Promise<void> {
    await this.server.start();
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  get endpoint(): { host: string; port: number; unitId: number } {
    return { host: this.host, port: this.server.port, unitId: this.unitId };
  }

  get stats(): ModbusRegisterServer["stats"] {
    return this.server.stats;
  }

  /** The stand-in's own TD: one property per vendor register, Modbus forms only. */
  td(): JsonObject {
    return modbusDeviceTd(this.options.map, this.endpoint, {
      id: this.options.id,
      title: this.options.title,
      types: ["saref:Meter", "s4grid:Meter"],
      description: `Simulated ${this.options.map.title}: Modbus TCP only, vendor units and signs (${JSON.stringify(this.options.map.signConvention)}).`,
    });
  }
}
