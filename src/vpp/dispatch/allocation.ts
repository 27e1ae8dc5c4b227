/**
 * Splits a fleet command over batteries (seed 004 step 6) within each one's limit, weighted by
 * state of charge: a fuller battery discharges more, an emptier one charges more. Water-filling:
 * a battery that reaches its limit is fixed there and the rest is shared again. Pure.
 */
import type { BatteryState } from "./battery-state.ts";

export interface Allocation {
  /** Setpoint per battery, W (+ discharge). */
  setpointsW: Map<string, number>;
  /** What could not be placed, W (the fleet is at its limit). */
  unallocatedW: number;
}

export function allocate(totalW: number, batteries: readonly BatteryState[]): Allocation {
  const setpointsW = new Map<string, number>(batteries.map((b) => [b.id, 0]));
  if (!Number.isFinite(totalW) || totalW === 0 || batteries.length === 0) return { setpointsW, unallocatedW: Number.isFinite(totalW) ? totalW : 0 };
  const discharge = totalW > 0;
  const cap = (b: BatteryState) => Math.max(0, discharge ? b.maxDischargePowerW : b.maxChargePowerW);
  const weight = (b: BatteryState) => {
    const soc = Math.min(100, Math.max(0, b.socPercent)) / 100;
    return cap(b) * Math.max(0.05, discharge ? soc : 1 - soc);
  };
  let open = batteries.filter((b) => cap(b) > 0);
  let remaining = Math.abs(totalW);
  while (remaining > 1e-6 && open.length > 0) {
    const totalWeight = open.reduce((s, b) => s + weight(b), 0);
    const saturated: BatteryState[] = [];
    for (const b of open) {
      const share = (remaining * weight(b)) / totalWeight;
      const already = Math.abs(setpointsW.get(b.id) ?? 0);
      if (already + share >= cap(b) - 1e-9) saturated.push(b);
    }
    if (saturated.length === 0) {
      for (const b of open) setpointsW.set(b.id, (setpointsW.get(b.id) ?? 0) + (discharge ? 1 : -1) * ((remaining * weight(b)) / totalWeight));
      remaining = 0;
      break;
    }
    for (const b of saturated) {
      remaining -= cap(b) - Math.abs(setpointsW.get(b.id) ?? 0);
      setpointsW.set(b.id, (discharge ? 1 : -1) * cap(b));
    }
    open = open.filter((b) => !saturated.includes(b));
  }
  return { setpointsW, unallocatedW: (discharge ? 1 : -1) * Math.max(0, remaining) };
}
