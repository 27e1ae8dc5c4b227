/**
 * Starts the grid/site meter of a site file: physical mode = the Modbus meter (the simulated
 * SDM630 stand-in unless the site gives a real meter's host) behind the protocol adapter;
 * virtual mode = load + battery − PV from the simulator. Either way the standardized grid-meter
 * Thing is exposed on the site's device servient.
 */
import { loadRegisterMap } from "../../src/modbus/register-map-file.ts";
import { ModbusTdReader } from "../../src/wot/modbus-reader.ts";
import { modbusDeviceTd } from "../../src/wot/modbus-forms.ts";
import type { HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import type { ThingHost } from "../../src/wot/thing-host.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import type { DeviceContext } from "../common/device-context.ts";
import { GridMeterAdapter } from "./adapter.ts";
import { gridMeterError } from "./errors.ts";
import { PhysicalMeterStandIn } from "./physical-stand-in.ts";
import { gridMeterThingSpec, publishGridMeterChanges } from "./thing.ts";
import { simulatorInputs, VirtualGridMeter } from "./virtual.ts";
import type { GridMeterSource } from "./snapshot.ts";

export const GRID_METER_ID = "grid-meter";
export const STAND_IN_ID = "grid-meter-sdm630";

export interface GridMeterPart {
  /** The exposed grid-meter Thing. */
  things: HostedThing[];
  /** TDs of devices not served by the servient (the Modbus stand-in), to register with the directory. */
  deviceTds: JsonObject[];
  source: GridMeterSource;
  adapter?: GridMeterAdapter;
  standIn?: PhysicalMeterStandIn;
  virtual?: VirtualGridMeter;
  onTick(simTimeMs: number): void;
  stop(): Promise<void>;
}

export interface StartGridMeterOptions {
  ctx: DeviceContext;
  host: ThingHost;
  /** Address the stand-in's Modbus server binds to and its TD carries. */
  hostAddress: string;
  /** Port of the stand-in (0 = any). */
  modbusPort: number;
  /** Wall clock, ms (default Date.now): poll staleness is judged against it. */
  now?: () => number;
  /** Milliseconds each Modbus read may take (default 2000). */
  readTimeoutMs?: number;
  /** Poll on the adapter's own timer (default true); false: the caller polls (tests). */
  timer?: boolean;
}

export async function startGridMeter(options: StartGridMeterOptions): Promise<GridMeterPart> {
  const { ctx, host } = options;
  const spec = ctx.site.gridMeter;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(spec.unitId) || spec.unitId < 1 || spec.unitId > 247) {
    throw gridMeterError("GRID_METER_CONFIG_INVALID", `gridMeter.unitId ${spec.unitId} is not 1..247`);
  }
  const stopping: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stopping.splice(0).reverse()) await s();
  };
  try {
    if (spec.mode === "virtual") {
      const virtual = new VirtualGridMeter(simulatorInputs(ctx.sim));
      virtual.sample();
      const thing = await host.expose(
        gridMeterThingSpec(ctx, virtual, { deviceId: GRID_METER_ID, mode: "virtual", sourceDescription: "virtual meter: load + battery - PV per phase", pollSeconds: spec.pollSeconds, protocols: spec.protocols }),
      );
      stopping.push(() => host.destroy(thing.name));
      const unsubscribe = publishGridMeterChanges(virtual, thing);
      stopping.push(async () => unsubscribe());
      let lastSampleMs = ctx.sim.time();
      return {
        things: [thing],
        deviceTds: [],
        source: virtual,
        virtual,
        onTick(simTimeMs) {
          if (simTimeMs - lastSampleMs < spec.pollSeconds * 1000) return;
          lastSampleMs = simTimeMs;
          virtual.sample();
        },
        stop,
      };
    }

    const map = await loadRegisterMap(spec.registerMap);
    let meterTd: JsonObject;
    let standIn: PhysicalMeterStandIn | undefined;
    if (spec.host === undefined) {
      standIn = new PhysicalMeterStandIn({
        map,
        reading: () => ctx.sim.gridMeter(),
        time: () => ctx.sim.time(),
        host: options.hostAddress,
        port: options.modbusPort,
        unitId: spec.unitId,
        id: `urn:gridthings:${ctx.site.id}:${STAND_IN_ID}`,
        title: STAND_IN_ID,
      });
      await standIn.start();
      stopping.push(() => standIn!.stop());
      meterTd = standIn.td();
    } else {
      meterTd = modbusDeviceTd(map, { host: spec.host, port: spec.port ?? 502, unitId: spec.unitId }, {
        id: `urn:gridthings:${ctx.site.id}:${GRID_METER_ID}-modbus`,
        title: `${GRID_METER_ID}-modbus`,
      });
    }
    const reader = new ModbusTdReader({ timeoutMs: options.readTimeoutMs ?? 2000 });
    await reader.start();
    stopping.push(() => reader.stop());
    const device = await reader.consume(meterTd, map);
    const adapter = new GridMeterAdapter({ device, map, pollSeconds: spec.pollSeconds, now, stampNow: spec.host === undefined ? () => ctx.sim.time() : now, timer: options.timer ?? true });
    await adapter.start();
    stopping.push(() => adapter.stop());
    const source = spec.host === undefined ? `protocol adapter over Modbus TCP, simulated ${map.title}` : `protocol adapter over Modbus TCP, ${map.title} at ${spec.host}`;
    const thing = await host.expose(
      gridMeterThingSpec(ctx, adapter, { deviceId: GRID_METER_ID, mode: "physical", sourceDescription: source, pollSeconds: spec.pollSeconds, protocols: spec.protocols }),
    );
    stopping.push(() => host.destroy(thing.name));
    const unsubscribe = publishGridMeterChanges(adapter, thing);
    stopping.push(async () => unsubscribe());
    return {
      things: [thing],
      deviceTds: standIn ? [meterTd] : [],
      source: adapter,
      adapter,
      ...(standIn ? { standIn } : {}),
      onTick: () => undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
