import { describe, expect, it } from "vitest";
import { loadRegisterMap } from "../../../src/modbus/register-map-file.ts";
import { findRegister, fromStandard, parseRegisterMap, type RegisterMap } from "../../../src/modbus/register-map.ts";
import { gridMeterChannels } from "../../../src/sim/index.ts";
import { channelsFromRegisters, checkMapFeedsChannels, completeChannels, CHANNEL_NAMES } from "../../../things/grid-meter/channels.ts";
import { RocofEstimator } from "../../../things/grid-meter/rocof.ts";

/** The SDM630 registers a meter would hold for the given seed 003 channels (vendor units and signs). */
function vendorFor(map: RegisterMap, channels: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of map.registers) if (r.channel && channels[r.channel.name] !== undefined) out[r.name] = fromStandard(map, r, channels[r.channel.name] as number);
  return out;
}

describe("vendor registers → seed 003 channels", () => {
  it("seed 003's worked example: L1 +15 kW, L2 −3 kW, L3 −2 kW → ActivePower +10 kW import", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    // What the generator-reference SDM630 reads: the opposite signs.
    const vendor = { Phase1Power: -15000, Phase2Power: 3000, Phase3Power: 2000, TotalSystemPower: -10000 };
    const channels = channelsFromRegisters(map, vendor);
    expect(channels).toMatchObject({ ActivePower_L1: 15000, ActivePower_L2: -3000, ActivePower_L3: -2000, ActivePower: 10000 });
    // Without the meter's total, the sum of the phases gives the same.
    const { TotalSystemPower: _drop, ...phasesOnly } = vendor;
    const derived = completeChannels({ ...channelsFromRegisters(map, { ...phasesOnly, ...vendorFor(map, baseChannels()) }), ActivePower: undefined }, 0);
    expect(derived.ActivePower).toBe(10000);
  });

  it("inverts reactive power and swaps the energy counters of the generator-reference installation", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    const channels = channelsFromRegisters(map, { Phase1VoltAmpsReactive: -800, TotalSystemVAr: -1200, ImportActiveEnergy: 12.5, ExportActiveEnergy: 340.25, ImportReactiveEnergy: 3, ExportReactiveEnergy: 7 });
    expect(channels).toEqual({ ReactivePower_L1: 800, ReactivePower: 1200, EnergyExport: 12.5, EnergyImport: 340.25, ReactiveEnergyExport: 3, ReactiveEnergyImport: 7 });
  });

  it("round-trips every channel of a simulated reading through the vendor registers", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    const sim = gridMeterChannels({ activePowerW: [15000, -3000, -2000], reactivePowerVar: [2000, -500, 700], voltageV: [229, 231, 230.5], frequencyHz: 59.98, importWh: 1_234_567, exportWh: 89_000, reactiveImportVarh: 5000, reactiveExportVarh: 1000 });
    const out = completeChannels(channelsFromRegisters(map, vendorFor(map, sim as unknown as Record<string, number>)), 0.01);
    for (const name of CHANNEL_NAMES) {
      if (name === "Frequency_RoCoF") expect(out[name]).toBe(0.01);
      else expect(out[name], name).toBeCloseTo(sim[name], 6);
    }
    expect(out.EnergyNet).toBeCloseTo(1234.567 - 89, 9);
    expect(out.PowerFactor).toBeGreaterThan(0);
  });

  it("converts vendor kW to W and derives ApparentPower, PowerFactor and EnergyNet when the meter lacks them", () => {
    const kwMap = parseRegisterMap({
      id: "kw-meter", title: "meter in kW", datasheetNumbering: "one-based", signConvention: { activePower: "import-positive" },
      registers: CHANNEL_NAMES.filter((c) => !["ActivePower", "ReactivePower", "ApparentPower", "PowerFactor", "EnergyNet", "Frequency_RoCoF"].includes(c)).map((c, i) => ({
        name: `R${i}`, address: 2 * i, datasheetAddress: 2 * i + 1, source: "t", table: "input", type: "float32", wordOrder: "high-first",
        unit: c.startsWith("ActivePower") ? "kW" : "", scale: 1,
        channel: { name: c, unit: "", factor: c.startsWith("ActivePower") ? 1000 : 1, ...(c.startsWith("ActivePower") ? { sign: "activePower" } : {}) },
      })),
    });
    expect(() => checkMapFeedsChannels(kwMap)).not.toThrow();
    const vendor: Record<string, number> = {};
    for (const r of kwMap.registers) vendor[r.name] = 1;
    vendor[findRegister(kwMap, "R0").name] = -3; // ActivePower_L1 = −3 kW
    const out = completeChannels(channelsFromRegisters(kwMap, vendor), 0);
    expect(out.ActivePower_L1).toBe(-3000);
    expect(out.ActivePower).toBe(-3000 + 1000 + 1000);
    expect(out.ReactivePower).toBe(3);
    expect(out.ApparentPower).toBeCloseTo(Math.hypot(-1000, 3), 9);
    expect(out.PowerFactor).toBeCloseTo(-1000 / Math.hypot(-1000, 3), 9);
    expect(out.EnergyNet).toBe(0);
  });

  it("refuses a map that leaves a channel unfed, naming it", () => {
    const map = parseRegisterMap({
      id: "tiny", title: "tiny", datasheetNumbering: "one-based", signConvention: {},
      registers: [{ name: "F", address: 0, datasheetAddress: 1, source: "t", table: "input", type: "float32", wordOrder: "high-first", unit: "Hz", scale: 1, channel: { name: "Frequency", unit: "Hz", factor: 1 } }],
    });
    expect(() => checkMapFeedsChannels(map)).toThrow(expect.objectContaining({ code: "GRID_METER_MAP_INCOMPLETE", message: expect.stringContaining("Voltage_L1") }));
    expect(() => completeChannels({ Frequency: 60 }, 0)).toThrow(expect.objectContaining({ code: "GRID_METER_MAP_INCOMPLETE" }));
  });
});

describe("RoCoF by differentiating frequency", () => {
  it.each([
    ["first reading", [[60, 0]], 0],
    ["falling 0.1 Hz over 2 s", [[60, 0], [59.9, 2000]], -0.05],
    ["rising 0.02 Hz over 0.5 s", [[60, 0], [60, 1000], [60.02, 1500]], 0.04],
    ["a repeated instant keeps the last estimate", [[60, 0], [59.9, 1000], [59.5, 1000]], -0.1],
    ["a non-finite reading is ignored", [[60, 0], [Number.NaN, 500], [60.1, 1000]], 0.1],
  ] as const)("%s", (_label, readings, expected) => {
    const estimator = new RocofEstimator();
    let value = Number.NaN;
    for (const [hz, ms] of readings) value = estimator.update(hz, ms);
    expect(value).toBeCloseTo(expected, 9);
  });

  it("reset forgets the history", () => {
    const estimator = new RocofEstimator();
    estimator.update(60, 0);
    estimator.update(59, 1000);
    estimator.reset();
    expect(estimator.update(50, 2000)).toBe(0);
  });
});

function baseChannels(): Record<string, number> {
  return gridMeterChannels({ activePowerW: [15000, -3000, -2000] }) as unknown as Record<string, number>;
}
