/**
 * EV charge points: seeded charging sessions per connector and the power each draws.
 *
 * Sessions are a pure function of (seed, connector index, time): time is cut into slots of
 * SESSION_SLOT_MS with a seeded phase per connector; a slot holds at most one session, with a seeded
 * arrival, departure, energy demand and EV acceptance. Only the delivered energy is state: it is
 * integrated in the simulator's fixed steps, so the charging power (which follows the delivered
 * energy and the allocation limit) is the same however the caller chunks time.
 */
import type { ChargePointSpec } from "../site/site-file.ts";
import type { DeviceFault } from "./battery.ts";
import { requireFinite, simError } from "./errors.ts";
import { uniform } from "./prng.ts";
import type { ChargePointReading, Stamped } from "./readings.ts";

export const SESSION_SLOT_MS = 2 * 3600_000;
const S_EV_PHASE = 41;
const S_EV_OCCUPIED = 42;
const S_EV_ARRIVE = 43;
const S_EV_DWELL = 44;
const S_EV_ENERGY = 45;
const S_EV_ACCEPT = 46;
/** Share of slots in which an EV comes (a fleet depot: most bays are used; vans need 15–90 kWh). */
const OCCUPANCY = 0.85;
/** What the EV's own charger accepts, W (AC 3-phase, DC). */
const EV_ACCEPTANCE_W = [11_000, 22_000, 50_000, 150_000] as const;
/** Above this fraction of the requested energy the EV tapers its acceptance linearly (to 10 %). */
const TAPER_FROM = 0.8;

export interface SessionPlan {
  /** Slot index: identifies the session. */
  key: number;
  arriveMs: number;
  departMs: number;
  energyWh: number;
  evMaxW: number;
}

/** The session of connector `index` whose slot contains `tMs`, or null when the slot is empty. */
export function sessionAt(seed: number, index: number, tMs: number): SessionPlan | null {
  const phase = uniform(seed, S_EV_PHASE, index) * SESSION_SLOT_MS;
  const key = Math.floor((tMs - phase) / SESSION_SLOT_MS);
  const slotStart = phase + key * SESSION_SLOT_MS;
  const k = key + 2 ** 31; // non-negative for the hash whatever the epoch
  if (uniform(seed, S_EV_OCCUPIED, index, k) >= OCCUPANCY) return null;
  const arriveMs = Math.round(slotStart + uniform(seed, S_EV_ARRIVE, index, k) * 0.1 * SESSION_SLOT_MS);
  const departMs = Math.round(Math.min(slotStart + SESSION_SLOT_MS - 60_000, arriveMs + (0.5 + 0.45 * uniform(seed, S_EV_DWELL, index, k)) * SESSION_SLOT_MS));
  const energyWh = Math.round(15_000 + 75_000 * uniform(seed, S_EV_ENERGY, index, k));
  const evMaxW = EV_ACCEPTANCE_W[Math.floor(uniform(seed, S_EV_ACCEPT, index, k) * EV_ACCEPTANCE_W.length)] as number;
  return { key, arriveMs, departMs, energyWh, evMaxW };
}

/** What the EV accepts after delivering `deliveredWh` of `plan.energyWh`, W. */
export function evAcceptanceW(plan: SessionPlan, deliveredWh: number): number {
  if (deliveredWh >= plan.energyWh) return 0;
  const frac = deliveredWh / plan.energyWh;
  return frac < TAPER_FROM ? plan.evMaxW : plan.evMaxW * Math.max(0.1, (1 - frac) / (1 - TAPER_FROM));
}

export interface ConnectorState {
  id: string;
  maxPowerW: number;
  /** Global index among the site's connectors (the seed stream of its sessions). */
  index: number;
  plan: SessionPlan | null;
  sessionActive: boolean;
  /** Of the current session, or of the last one once it ended (reset when the next begins). */
  energyDeliveredWh: number;
  powerW: number;
  /** What the EV asks for now: min(EV acceptance, connector rating), 0 without an EV. Limits do not change it. */
  requestedW: number;
  /** Per-connector allocation limit, W; null: none. */
  limitW: number | null;
}

