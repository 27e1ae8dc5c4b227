/**
 * EV charge point: charging power (consumption positive, the microgrid node's demand), each
 * connector's power, request, limit and session, what the EVs request, a writable charging limit
 * and a per-connector limit action (both power-changing: operator bearer over HTTP), session and
 * alarm events. Served over HTTP and MQTT by default.
 */
import type { ChargePointSpec } from "../../src/site/site-file.ts";
import type { ChargePointReading } from "../../src/sim/index.ts";
import type { ThingSpec, HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import { deviceTd, type DeviceContext, type TickListener } from "../common/device-context.ts";
import { faultAlarm } from "../common/fault-alarm.ts";

export const CHARGE_POINT_POWER_CHANGING = ["properties/chargingLimit", "actions/setConnectorLimit"] as const;

export function chargePointTelemetry(r: ChargePointReading) {
  return { activePowerW: r.activePowerW, requestedPowerW: r.requestedPowerW, limitW: r.limitW, maxPowerW: r.maxPowerW, connectors: r.connectors, timestamp: r.timestamp, quality: r.quality };
}

export function chargePointThingSpec(ctx: DeviceContext, spec: ChargePointSpec): ThingSpec {
  const read = () => ctx.sim.chargePoint(spec.id);
  const td = deviceTd(ctx, "charge-point.tm.json", {
    DEVICE_ID: spec.id,
    NAME: spec.title ?? spec.id,
    REGION: spec.region,
    SUBSTATION: spec.substation,
    FEEDER: spec.feeder,
    MAX_POWER_W: spec.maxPowerW,
  });
  // The connector ids, so a consumer (the microgrid bridge) can map CONNECTOR nodes from the TD alone.
  td["gt:connectors"] = spec.connectors.map((c) => c.id);
  td["gt:connectorMaxPowerW"] = spec.connectors.map((c) => c.maxPowerW); // same order: a writer clamps a connector limit to its rating
  // ...and node-wot refuses an unknown connector id before the handler runs
  const action = (td.actions as Record<string, { input: { properties: Record<string, Record<string, unknown>> } }>).setConnectorLimit;
  if (action?.input.properties.connectorId) action.input.properties.connectorId.enum = spec.connectors.map((c) => c.id);
  return {
    td,
    protocols: spec.protocols,
    powerChanging: [...CHARGE_POINT_POWER_CHANGING],
    properties: {
      activePower: { read: () => read().activePowerW },
      requestedPower: { read: () => read().requestedPowerW },
      connectors: { read: () => read().connectors },
      chargingLimit: {
        read: () => read().limitW,
        write: (value) => ctx.sim.setChargeLimit(spec.id, value as number | null),
      },
      telemetry: { read: () => chargePointTelemetry(read()) },
      timestamp: { read: () => read().timestamp },
      quality: { read: () => read().quality },
    },
    actions: {
      setConnectorLimit: (input) => {
        const { connectorId, limitW } = input as { connectorId: string; limitW: number | null };
        ctx.sim.setConnectorLimit(spec.id, connectorId, limitW);
        return { connectorId, limitW };
      },
    },
  };
}

const OBSERVED = ["activePower", "requestedPower", "connectors", "telemetry", "quality"];

/** Publishes observable values; raises session events on plug-in/out and alarms on faults. */
export function chargePointPublisher(ctx: DeviceContext, spec: ChargePointSpec, thing: HostedThing): TickListener {
  const active = new Map<string, boolean>();
  const delivered = new Map<string, number>();
  const alarmOnFault = faultAlarm(thing);
  let lastLimit: number | null | undefined;
  return {
    onTick() {
      const r = ctx.sim.chargePoint(spec.id);
      for (const p of OBSERVED) thing.emitPropertyChange(p);
      if (r.limitW !== lastLimit) {
        if (lastLimit !== undefined) thing.emitPropertyChange("chargingLimit");
        lastLimit = r.limitW;
      }
      // a STALE reading repeats old values: no session transitions from it
      if (r.quality !== "STALE") {
        for (const c of r.connectors) {
          const was = active.get(c.id);
          if (was !== undefined && was !== c.sessionActive) {
            if (c.sessionActive) thing.emitEvent("sessionStarted", { connectorId: c.id, timestamp: r.timestamp });
            else thing.emitEvent("sessionEnded", { connectorId: c.id, energyDeliveredWh: delivered.get(c.id) ?? c.energyDeliveredWh, timestamp: r.timestamp });
          }
          active.set(c.id, c.sessionActive);
          delivered.set(c.id, c.energyDeliveredWh);
        }
      }
      alarmOnFault(r.fault, r.timestamp);
    },
  };
}
