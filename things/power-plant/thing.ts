/**
 * PV and wind plants: active and available power, a writable curtailment limit (power-changing),
 * alarms on faults. Served over CoAP and HTTP by default.
 */
import type { PvSpec, WindSpec } from "../../src/site/site-file.ts";
import type { DerReading } from "../../src/sim/index.ts";
import type { ThingSpec, HostedThing, PropertyBinding } from "../../src/wot/hosted-thing-impl.ts";
import { deviceTd, type DeviceContext, type TickListener } from "../common/device-context.ts";
import { faultAlarm } from "../common/fault-alarm.ts";

export type PlantKind = "pv" | "wind";

function placement(spec: PvSpec | WindSpec) {
  return { DEVICE_ID: spec.id, NAME: spec.title ?? spec.id, REGION: spec.region, SUBSTATION: spec.substation, FEEDER: spec.feeder };
}

export function plantThingSpec(ctx: DeviceContext, kind: PlantKind, spec: PvSpec | WindSpec): ThingSpec {
  const read = (): DerReading => (kind === "pv" ? ctx.sim.pv(spec.id) : ctx.sim.wind(spec.id));
  const td =
    kind === "pv"
      ? deviceTd(ctx, "pv.tm.json", { ...placement(spec), RATED_W: (spec as PvSpec).peakW })
      : deviceTd(ctx, "wind.tm.json", {
          ...placement(spec),
          RATED_W: (spec as WindSpec).ratedW,
          CUT_IN: (spec as WindSpec).cutInMs,
          RATED_SPEED: (spec as WindSpec).ratedMs,
          CUT_OUT: (spec as WindSpec).cutOutMs,
        });
  const properties: Record<string, PropertyBinding> = {
    activePower: { read: () => read().activePowerW },
    availablePower: { read: () => read().availablePowerW },
    ratedPower: { read: () => read().ratedPowerW },
    curtailmentLimit: {
      read: () => read().curtailmentLimitW,
      write: (value) => ctx.sim.setCurtailment(spec.id, value as number | null),
    },
    telemetry: {
      read: () => {
        const r = read();
        return { activePowerW: r.activePowerW, availablePowerW: r.availablePowerW, curtailmentLimitW: r.curtailmentLimitW, timestamp: r.timestamp, quality: r.quality };
      },
    },
    timestamp: { read: () => read().timestamp },
    quality: { read: () => read().quality },
  };
  if (kind === "wind") properties.windSpeed = { read: () => ctx.sim.weather().windSpeedMs };
  return { td, protocols: spec.protocols, properties, powerChanging: ["properties/curtailmentLimit"] };
}

/** Publishes observable values and raises an alarm when a fault appears or clears. */
export function plantPublisher(ctx: DeviceContext, kind: PlantKind, spec: PvSpec | WindSpec, thing: HostedThing): TickListener {
  const alarmOnFault = faultAlarm(thing);
  return {
    onTick() {
      const r = kind === "pv" ? ctx.sim.pv(spec.id) : ctx.sim.wind(spec.id);
      for (const p of ["activePower", "availablePower", "telemetry"]) thing.emitPropertyChange(p);
      alarmOnFault(r.fault, r.timestamp);
    },
  };
}
