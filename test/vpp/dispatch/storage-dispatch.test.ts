import { describe, expect, it } from "vitest";
import { assessFrequency, type GridSample } from "../../../src/vpp/regulation/frequency.ts";
import { decideDispatch, DEFAULT_DISPATCH, INITIAL_DISPATCH_STATE, type DispatchState } from "../../../src/vpp/dispatch/storage-dispatch.ts";
import type { BatteryState } from "../../../src/vpp/dispatch/battery-state.ts";

const battery = (id: string, maxDis: number, extra: Partial<BatteryState> = {}): BatteryState => ({ id, socPercent: 50, activePowerW: 0, targetPowerW: 0, droopPowerW: 0, maxDischargePowerW: maxDis, maxChargePowerW: maxDis, state: "idle", quality: "GOOD", ...extra });
const fleet = [battery("a", 200_000), battery("b", 40_000)];
const sample = (f: number, rocof = 0, timeMs = 10_000): GridSample => ({ timeMs, frequencyHz: f, rocofHzPerS: rocof, quality: "GOOD" });
const decide = (state: DispatchState, f: number, bs: BatteryState[] = fleet, now = 10_000, rocof = 0) => decideDispatch(state, assessFrequency(sample(f, rocof, now), now), bs, now);
const regulating = (commandW: number, setpointsW: Record<string, number>, lastCommandMs = 0): DispatchState => ({ mode: "regulating", fleetCommandW: commandW, setpointsW, lastCommandMs });

