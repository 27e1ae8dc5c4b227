/**
 * Battery energy storage (seeds 000/001/004): state of charge, active power (positive = discharge),
 * `max_discharge_power`, charge limit, capacity, the `target_output_kw` setpoint of seed 004, the
 * operating state and hardware fault, on-device droop settings, a setpoint action, alarms and
 * critical hardware errors. Power-changing writes need an operator token over HTTP.
 */
import type { BatterySpec } from "../../src/site/site-file.ts";
import type { BatteryReading, DroopSettings } from "../../src/sim/index.ts";
import type { ThingSpec, HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import type { Form } from "../../src/wot/published-td.ts";
import { deviceTd, type DeviceContext, type TickListener } from "../common/device-context.ts";
import { faultAlarm } from "../common/fault-alarm.ts";
import { mergeContexts } from "../../src/tm/instantiate.ts";
import { MODV_CONTEXT, modbusFormsForMap, type ModbusEndpoint } from "../../src/wot/modbus-forms.ts";
import type { RegisterMap } from "../../src/modbus/register-map.ts";

/** Battery properties whose value is exactly a register of the SunSpec-style map (same unit and sign). */
const MODBUS_PROPERTY_OF_REGISTER: Readonly<Record<string, string>> = {
  StateOfCharge: "stateOfCharge",
  ActivePower: "activePower",
  MaxDischargePower: "max_discharge_power",
  MaxChargePower: "maxChargePower",
  EnergyCapacity: "capacity",
  ActivePowerSetpoint: "target_output_kw",
};

export function batteryModbusForms(map: RegisterMap, endpoint: ModbusEndpoint): Record<string, Form[]> {
  return modbusFormsForMap(map, endpoint, (r) => MODBUS_PROPERTY_OF_REGISTER[r.name]) as unknown as Record<string, Form[]>;
}

export const BESS_POWER_CHANGING = ["properties/target_output_kw", "properties/droopSettings", "actions/setTargetPower", "actions/clearFault"] as const;

export function batteryTelemetry(r: BatteryReading) {
  return {
    socPercent: r.socPercent,
    activePowerW: r.activePowerW,
    targetPowerW: r.targetPowerW,
    droopPowerW: r.droopPowerW,
    maxDischargePowerW: r.maxDischargePowerW,
    maxChargePowerW: r.maxChargePowerW,
    capacityWh: r.capacityWh,
    state: r.state,
    timestamp: r.timestamp,
    quality: r.quality,
  };
}

/** Where a battery Thing reads and writes: the simulator itself, or its inverter over Modbus (gateway.ts). */
export interface BatteryAccess {
  read(): BatteryReading;
  setTarget(watts: number): number | Promise<number>;
  setDroop(settings: Partial<DroopSettings>): unknown;
  clearFault(): unknown;
}

export function simBatteryAccess(ctx: DeviceContext, id: string): BatteryAccess {
  return {
    read: () => ctx.sim.battery(id),
    setTarget: (watts) => ctx.sim.setBatteryTarget(id, watts),
    setDroop: (settings) => ctx.sim.setBatteryDroop(id, settings),
    clearFault: () => ctx.sim.clearDeviceFault(id),
  };
}

export function batteryThingSpec(ctx: Pick<DeviceContext, "site" | "models" | "modelBase">, spec: BatterySpec, extraForms?: Record<string, Form[]>, access: BatteryAccess = simBatteryAccess(ctx as DeviceContext, spec.id)): ThingSpec {
  const read = () => access.read();
  const td = deviceTd(ctx, "bess.tm.json", {
    DEVICE_ID: spec.id,
    NAME: spec.title ?? spec.id,
    REGION: spec.region,
    SUBSTATION: spec.substation,
    FEEDER: spec.feeder,
    MAX_DISCHARGE_W: spec.maxDischargeW,
    MAX_CHARGE_W: spec.maxChargeW,
    CAPACITY_WH: spec.capacityWh,
    MIN_TARGET_KW: -spec.maxChargeW / 1000,
    MAX_TARGET_KW: spec.maxDischargeW / 1000,
    MIN_TARGET_W: -spec.maxChargeW,
  });
  if (extraForms) td["@context"] = mergeContexts(td["@context"], [{ ...MODV_CONTEXT }]) as typeof td["@context"];
  return {
    td,
    protocols: spec.protocols,
    powerChanging: [...BESS_POWER_CHANGING],
    extraForms,
    properties: {
      stateOfCharge: { read: () => read().socPercent },
      activePower: { read: () => read().activePowerW },
      max_discharge_power: { read: () => read().maxDischargePowerW },
      maxChargePower: { read: () => read().maxChargePowerW },
      capacity: { read: () => read().capacityWh },
      target_output_kw: {
        read: () => read().targetPowerW / 1000,
        write: async (kw) => void (await access.setTarget((kw as number) * 1000)),
      },
      operatingState: { read: () => read().state },
      hardwareFault: { read: () => read().fault },
      droopSettings: {
        read: () => read().droop,
        write: async (settings) => void (await access.setDroop(settings as DroopSettings)),
      },
      telemetry: { read: () => batteryTelemetry(read()) },
      timestamp: { read: () => read().timestamp },
      quality: { read: () => read().quality },
    },
    actions: {
      setTargetPower: async (input) => ({ appliedPowerW: await access.setTarget((input as { powerW: number }).powerW) }),
      clearFault: async () => {
        await access.clearFault();
        return undefined;
      },
    },
  };
}

const OBSERVED = ["stateOfCharge", "activePower", "max_discharge_power", "maxChargePower", "operatingState", "telemetry", "quality"];

/** Publishes observable values; raises alarms on fault and SoC-limit transitions. */
export function batteryPublisher(ctx: Pick<DeviceContext, "site">, spec: BatterySpec, thing: HostedThing, access: BatteryAccess = simBatteryAccess(ctx as DeviceContext, spec.id)): TickListener {
  const alarmOnFault = faultAlarm(thing);
  let lastLimit: "empty" | "full" | null = null;
  let lastTarget = Number.NaN;
  return {
    onTick() {
      const r = access.read();
      for (const p of OBSERVED) thing.emitPropertyChange(p);
      if (r.targetPowerW !== lastTarget) {
        thing.emitPropertyChange("target_output_kw");
        lastTarget = r.targetPowerW;
      }
      if (alarmOnFault(r.fault, r.timestamp)) {
        thing.emitPropertyChange("hardwareFault");
        if (r.fault?.critical) thing.emitEvent("criticalHardwareError", { code: r.fault.code, message: r.fault.message, timestamp: r.timestamp });
      }
      const limit = r.socPercent <= spec.minSocPercent + 1e-9 ? "empty" : r.socPercent >= spec.maxSocPercent - 1e-9 ? "full" : null;
      if (limit !== lastLimit) {
        if (limit) {
          thing.emitEvent("alarm", {
            code: limit === "empty" ? "SOC_AT_MINIMUM" : "SOC_AT_MAXIMUM",
            message: `state of charge ${r.socPercent.toFixed(1)} % reached its ${limit === "empty" ? "minimum" : "maximum"}`,
            critical: false,
            timestamp: r.timestamp,
          });
        }
        lastLimit = limit;
      }
    },
  };
}
