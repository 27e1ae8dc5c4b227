/**
 * The standardized grid-meter Thing (seed 003) over HTTP, MQTT and CoAP: one property per channel
 * with exactly the seed's name and unit, `Timestamp`, `quality`, and `channels` (all of them from
 * one reading). The source is the protocol adapter (physical meter) or the virtual meter.
 */
import type { Protocol } from "../../src/site/site-file.ts";
import type { HostedThing, PropertyBinding, ThingSpec } from "../../src/wot/hosted-thing-impl.ts";
import { deviceTd, type DeviceContext } from "../common/device-context.ts";
import { CHANNEL_NAMES } from "./channels.ts";
import type { GridMeterSnapshot, GridMeterSource } from "./snapshot.ts";

export const GRID_METER_MODEL = "grid-meter.tm.json";
export const GRID_METER_PROPERTIES = [...CHANNEL_NAMES, "Timestamp", "quality", "channels"] as const;

export interface GridMeterThingOptions {
  deviceId: string;
  mode: "physical" | "virtual";
  /** One line for the TD description: where the values come from. */
  sourceDescription: string;
  pollSeconds: number;
  protocols: readonly Protocol[];
}

export function gridMeterThingSpec(ctx: Pick<DeviceContext, "site" | "models" | "modelBase">, source: GridMeterSource, options: GridMeterThingOptions): ThingSpec {
  const td = deviceTd(ctx, GRID_METER_MODEL, {
    DEVICE_ID: options.deviceId,
    MODE: options.mode,
    SOURCE: options.sourceDescription,
    POLL_SECONDS: options.pollSeconds,
  });
  const properties: Record<string, PropertyBinding> = {};
  for (const name of CHANNEL_NAMES) properties[name] = { read: () => source.snapshot()[name] };
  properties.Timestamp = { read: () => source.snapshot().Timestamp };
  properties.quality = { read: () => source.snapshot().quality };
  properties.channels = { read: () => source.snapshot() };
  return { td, protocols: options.protocols, properties };
}

/** Publishes every property after each new reading (MQTT readers wait for the next publish). */
export function publishGridMeterChanges(source: GridMeterSource, thing: Pick<HostedThing, "emitPropertyChange">): () => void {
  return source.onChange((_snapshot: GridMeterSnapshot) => {
    for (const name of GRID_METER_PROPERTIES) thing.emitPropertyChange(name);
  });
}
