import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { gridMeterChannels } from "../../src/sim/grid-meter.ts";
import { GridSimulator } from "../../src/sim/index.ts";
import { demoSite, NOON_MS } from "./fixtures.ts";

const watts = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe("properties", () => {
  test.prop([fc.tuple(watts, watts, watts), fc.tuple(watts, watts, watts)], { numRuns: 200 })(
    "grid meter totals are the sums of the phases; |PF| ≤ 1 with the sign of P",
    (p, q) => {
      const c = gridMeterChannels({ activePowerW: p, reactivePowerVar: q });
      expect(c.ActivePower).toBeCloseTo(p[0] + p[1] + p[2], 6);
      expect(c.ReactivePower).toBeCloseTo(q[0] + q[1] + q[2], 6);
      expect(Math.abs(c.PowerFactor)).toBeLessThanOrEqual(1 + 1e-12);
      if (c.ActivePower < 0) expect(c.PowerFactor).toBeLessThanOrEqual(0);
      if (c.ActivePower > 0) expect(c.PowerFactor).toBeGreaterThanOrEqual(0);
      expect(c.ApparentPower).toBeGreaterThanOrEqual(Math.abs(c.ActivePower) - 1e-6);
    },
  );

  test.prop(
    [fc.array(fc.tuple(fc.double({ min: -300_000, max: 300_000, noNaN: true }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 8 })],
    { numRuns: 15 },
  )("battery SoC stays within [min, max], power within ratings, and the energy is the SoC change", (plan) => {
    const site = demoSite();
    site.batteries[1]!.capacityWh = 5_000; // bess-north-2: small, so plans hit the SoC limits
    const sim = new GridSimulator(site, { startTimeMs: NOON_MS });
    const b0 = sim.battery("bess-north-2");
    for (const [target, seconds] of plan) {
      sim.setBatteryTarget("bess-north-2", target);
      for (let s = 0; s < seconds; s += 20) {
        sim.step(Math.min(20, seconds - s));
        const b = sim.battery("bess-north-2");
        expect(b.socPercent).toBeGreaterThanOrEqual(10 - 1e-9);
        expect(b.socPercent).toBeLessThanOrEqual(95 + 1e-9);
        expect(b.activePowerW).toBeLessThanOrEqual(40_000 + 1e-6);
        expect(b.activePowerW).toBeGreaterThanOrEqual(-40_000 - 1e-6);
      }
    }
    const b = sim.battery("bess-north-2");
    const others = ["bess-north-1", "bess-south-1"].map((id) => sim.battery(id).activePowerW);
    expect(others).toEqual([0, 0]);
    expect(((b0.socPercent - b.socPercent) / 100) * 5_000).toBeCloseTo(sim.physics().energyWh.battery, 6);
  });
});
