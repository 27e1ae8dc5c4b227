import type { BatteryStateName, DeviceFault, DroopSettings } from "./battery.ts";
import type { GridMeterChannels } from "./grid-meter.ts";

/** GOOD: fresh; STALE: telemetry dropout, the values and timestamp are the last good ones; ERROR: device fault. */
export type Quality = "GOOD" | "STALE" | "ERROR";

export interface Stamped {
  /** When these values were measured (for STALE: the last good reading), ms since epoch and ISO. */
  timestampMs: number;
  timestamp: string;
  quality: Quality;
}

export interface MeterReading extends Stamped {
  id: string;
  region: string;
  substation: string;
  feeder: string;
  phase: 1 | 2 | 3;
  /** Net active power, W: positive = import (consumption), negative = export (rooftop PV surplus). */
  activePowerW: number;
  reactivePowerVar: number;
  voltageV: number;
  currentA: number;
  energyImportWh: number;
  energyExportWh: number;
  hasRooftopPv: boolean;
  fault: DeviceFault | null;
}

export interface GridMeterReading extends GridMeterChannels, Stamped {
  fault: DeviceFault | null;
}

export interface BatteryReading extends Stamped {
  id: string;
  socPercent: number;
  /** Positive = discharge, negative = charge, W. */
  activePowerW: number;
  targetPowerW: number;
  /** Part of activePowerW that the embedded droop adds, W. */
  droopPowerW: number;
  maxDischargePowerW: number;
  maxChargePowerW: number;
  capacityWh: number;
  state: BatteryStateName;
  fault: DeviceFault | null;
  droop: DroopSettings;
}

export interface DerReading extends Stamped {
  id: string;
  kind: "pv" | "wind";
  activePowerW: number;
  availablePowerW: number;
  curtailmentLimitW: number | null;
  ratedPowerW: number;
  fault: DeviceFault | null;
}

export interface ConnectorReading {
  id: string;
  /** Charging power, W (consumption positive). */
  activePowerW: number;
  /** What the EV asks for: min(EV acceptance, connector rating), W; 0 without an EV. */
  requestedPowerW: number;
  /** This connector's allocation limit, W; null = none. */
  limitW: number | null;
  /** An EV is plugged in (it may draw 0 W once full). */
  sessionActive: boolean;
  /** Of the current session, or of the last one until the next begins, Wh. */
  energyDeliveredWh: number;
}

export interface ChargePointReading extends Stamped {
  id: string;
  /** Sum of the connectors, W (consumption positive). */
  activePowerW: number;
  /** The EVs' wish: the connectors' requests summed, capped at the rating; 0 in a fault, W. */
  requestedPowerW: number;
  connectors: ConnectorReading[];
  /** Allocation limit over all connectors, W; null = none (the rating applies). */
  limitW: number | null;
  maxPowerW: number;
  fault: DeviceFault | null;
}

export interface WeatherReading extends Stamped {
  irradianceWm2: number;
  windSpeedMs: number;
  temperatureC: number;
  cloudCover: number;
  fault: DeviceFault | null;
}

export interface PhysicsState {
  frequencyHz: number;
  rocofHzPerS: number;
  /** Conventional generation of the area (schedule + governor + secondary − tripped), W. */
  generationW: number;
  /** Load the conventional generation must serve: area background load + site import, W. */
  loadW: number;
  /** generationW − loadW, W. */
  imbalanceW: number;
  siteImportW: number;
  inertiaSeconds: number;
  dampingPerUnit: number;
  injectedLoadStepW: number;
  trippedGenerationW: number;
  scheduledGenerationW: number;
  governorW: number;
  secondaryW: number;
  backgroundLoadW: number;
  meterNetW: number;
  pvW: number;
  windW: number;
  batteryW: number;
  /** EV charging of every charge point, W. */
  chargePointW: number;
  /** Integrals since the start, Wh: the energy balance siteImport = meters + loadStep + chargePoints − pv − wind − battery. */
  energyWh: {
    siteImport: number;
    meterNet: number;
    pv: number;
    wind: number;
    battery: number;
    loadStep: number;
    chargePoints: number;
  };
  time: string;
  timeMs: number;
}
