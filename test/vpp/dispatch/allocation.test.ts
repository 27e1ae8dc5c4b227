import { describe, expect, it } from "vitest";
import { test as prop, fc } from "@fast-check/vitest";
import { allocate } from "../../../src/vpp/dispatch/allocation.ts";
import type { BatteryState } from "../../../src/vpp/dispatch/battery-state.ts";

const battery = (id: string, maxDis: number, soc = 50, maxCh = maxDis): BatteryState => ({ id, socPercent: soc, activePowerW: 0, targetPowerW: 0, droopPowerW: 0, maxDischargePowerW: maxDis, maxChargePowerW: maxCh, state: "idle", quality: "GOOD" });

describe("allocate", () => {
  it("shares by capacity at equal state of charge", () => {
    const a = allocate(120_000, [battery("a", 200_000), battery("b", 40_000)]);
    expect(a.setpointsW.get("a")).toBeCloseTo(100_000, 6);
    expect(a.setpointsW.get("b")).toBeCloseTo(20_000, 6);
    expect(a.unallocatedW).toBe(0);
  });

  it("gives a fuller battery more discharge and an emptier one more charge", () => {
    const d = allocate(100_000, [battery("full", 100_000, 90), battery("empty", 100_000, 20)]);
    expect(d.setpointsW.get("full")!).toBeGreaterThan(d.setpointsW.get("empty")!);
    const c = allocate(-100_000, [battery("full", 100_000, 90), battery("empty", 100_000, 20)]);
    expect(c.setpointsW.get("empty")!).toBeLessThan(c.setpointsW.get("full")!);
  });

  it("fills a saturated battery to its limit and moves the rest to the others", () => {
    const a = allocate(230_000, [battery("a", 200_000, 90), battery("b", 40_000, 10)]);
    expect(a.setpointsW.get("a")).toBeCloseTo(200_000, 6);
    expect(a.setpointsW.get("b")).toBeCloseTo(30_000, 6);
  });

  it("reports what the fleet cannot place", () => {
    const a = allocate(300_000, [battery("a", 200_000), battery("b", 40_000)]);
    expect(a.unallocatedW).toBeCloseTo(60_000, 6);
  });

  it("places nothing on a battery with no headroom, and nothing for bad totals", () => {
    expect(allocate(50_000, [battery("a", 0), battery("b", 100_000)]).setpointsW.get("a")).toBe(0);
    expect(allocate(Number.NaN, [battery("a", 100_000)]).unallocatedW).toBe(0);
    expect(allocate(10, []).unallocatedW).toBe(10);
  });

  prop.prop([fc.double({ min: -500_000, max: 500_000, noNaN: true }), fc.array(fc.record({ cap: fc.integer({ min: 0, max: 200_000 }), soc: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 8 })], { numRuns: 200 })(
    "never exceeds a limit, and places min(|total|, Σ limits)",
    (total, specs) => {
      const bs = specs.map((s, i) => battery(`b${i}`, s.cap, s.soc));
      const a = allocate(total, bs);
      let sum = 0;
      for (const b of bs) {
        const w = a.setpointsW.get(b.id)!;
        expect(Math.abs(w)).toBeLessThanOrEqual(b.maxDischargePowerW + 1e-6);
        if (w !== 0) expect(Math.sign(w)).toBe(Math.sign(total));
        sum += w;
      }
      const limit = bs.reduce((s, b) => s + b.maxDischargePowerW, 0);
      expect(Math.abs(sum)).toBeCloseTo(Math.min(Math.abs(total), limit), 3);
    },
  );
});
