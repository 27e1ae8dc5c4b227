import { describe, expect, it } from "vitest";
import { GridSimulator, sessionAt, evAcceptanceW, SESSION_SLOT_MS } from "../../src/sim/index.ts";
import { validateSite } from "../../src/site/site-schema.ts";
import { demoSite, NIGHT_MS } from "./fixtures.ts";

const code = (c: string) => expect.objectContaining({ code: c });
const ids = ["cp-a1", "cp-a2", "cp-a3", "cp-b1", "cp-b2"];

function trace(sim: GridSimulator, chunksS: number[]): string {
  const out: unknown[] = [];
  for (const s of chunksS) {
    sim.step(s);
    out.push(ids.map((id) => sim.chargePoint(id)), sim.physics().frequencyHz, sim.gridMeter().ActivePower);
  }
  return JSON.stringify(out);
}

describe("charge points in the simulator", () => {
  it("sessions are a pure function of (seed, connector, time): arrival before departure, inside one slot", () => {
    let sessions = 0;
    for (let i = 0; i < 6; i++) {
      for (let t = NIGHT_MS; t < NIGHT_MS + 24 * 3600_000; t += 600_000) {
        const p = sessionAt(7, i, t);
        expect(sessionAt(7, i, t)).toEqual(p);
        if (!p) continue;
        sessions++;
        expect(p.arriveMs).toBeLessThan(p.departMs);
        expect(p.departMs - p.arriveMs).toBeLessThan(SESSION_SLOT_MS);
        expect(p.energyWh).toBeGreaterThan(0);
        expect(evAcceptanceW(p, 0)).toBe(p.evMaxW);
        expect(evAcceptanceW(p, p.energyWh)).toBe(0);
        expect(evAcceptanceW(p, 0.95 * p.energyWh)).toBeLessThan(p.evMaxW);
      }
    }
    expect(sessions).toBeGreaterThan(0);
  });

  it("is deterministic: same seed and calls give identical traces however time is chunked; another seed differs", () => {
    const a = trace(new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS }), [600, 600, 600]);
    const b = trace(new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS }), [600, 600, 600]);
    expect(a).toBe(b);
    const chunked = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    for (let i = 0; i < 120; i++) chunked.step(10.3);
    chunked.advanceTo(NIGHT_MS + 1_800_000);
    const whole = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    whole.advanceTo(NIGHT_MS + 1_800_000);
    expect(JSON.stringify(ids.map((id) => chunked.chargePoint(id)))).toBe(JSON.stringify(ids.map((id) => whole.chargePoint(id))));
    const other = trace(new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS, seed: 99 }), [600, 600, 600]);
    expect(other).not.toBe(a);
  });

  it("charging power adds to the site import, split over the three phases; the energy balance holds", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    let seen = 0;
    for (let i = 0; i < 24; i++) {
      sim.step(300);
      const p = sim.physics();
      seen = Math.max(seen, p.chargePointW);
      expect(p.chargePointW).toBeCloseTo(ids.reduce((s, id) => s + sim.chargePoint(id).activePowerW, 0), 6);
      expect(p.siteImportW).toBeCloseTo(p.meterNetW + p.injectedLoadStepW + p.chargePointW - p.pvW - p.windW - p.batteryW, 6);
    }
    expect(seen).toBeGreaterThan(0);
    const e = sim.physics().energyWh;
    expect(e.chargePoints).toBeGreaterThan(0);
    expect(e.siteImport).toBeCloseTo(e.meterNet + e.loadStep + e.chargePoints - e.pv - e.wind - e.battery, 6);
  });

  it("power respects the connector rating, the charge point rating and the allocation limit from the next step", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    const site = demoSite();
    for (let i = 0; i < 48; i++) {
      sim.step(150);
      for (const spec of site.chargePoints ?? []) {
        const r = sim.chargePoint(spec.id);
        expect(r.activePowerW).toBeLessThanOrEqual(spec.maxPowerW + 1e-9);
        r.connectors.forEach((c, j) => {
          expect(c.activePowerW).toBeGreaterThanOrEqual(0);
          expect(c.activePowerW).toBeLessThanOrEqual((spec.connectors[j]?.maxPowerW ?? 0) + 1e-9);
          if (!c.sessionActive) expect(c.activePowerW).toBe(0);
        });
      }
    }
    for (const id of ids) sim.setChargeLimit(id, 3_000);
    sim.step(0.1);
    for (const id of ids) {
      const r = sim.chargePoint(id);
      expect(r.limitW).toBe(3_000);
      expect(r.activePowerW).toBeLessThanOrEqual(3_000 + 1e-9);
    }
    for (const id of ids) sim.setChargeLimit(id, 0);
    sim.step(1);
    expect(sim.physics().chargePointW).toBe(0);
    sim.setChargeLimit("cp-a1", null);
    expect(sim.chargePoint("cp-a1").limitW).toBeNull();
  });

  it("requested power is the EVs' wish, whatever the limits: min(EV acceptance, rating) per connector, capped at the charge point", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    const site = demoSite();
    let wanted = 0;
    for (let i = 0; i < 24; i++) {
      sim.step(300);
      for (const spec of site.chargePoints ?? []) {
        const r = sim.chargePoint(spec.id);
        let sum = 0;
        r.connectors.forEach((c, j) => {
          expect(c.requestedPowerW).toBeLessThanOrEqual((spec.connectors[j]?.maxPowerW ?? 0) + 1e-9);
          if (!c.sessionActive) expect(c.requestedPowerW).toBe(0);
          expect(c.activePowerW).toBeLessThanOrEqual(c.requestedPowerW + 1e-9);
          sum += c.requestedPowerW;
        });
        expect(r.requestedPowerW).toBeCloseTo(Math.min(sum, spec.maxPowerW), 6);
        wanted += r.requestedPowerW;
      }
    }
    expect(wanted).toBeGreaterThan(0);
    // a limit lowers the power, never the request
    const limited = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    const free = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    limited.step(600);
    free.step(600);
    for (const id of ids) limited.setChargeLimit(id, 0);
    limited.step(0.1);
    free.step(0.1);
    for (const id of ids) {
      expect(limited.chargePoint(id).activePowerW).toBe(0);
      expect(limited.chargePoint(id).requestedPowerW).toBeCloseTo(free.chargePoint(id).requestedPowerW, 6);
    }
    limited.injectDeviceFault("cp-a2", { code: "RCD_TRIP", message: "residual current", critical: false });
    expect(limited.chargePoint("cp-a2").requestedPowerW).toBe(0);
  });

  it("a connector limit caps that connector from the next step, leaves the other and the request alone, and lifts with null", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    // find an instant with an EV on both connectors of cp-a1
    let found = false;
    for (let i = 0; i < 400 && !found; i++) {
      sim.step(60);
      const r = sim.chargePoint("cp-a1");
      found = r.connectors.every((c) => c.activePowerW > 3_000);
    }
    expect(found).toBe(true);
    const other = sim.chargePoint("cp-a1").connectors[1]?.activePowerW ?? 0;
    sim.setConnectorLimit("cp-a1", "con-a1-1", 2_000);
    sim.step(0.1);
    const [c1, c2] = sim.chargePoint("cp-a1").connectors;
    expect(c1).toMatchObject({ id: "con-a1-1", limitW: 2_000 });
    expect(c1?.activePowerW).toBeLessThanOrEqual(2_000 + 1e-9);
    expect(c1?.requestedPowerW).toBeGreaterThan(2_000);
    expect(c2?.limitW).toBeNull();
    expect(c2?.activePowerW).toBeCloseTo(other, 0);
    sim.setConnectorLimit("cp-a1", "con-a1-1", null);
    sim.step(0.1);
    expect(sim.chargePoint("cp-a1").connectors[0]?.limitW).toBeNull();
    expect(sim.chargePoint("cp-a1").connectors[0]?.activePowerW).toBeGreaterThan(2_000);
  });

  it("refuses a connector limit for an unknown connector or charge point, below 0, above the connector rating or not a number", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    expect(() => sim.setConnectorLimit("cp-a1", "con-zz", 1_000)).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => sim.setConnectorLimit("cp-a1", "con-a2-1", 1_000)).toThrowError(code("SIM_UNKNOWN_DEVICE")); // another charge point's connector
    expect(() => sim.setConnectorLimit("cp-zz", "con-a1-1", 1_000)).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => sim.setConnectorLimit("pv-north-1", "con-a1-1", 1_000)).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(() => sim.setConnectorLimit("cp-a1", "con-a1-1", -1)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setConnectorLimit("cp-a1", "con-a1-1", 22_001)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setConnectorLimit("cp-a1", "con-a1-1", Number.POSITIVE_INFINITY)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setConnectorLimit("cp-a1", "con-a1-1", "5" as unknown as number)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(sim.chargePoint("cp-a1").connectors.map((c) => c.limitW)).toEqual([null, null]);
    sim.setConnectorLimit("cp-a1", "con-a1-2", 22_000);
    expect(sim.chargePoint("cp-a1").connectors.map((c) => c.limitW)).toEqual([null, 22_000]);
  });

  it("a fault stops charging with quality ERROR; a dropout freezes the reading as STALE", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    sim.step(60);
    expect(sim.kindOf("cp-a2")).toBe("charge-point");
    expect(sim.chargePointIds()).toEqual(ids);
    sim.injectDeviceFault("cp-a2", { code: "RCD_TRIP", message: "residual current", critical: false });
    sim.step(1);
    expect(sim.chargePoint("cp-a2")).toMatchObject({ activePowerW: 0, quality: "ERROR", fault: { code: "RCD_TRIP" } });
    sim.clearDeviceFault("cp-a2");
    sim.step(1);
    expect(sim.chargePoint("cp-a2").quality).toBe("GOOD");
    const before = sim.chargePoint("cp-b1");
    sim.injectTelemetryDropout("cp-b1", 30);
    sim.step(10);
    const stale = sim.chargePoint("cp-b1");
    expect(stale.quality).toBe("STALE");
    expect(stale.timestamp).toBe(before.timestamp);
    sim.step(30);
    expect(sim.chargePoint("cp-b1").quality).toBe("GOOD");
  });

  it("bad input gets typed errors and changes nothing", () => {
    const sim = new GridSimulator(demoSite(), { startTimeMs: NIGHT_MS });
    expect(() => sim.chargePoint("cp-zz")).toThrowError(code("SIM_UNKNOWN_DEVICE"));
    expect(() => sim.chargePoint("bess-north-1")).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(() => sim.setChargeLimit("cp-a1", -1)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setChargeLimit("cp-a1", Number.NaN)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setChargeLimit("cp-a1", "5" as unknown as number)).toThrowError(code("SIM_INVALID_VALUE"));
    expect(() => sim.setChargeLimit("pv-north-1", 5)).toThrowError(code("SIM_WRONG_DEVICE_KIND"));
    expect(sim.chargePoint("cp-a1").limitW).toBeNull();
  });

  it("a site without charge points simulates as before (the field is optional)", () => {
    const site = demoSite();
    delete site.chargePoints;
    const sim = new GridSimulator(site, { startTimeMs: NIGHT_MS });
    sim.step(60);
    expect(sim.chargePointIds()).toEqual([]);
    expect(sim.physics().chargePointW).toBe(0);
  });
});

describe("site file chargePoints", () => {
  const invalid = (mutate: (s: ReturnType<typeof demoSite>) => void) => {
    const s = demoSite();
    mutate(s);
    return () => validateSite(s);
  };
  it("accepts the demo site and refuses duplicate ids, unknown or misplaced feeders, empty or bad connectors", () => {
    expect(validateSite(demoSite()).chargePoints?.map((c) => c.id)).toEqual(ids);
    expect(invalid((s) => void (s.chargePoints![1]!.id = "cp-a1"))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![1]!.connectors[0]!.id = "con-a1-1"))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![1]!.connectors[0]!.id = "bess-north-1"))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![0]!.feeder = "f-nowhere"))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![0]!.substation = "sub-n2"))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![0]!.connectors = []))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![0]!.connectors[0]!.maxPowerW = 0))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void (s.chargePoints![0]!.protocols = ["modbus"]))).toThrowError(code("SITE_FILE_INVALID"));
    expect(invalid((s) => void ((s.chargePoints![0] as unknown as Record<string, unknown>).colour = "red"))).toThrowError(code("SITE_FILE_INVALID"));
  });
});
