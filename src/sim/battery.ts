import type { BatterySpec } from "../site/site-file.ts";

export interface DroopSettings {
  enabled: boolean;
  /** No response while |f − f0| ≤ deadband, Hz. */
  deadbandHz: number;
  /** Droop in percent: the frequency deviation (in % of f0) that asks for full `maxPowerW`. */
  droopPercent: number;
  maxPowerW: number;
}

export interface DeviceFault {
  code: string;
  message: string;
  critical: boolean;
}

export type BatteryStateName = "idle" | "charging" | "discharging" | "fault" | "standby";

/** Mutable state of one battery; stepped by the simulator at the physics rate. */
export class BatteryUnit {
  socWh: number;
  powerW = 0;
  targetW = 0;
  droopW = 0;
  fault: DeviceFault | null = null;
  droop: DroopSettings;

  constructor(readonly spec: BatterySpec) {
    this.socWh = (spec.capacityWh * spec.initialSocPercent) / 100;
    this.droop = { enabled: false, deadbandHz: 0.02, droopPercent: 5, maxPowerW: spec.maxDischargeW };
  }

  get minWh(): number {
    return (this.spec.capacityWh * this.spec.minSocPercent) / 100;
  }

  get maxWh(): number {
    return (this.spec.capacityWh * this.spec.maxSocPercent) / 100;
  }

  /** Discharge power available now, W: 0 at or below the minimum SoC. */
  availableDischargeW(): number {
    return this.fault !== null || this.socWh <= this.minWh + 1e-9 ? 0 : this.spec.maxDischargeW;
  }

  /** Charge power available now, W (positive number): 0 at or above the maximum SoC. */
  availableChargeW(): number {
    return this.fault !== null || this.socWh >= this.maxWh - 1e-9 ? 0 : this.spec.maxChargeW;
  }

  /** Embedded droop response (seed 001 embedded runtime): P = −(Δf/f0)/droop × maxPower outside the deadband. */
  droopResponseW(frequencyHz: number, nominalHz: number): number {
    const d = this.droop;
    const df = frequencyHz - nominalHz;
    if (!d.enabled || Math.abs(df) <= d.deadbandHz) return 0;
    const p = (-(df / nominalHz) / (d.droopPercent / 100)) * d.maxPowerW;
    return Math.max(-d.maxPowerW, Math.min(d.maxPowerW, p));
  }

  /**
   * Move the power toward target + droop within ramp and SoC limits for `dtS` seconds and
   * integrate the stored energy. The power is constant over the step, so SoC is its exact
   * integral; a step that would cross a SoC limit is shortened in power to land on it.
   */
  step(dtS: number, frequencyHz: number, nominalHz: number): void {
    if (this.fault !== null) {
      this.powerW = 0;
      this.droopW = 0;
      return;
    }
    this.droopW = this.droopResponseW(frequencyHz, nominalHz);
    const maxDis = this.availableDischargeW();
    const maxCh = this.availableChargeW();
    const desired = Math.max(-maxCh, Math.min(maxDis, this.targetW + this.droopW));
    const maxMove = this.spec.rampWPerS * dtS;
    let p = this.powerW + Math.max(-maxMove, Math.min(maxMove, desired - this.powerW));
    p = Math.max(-maxCh, Math.min(maxDis, p));
    let socWh = this.socWh - (p * dtS) / 3600;
    if (socWh < this.minWh) {
      p = ((this.socWh - this.minWh) * 3600) / dtS;
      socWh = this.minWh;
    } else if (socWh > this.maxWh) {
      p = ((this.socWh - this.maxWh) * 3600) / dtS;
      socWh = this.maxWh;
    }
    this.powerW = p;
    this.socWh = socWh;
  }

  state(): BatteryStateName {
    if (this.fault !== null) return "fault";
    if (this.powerW > 1) return "discharging";
    if (this.powerW < -1) return "charging";
    return this.targetW !== 0 ? "standby" : "idle";
  }
}