export class ChargePointUnit {
  limitW: number | null = null;
  fault: DeviceFault | null = null;
  readonly connectors: ConnectorState[];

  constructor(
    readonly spec: ChargePointSpec,
    firstIndex: number,
  ) {
    this.connectors = spec.connectors.map((c, i) => ({ id: c.id, maxPowerW: c.maxPowerW, index: firstIndex + i, plan: null, sessionActive: false, energyDeliveredWh: 0, powerW: 0, requestedW: 0, limitW: null }));
  }

  /** The EVs' wish over all connectors, capped at the rating; 0 in a fault (the charger cannot deliver). */
  get requestedW(): number {
    if (this.fault !== null) return 0;
    let r = 0;
    for (const c of this.connectors) r += c.requestedW;
    return Math.min(r, this.spec.maxPowerW);
  }

  /** Sets one connector's allocation limit; null lifts it. Refuses an unknown connector and a value outside [0, its rating]. */
  setConnectorLimit(connectorId: string, wattsOrNull: number | null): void {
    const c = this.connectors.find((x) => x.id === connectorId);
    if (c === undefined) {
      throw simError("SIM_UNKNOWN_DEVICE", `charge point ${this.spec.id} has no connector ${String(connectorId)} (it has ${this.connectors.map((x) => x.id).join(", ")})`, { chargePointId: this.spec.id, connectorId: String(connectorId) });
    }
    c.limitW = wattsOrNull === null ? null : requireFinite(`connector ${connectorId} limit watts`, wattsOrNull, 0, c.maxPowerW);
  }

  /** The reading of this instant (the simulator adds the timestamp and quality). */
  reading(): Omit<ChargePointReading, keyof Stamped> {
    return {
      id: this.spec.id,
      activePowerW: this.powerW,
      requestedPowerW: this.requestedW,
      connectors: this.connectors.map((c) => ({ id: c.id, activePowerW: c.powerW, requestedPowerW: c.requestedW, limitW: c.limitW, sessionActive: c.sessionActive, energyDeliveredWh: c.energyDeliveredWh })),
      limitW: this.limitW,
      maxPowerW: this.spec.maxPowerW,
      fault: this.fault,
    };
  }

  get powerW(): number {
    let p = 0;
    for (const c of this.connectors) p += c.powerW;
    return p;
  }

  /**
   * Sets the power of each connector for the step [b, b + dtS): power = min(EV acceptance,
   * connector max, connector limit), scaled down together to min(charge point max, allocation
   * limit); 0 in a fault. The request (min(EV acceptance, connector max)) ignores the limits.
   * Never delivers more energy than the session still needs.
   */
  plan(seed: number, b: number, dtS: number): void {
    let desired = 0;
    for (const c of this.connectors) {
      const plan = sessionAt(seed, c.index, b);
      const present = plan !== null && plan.arriveMs <= b && b < plan.departMs;
      if (present && c.plan?.key !== plan.key) c.energyDeliveredWh = 0;
      if (present) c.plan = plan;
      c.sessionActive = present;
      const wish = present ? Math.min(evAcceptanceW(plan, c.energyDeliveredWh), c.maxPowerW) : 0;
      c.requestedW = wish;
      const p = present ? Math.min(wish, c.limitW ?? Infinity, ((plan.energyWh - c.energyDeliveredWh) * 3600) / dtS) : 0;
      c.powerW = Math.max(0, p);
      desired += c.powerW;
    }
    const cap = this.fault !== null ? 0 : Math.min(this.spec.maxPowerW, this.limitW ?? Infinity);
    if (desired > cap) {
      const scale = desired > 0 ? cap / desired : 0;
      for (const c of this.connectors) c.powerW *= scale;
    }
  }

  /** Integrates the step's energy (rectangle rule, as the power is constant over the step). */
  integrate(dtS: number): void {
    for (const c of this.connectors) c.energyDeliveredWh += (c.powerW * dtS) / 3600;
  }
}
