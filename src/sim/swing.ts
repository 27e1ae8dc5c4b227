import type { GridPhysics } from "../site/site-file.ts";

/**
 * Aggregate swing equation of the synchronous area, per unit on S = systemBaseW, x = Δf/f0:
 *
 *   2H · dx/dt  = (Pgen − Pload)/S − D·x
 *   Pgen        = Psched + Pgov + Psec − Ptrip
 *   Tg · dPgov/dt = −(x/R)·S − Pgov           (primary: governor droop R, lag Tg; off if R = 0)
 *   dPsec/dt    = −β·x·S / Ts,  β = D + 1/R   (secondary/AGC: closes the error with time constant Ts)
 *
 * Inputs are constant over a step; integrated with classical RK4.
 */
export interface SwingState {
  x: number;
  governorW: number;
  secondaryW: number;
}

export interface SwingInputs {
  scheduledW: number;
  loadW: number;
  trippedW: number;
}

export const DEFAULT_GOVERNOR_TIME_CONSTANT_S = 1;

export function swingDerivative(g: GridPhysics, s: SwingState, u: SwingInputs): SwingState {
  const S = g.systemBaseW;
  const hasGovernor = g.governorDroopPerUnit > 0;
  const tg = g.governorTimeConstantSeconds ?? DEFAULT_GOVERNOR_TIME_CONSTANT_S;
  const algebraicGovernor = hasGovernor && tg <= 0;
  const governorW = algebraicGovernor ? (-s.x / g.governorDroopPerUnit) * S : s.governorW;
  const gen = u.scheduledW + governorW + s.secondaryW - u.trippedW;
  const dx = ((gen - u.loadW) / S - g.dampingPerUnit * s.x) / (2 * g.inertiaSeconds);
  const dGov = hasGovernor && !algebraicGovernor ? ((-s.x / g.governorDroopPerUnit) * S - s.governorW) / tg : 0;
  const beta = g.dampingPerUnit + (hasGovernor ? 1 / g.governorDroopPerUnit : 0);
  const dSec = g.secondaryControlSeconds > 0 ? (-beta * s.x * S) / g.secondaryControlSeconds : 0;
  return { x: dx, governorW: dGov, secondaryW: dSec };
}

export function swingStep(g: GridPhysics, s: SwingState, u: SwingInputs, dtS: number): SwingState {
  const add = (a: SwingState, b: SwingState, h: number): SwingState => ({
    x: a.x + b.x * h,
    governorW: a.governorW + b.governorW * h,
    secondaryW: a.secondaryW + b.secondaryW * h,
  });
  const k1 = swingDerivative(g, s, u);
  const k2 = swingDerivative(g, add(s, k1, dtS / 2), u);
  const k3 = swingDerivative(g, add(s, k2, dtS / 2), u);
  const k4 = swingDerivative(g, add(s, k3, dtS), u);
  const next = {
    x: s.x + (dtS / 6) * (k1.x + 2 * k2.x + 2 * k3.x + k4.x),
    governorW: s.governorW + (dtS / 6) * (k1.governorW + 2 * k2.governorW + 2 * k3.governorW + k4.governorW),
    secondaryW: s.secondaryW + (dtS / 6) * (k1.secondaryW + 2 * k2.secondaryW + 2 * k3.secondaryW + k4.secondaryW),
  };
  if (g.governorDroopPerUnit > 0 && (g.governorTimeConstantSeconds ?? DEFAULT_GOVERNOR_TIME_CONSTANT_S) <= 0) {
    next.governorW = (-next.x / g.governorDroopPerUnit) * g.systemBaseW;
  }
  return next;
}

/** Governor output at a state (the algebraic case has no state of its own). */
export function governorOutputW(g: GridPhysics, s: SwingState): number {
  if (g.governorDroopPerUnit <= 0) return 0;
  return (g.governorTimeConstantSeconds ?? DEFAULT_GOVERNOR_TIME_CONSTANT_S) <= 0 ? (-s.x / g.governorDroopPerUnit) * g.systemBaseW : s.governorW;
}
