import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSite } from "../../../src/site/site-schema.ts";
import { runLoadStepScenario } from "../../../src/vpp/regulation/load-step-scenario.ts";

const site = parseSite(readFileSync("tds/sites/demo.site.json", "utf8"), "demo");

describe("load-step scenario on the simulator (seed 000 flow, no wall time)", () => {
  it("without control the frequency stays below the band", () => {
    const r = runLoadStepScenario(site, { strategy: "none", durationSeconds: 40 });
    expect(r.nadirHz).toBeLessThan(59.98);
    expect(Math.abs(r.finalFrequencyHz - 60)).toBeGreaterThan(0.02);
  });

  it("remote dispatch brings it back inside ±0.02 Hz without oscillating", () => {
    const r = runLoadStepScenario(site, { strategy: "remote", durationSeconds: 60, latencyMs: 300 });
    expect(r.nadirHz).toBeLessThan(59.98);
    expect(Math.abs(r.finalFrequencyHz - 60)).toBeLessThanOrEqual(0.02);
    expect(r.reversals).toBe(0);
    for (const p of r.trace.filter((x) => x.t >= 20)) expect(Math.abs(p.frequencyHz - 60)).toBeLessThanOrEqual(0.02);
  });

  it("a battery killed mid-run has its share moved to the others", () => {
    const r = runLoadStepScenario(site, { strategy: "remote", durationSeconds: 90, latencyMs: 300, killBattery: { id: "bess-north-2", atSeconds: 30 } });
    expect(Math.abs(r.finalFrequencyHz - 60)).toBeLessThanOrEqual(0.02);
    const late = r.trace.filter((x) => x.t >= 70);
    for (const p of late) expect(p.batteryW).toBeGreaterThan(80_000);
  });

  it("embedded droop answers locally", () => {
    const r = runLoadStepScenario(site, { strategy: "droop", durationSeconds: 40, droop: { deadbandHz: 0.005, droopPercent: 0.1 } });
    expect(Math.abs(r.finalFrequencyHz - 60)).toBeLessThanOrEqual(0.02);
  });
});