describe("decideDispatch (seed 004 steps 3–6)", () => {
  it("does nothing inside the ±0.02 Hz band when idle", () => {
    const { decision, state } = decide(INITIAL_DISPATCH_STATE, 59.985);
    expect(decision.reason).toBe("INSIDE_BAND");
    expect(decision.setpoints).toEqual([]);
    expect(state).toBe(INITIAL_DISPATCH_STATE);
  });

  it("sizes a settled deficit to the imbalance and allocates within limits", () => {
    const { decision, state } = decide(INITIAL_DISPATCH_STATE, 59.95);
    expect(decision.reason).toBe("RESIZED");
    expect(decision.availableCapacityW).toBe(240_000);
    expect(decision.requiredW).toBeCloseTo(105_000, 0);
    expect(decision.netImbalanceW).toBeCloseTo(135_000, 0);
    expect(decision.commandW).toBeCloseTo(105_000, 0);
    expect(decision.setpoints.map((s) => s.id)).toEqual(["a", "b"]);
    expect(decision.setpoints.reduce((s, p) => s + p.targetW, 0)).toBeCloseTo(105_000, 0);
    expect(state.mode).toBe("regulating");
  });

  it("caps the command at the available capacity (deficit reported)", () => {
    const { decision } = decide(INITIAL_DISPATCH_STATE, 59.8);
    expect(decision.commandW).toBeCloseTo(240_000, 0);
    expect(decision.netImbalanceW).toBeLessThan(0);
  });

  it("sends only part of the estimate while the frequency is still moving, then holds until settled", () => {
    const first = decide(INITIAL_DISPATCH_STATE, 59.95, fleet, 10_000, -0.05);
    expect(first.decision.reason).toBe("TRANSIENT_RESPONSE");
    expect(first.decision.commandW).toBeCloseTo(0.5 * 105_000, 0);
    const second = decide(first.state, 59.95, fleet, 13_000, -0.05);
    expect(second.decision.reason).toBe("UNSETTLED");
    expect(second.decision.setpoints).toEqual([]);
  });

  it("holds the command inside the band (hysteresis) instead of releasing it", () => {
    const state = regulating(100_000, { a: 83_333, b: 16_667 });
    const { decision } = decide(state, 59.995, fleet.map((b) => ({ ...b, activePowerW: b.id === "a" ? 83_333 : 16_667 })));
    expect(decision.reason).toBe("HOLD_INSIDE_BAND");
    expect(decision.setpoints).toEqual([]);
  });

  it("reduces the command when frequency overshoots the band on the other side", () => {
    const bs = fleet.map((b) => ({ ...b, activePowerW: b.id === "a" ? 83_333 : 16_667, targetPowerW: b.id === "a" ? 83_333 : 16_667 }));
    const { decision } = decide(regulating(100_000, { a: 83_333, b: 16_667 }), 60.03, bs);
    expect(decision.commandW).toBeCloseTo(100_000 - 63_000, -1);
  });

  it("is rate-limited: no second command within the minimum interval", () => {
    const { decision } = decide(regulating(50_000, { a: 40_000, b: 10_000 }, 9_500), 59.95);
    expect(decision.reason).toBe("RATE_LIMITED");
  });

  it("moves the share of a battery that left to the others at once, even inside the band", () => {
    const state = regulating(100_000, { a: 80_000, c: 20_000 });
    const bs = [battery("a", 200_000, { activePowerW: 80_000, targetPowerW: 80_000 })];
    const { decision } = decide(state, 59.99, bs, 10_500);
    expect(decision.reason).toBe("ENSEMBLE_CHANGED");
    expect(decision.setpoints).toEqual([{ id: "a", targetW: 100_000, previousW: 80_000 }]);
  });

  it("a battery that leaves while the frequency is still outside the band: its setpoint is added to the settled re-size", () => {
    const state = regulating(100_000, { a: 80_000, c: 20_000 });
    const bs = [battery("a", 200_000, { activePowerW: 80_000, targetPowerW: 80_000 })];
    const { decision } = decide(state, 59.979, bs, 10_500);
    expect(decision.reason).toBe("RESIZED");
    // a delivers 80 kW; 0.021 Hz short is 44.1 kW more; c's 20 kW is about to go: 144.1 kW, all on a
    expect(decision.requiredW).toBeCloseTo(80_000 + 44_100 + 20_000, 0);
    expect(decision.setpoints).toEqual([{ id: "a", targetW: expect.closeTo(144_100, 0), previousW: 80_000 }]);
  });

  it("a battery that leaves while the frequency is still moving: the held command is re-allocated at once, not held", () => {
    const state = regulating(100_000, { a: 80_000, c: 20_000 });
    const bs = [battery("a", 200_000, { activePowerW: 80_000, targetPowerW: 80_000 })];
    const { decision, state: next } = decide(state, 59.97, bs, 10_500, -0.05);
    expect(decision.reason).toBe("ENSEMBLE_CHANGED");
    expect(decision.setpoints).toEqual([{ id: "a", targetW: 100_000, previousW: 80_000 }]);
    expect(next).toMatchObject({ fleetCommandW: 100_000, setpointsW: { a: 100_000 } });
    // and with nobody gone, a moving frequency is still waited out
    expect(decide(next, 59.97, bs, 13_000, -0.05).decision.reason).toBe("UNSETTLED");
  });

  it("a battery that leaves before the grid meter has sampled again waits for the next sample, then its share moves", () => {
    const state = regulating(100_000, { a: 80_000, c: 20_000 }, 10_000); // commanded on the sample of t = 10 s
    const bs = [battery("a", 200_000, { activePowerW: 80_000, targetPowerW: 80_000 })];
    const same = decide(state, 59.99, bs, 10_000);
    expect(same.decision.reason).toBe("AWAITING_NEWER_SAMPLE");
    expect(same.state).toBe(state);
    const next = decide(same.state, 59.99, bs, 11_000);
    expect(next.decision.reason).toBe("ENSEMBLE_CHANGED");
    expect(next.decision.setpoints).toEqual([{ id: "a", targetW: 100_000, previousW: 80_000 }]);
  });

  it("excludes faulted and bad-quality batteries from the available capacity", () => {
    const bs = [battery("a", 200_000, { state: "fault" }), battery("b", 40_000, { quality: "STALE" }), battery("c", 10_000)];
    const { decision } = decide(INITIAL_DISPATCH_STATE, 59.95, bs);
    expect(decision.availableCapacityW).toBe(10_000);
    expect(decision.activeIds).toEqual(["c"]);
  });

  it("charges on over-frequency", () => {
    const { decision } = decide(INITIAL_DISPATCH_STATE, 60.04);
    expect(decision.commandW).toBeCloseTo(-84_000, 0);
    for (const s of decision.setpoints) expect(s.targetW).toBeLessThan(0);
  });

  it("does not act on an unusable sample (fail-safe hold)", () => {
    const a = assessFrequency({ ...sample(59.9), quality: "ERROR" }, 10_000);
    const { decision } = decideDispatch(regulating(50_000, { a: 50_000 }), a, fleet, 10_000);
    expect(decision.reason).toBe("SAMPLE_UNUSABLE");
    expect(decision.commandW).toBe(50_000);
  });

  it("ramps each setpoint", () => {
    const { decision } = decideDispatch(regulating(0, { a: 0, b: 0 }, 9_000), assessFrequency(sample(59.95), 10_000), fleet, 10_000, { ...DEFAULT_DISPATCH, minCommandIntervalMs: 500, rampWPerS: 10_000 });
    for (const s of decision.setpoints) expect(Math.abs(s.targetW - s.previousW)).toBeLessThanOrEqual(10_000);
  });

  it("stops with no active battery", () => {
    const { decision, state } = decide(regulating(50_000, { a: 50_000 }), 59.9, []);
    expect(decision.reason).toBe("NO_ACTIVE_BATTERY");
    expect(state.mode).toBe("idle");
  });
});
