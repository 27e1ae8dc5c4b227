/**
 * The battery's SunSpec-style Modbus registers (tds/register-maps/bess-sunspec.map.json) served
 * from the simulator. Writes go through the same simulator calls as the HTTP affordances.
 * Like SunSpec 704's WSetRvrtTms, a non-zero `ActivePowerSetpointRevertTime` makes the inverter
 * drop its setpoint to 0 W when nobody has written it for that long (simulated seconds): what a
 * battery does when its controller dies (`gridthings device bess --inverter`, which refreshes it).
 */
import type { GridSimulator } from "../../src/sim/index.ts";
import type { BatterySpec } from "../../src/site/site-file.ts";
import type { RegisterMap } from "../../src/modbus/register-map.ts";
import type { RegisterProvider } from "../../src/modbus/register-server.ts";
import { modbusError } from "../../src/modbus/errors.ts";

/** SunSpec model 802 `State` values. */
const STATE = { CONNECTED: 3, STANDBY: 4, SOC_PROTECTION: 5, FAULT: 99 } as const;
/** Evt1-style bitfield: bit 0 a non-critical fault, bit 1 a critical one. */
const FAULT_BITS = { NON_CRITICAL: 1, CRITICAL: 2 } as const;

export interface BatteryModbusProvider extends RegisterProvider {
  /** Applies the setpoint revert timeout; call after each simulation step. */
  onTick(simTimeMs: number): void;
}

export function batteryModbusProvider(sim: GridSimulator, spec: BatterySpec, map: RegisterMap): BatteryModbusProvider {
  const read = () => sim.battery(spec.id);
  let revertSeconds = 0;
  let lastSetpointWriteMs = sim.time();
  return {
    onTick(simTimeMs) {
      if (revertSeconds === 0 || simTimeMs - lastSetpointWriteMs <= revertSeconds * 1000) return;
      if (read().targetPowerW !== 0) sim.setBatteryTarget(spec.id, 0);
    },
    map,
    available: () => read().quality !== "STALE",
    read(name) {
      const r = read();
      switch (name) {
        case "StateOfCharge":
          return r.socPercent;
        case "ActivePower":
          return r.activePowerW;
        case "MaxDischargePower":
          return r.maxDischargePowerW;
        case "MaxChargePower":
          return r.maxChargePowerW;
        case "EnergyCapacity":
          return r.capacityWh;
        case "OperatingState":
          if (r.state === "fault") return STATE.FAULT;
          if (r.state === "standby") return STATE.STANDBY;
          if (r.socPercent <= spec.minSocPercent || r.socPercent >= spec.maxSocPercent) return STATE.SOC_PROTECTION;
          return STATE.CONNECTED;
        case "FaultCode":
          return r.fault === null ? 0 : r.fault.critical ? FAULT_BITS.CRITICAL : FAULT_BITS.NON_CRITICAL;
        case "Timestamp":
          return Math.floor(r.timestampMs / 1000);
        case "ActivePowerSetpoint":
          return r.targetPowerW / 1000;
        case "DroopEnabled":
          return r.droop.enabled ? 1 : 0;
        case "DroopDeadband":
          return r.droop.deadbandHz;
        case "DroopPercent":
          return r.droop.droopPercent;
        case "ActivePowerSetpointRevertTime":
          return revertSeconds;
        default:
          throw modbusError("MODBUS_REGISTER_UNKNOWN", `${spec.id} has no register ${name}`);
      }
    },
    write(name, value) {
      switch (name) {
        case "ActivePowerSetpoint": {
          const watts = value * 1000;
          if (watts > spec.maxDischargeW || watts < -spec.maxChargeW) {
            throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${spec.id} setpoint ${value} kW outside [${-spec.maxChargeW / 1000}, ${spec.maxDischargeW / 1000}]`);
          }
          sim.setBatteryTarget(spec.id, watts);
          lastSetpointWriteMs = sim.time();
          return;
        }
        case "ActivePowerSetpointRevertTime":
          revertSeconds = Math.round(value);
          lastSetpointWriteMs = sim.time();
          return;
        case "DroopEnabled":
          sim.setBatteryDroop(spec.id, { enabled: value === 1 });
          return;
        case "DroopDeadband":
          sim.setBatteryDroop(spec.id, { deadbandHz: value });
          return;
        case "DroopPercent":
          sim.setBatteryDroop(spec.id, { droopPercent: value });
          return;
        default:
          throw modbusError("MODBUS_REGISTER_READ_ONLY", `${spec.id} register ${name} is read-only`);
      }
    },
  };
}
