import { beforeEach, describe, expect, it } from "vitest";
import { loadRegisterMap } from "../../../src/modbus/register-map-file.ts";
import { fromStandard, type RegisterMap } from "../../../src/modbus/register-map.ts";
import { gridMeterChannels, type GridMeterChannels } from "../../../src/sim/index.ts";
import type { RegisterReadResult } from "../../../src/wot/modbus-reader.ts";
import { GridMeterAdapter, type MeterRegisterReader } from "../../../things/grid-meter/adapter.ts";

/** A meter whose registers follow `channels` in the SDM630 vendor convention; it can fail or drop out. */
class FakeMeter implements MeterRegisterReader {
  channels: GridMeterChannels = gridMeterChannels({ activePowerW: [15000, -3000, -2000], reactivePowerVar: [1000, 0, 0], frequencyHz: 60, importWh: 5000, exportWh: 1000 });
  mode: "ok" | "fail" | "dropout" | "throw" = "ok";
  reads = 0;
  constructor(private readonly map: RegisterMap) {}
  async readRegisters(names: readonly string[] = []): Promise<RegisterReadResult> {
    this.reads++;
    if (this.mode === "throw") throw new Error("reader stopped");
    const result: RegisterReadResult = { values: {}, failures: {} };
    for (const name of names) {
      const register = this.map.registers.find((r) => r.name === name)!;
      if (this.mode === "fail") result.failures[name] = { kind: "connection", message: "Max connection retries" };
      else if (this.mode === "dropout") result.failures[name] = { kind: "exception", modbusCode: 11, message: "Modbus exception 11" };
      else result.values[name] = Math.fround(fromStandard(this.map, register, (this.channels as unknown as Record<string, number>)[register.channel!.name]!));
    }
    return result;
  }
}

describe("GridMeterAdapter (fake meter, manual clock)", () => {
  let map: RegisterMap;
  let meter: FakeMeter;
  let clock: number;
  let adapter: GridMeterAdapter;

  beforeEach(async () => {
    map = await loadRegisterMap("sdm630.map.json");
    meter = new FakeMeter(map);
    clock = Date.parse("2026-06-21T10:00:00Z");
    adapter = new GridMeterAdapter({ device: meter, map, pollSeconds: 1, now: () => clock, timer: false });
  });

  it("serves seed 003 signs from a meter that reads export positive (worked example)", async () => {
    await adapter.poll();
    const s = adapter.snapshot();
    expect(s).toMatchObject({ ActivePower_L1: 15000, ActivePower_L2: -3000, ActivePower_L3: -2000, ActivePower: 10000, ReactivePower: 1000, quality: "GOOD" });
    expect(s.EnergyImport).toBeCloseTo(5, 6);
    expect(s.EnergyExport).toBeCloseTo(1, 6);
    expect(s.EnergyNet).toBeCloseTo(4, 6);
    expect(s.Timestamp).toBe("2026-06-21T10:00:00.000Z");
  });

  it("computes Frequency_RoCoF from successive polls", async () => {
    await adapter.poll();
    clock += 1000;
    meter.channels = { ...meter.channels, Frequency: 59.95 };
    await adapter.poll();
    expect(adapter.snapshot().Frequency_RoCoF).toBeCloseTo(-0.05, 4);
  });

  it("failed reads → ERROR, the values and Timestamp stay those of the last good poll; recovery → GOOD", async () => {
    await adapter.poll();
    const good = adapter.snapshot();
    clock += 1000;
    meter.mode = "fail";
    meter.channels = { ...meter.channels, ActivePower: 99999 };
    await adapter.poll();
    const failed = adapter.snapshot();
    expect(failed.quality).toBe("ERROR");
    expect(failed.ActivePower).toBe(good.ActivePower);
    expect(failed.Timestamp).toBe(good.Timestamp);
    clock += 1000;
    meter.mode = "throw";
    await adapter.poll();
    expect(adapter.snapshot().quality).toBe("ERROR");
    clock += 1000;
    meter.mode = "ok";
    await adapter.poll();
    expect(adapter.snapshot()).toMatchObject({ quality: "GOOD", ActivePower: 99999, Timestamp: new Date(clock).toISOString() });
    expect(adapter.failedPolls).toBe(2);
  });

  it("a dropout reported by the meter (exception 0B) → STALE, not fresh numbers", async () => {
    await adapter.poll();
    clock += 1000;
    meter.mode = "dropout";
    await adapter.poll();
    expect(adapter.snapshot().quality).toBe("STALE");
    expect(adapter.snapshot().Timestamp).toBe("2026-06-21T10:00:00.000Z");
  });

  it("missed polls: no fresh poll within 3 periods → STALE", async () => {
    await adapter.poll();
    clock += 3000;
    expect(adapter.snapshot().quality).toBe("GOOD");
    clock += 1;
    expect(adapter.snapshot().quality).toBe("STALE");
  });

  it("before any good poll it serves zeros at the epoch marked STALE or ERROR, never GOOD", async () => {
    expect(adapter.snapshot()).toMatchObject({ quality: "STALE", ActivePower: 0, Timestamp: "1970-01-01T00:00:00.000Z" });
    meter.mode = "fail";
    await adapter.poll();
    expect(adapter.snapshot().quality).toBe("ERROR");
  });

  it("does not start a second poll while one is in flight", async () => {
    await Promise.all([adapter.poll(), adapter.poll(), adapter.poll()]);
    expect(meter.reads).toBe(1);
  });

  it("notifies listeners after each poll, until unsubscribed", async () => {
    const seen: string[] = [];
    const off = adapter.onChange((s) => seen.push(s.quality));
    await adapter.poll();
    meter.mode = "fail";
    await adapter.poll();
    off();
    await adapter.poll();
    expect(seen).toEqual(["GOOD", "ERROR"]);
  });

  it.each([0, -1, Number.NaN, 4000])("refuses pollSeconds %s", (pollSeconds) => {
    expect(() => new GridMeterAdapter({ device: meter, map, pollSeconds, now: () => clock })).toThrow(expect.objectContaining({ code: "GRID_METER_CONFIG_INVALID" }));
  });

  it("uses a separate clock for the Timestamp when given (simulated time)", async () => {
    const stamped = new GridMeterAdapter({ device: meter, map, pollSeconds: 1, now: () => clock, stampNow: () => Date.parse("2030-01-01T00:00:00Z"), timer: false });
    await stamped.poll();
    expect(stamped.snapshot()).toMatchObject({ Timestamp: "2030-01-01T00:00:00.000Z", quality: "GOOD" });
  });
});
