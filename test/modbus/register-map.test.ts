import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { isCodedError } from "../../src/errors/coded-error.ts";
import {
  checkWritable,
  findRegister,
  fromStandard,
  parseRegisterMap,
  registerForChannel,
  signFactor,
  toStandard,
  type RegisterMap,
} from "../../src/modbus/register-map.ts";
import { loadRegisterMap, REGISTER_MAPS_DIR } from "../../src/modbus/register-map-file.ts";

const SEED_003_CHANNELS = [
  "ActivePower", "ActivePower_L1", "ActivePower_L2", "ActivePower_L3",
  "ReactivePower", "ReactivePower_L1", "ReactivePower_L2", "ReactivePower_L3",
  "ApparentPower", "PowerFactor", "Frequency",
  "Voltage_L1", "Voltage_L2", "Voltage_L3", "Current_L1", "Current_L2", "Current_L3",
  "EnergyImport", "EnergyExport", "ReactiveEnergyImport", "ReactiveEnergyExport",
];

function minimalMap(overrides: Record<string, unknown> = {}, register: Record<string, unknown> = {}): unknown {
  return {
    id: "test",
    title: "Test map",
    datasheetNumbering: "modicon",
    signConvention: { activePower: "export-positive" },
    registers: [
      {
        name: "Power",
        address: 52,
        datasheetAddress: 30053,
        source: "test datasheet",
        table: "input",
        type: "float32",
        wordOrder: "high-first",
        unit: "W",
        scale: 1,
        channel: { name: "ActivePower", unit: "W", factor: 1, sign: "activePower" },
        ...register,
      },
    ],
    ...overrides,
  };
}

function problemsOf(value: unknown): string[] {
  try {
    parseRegisterMap(value);
  } catch (err) {
    if (isCodedError(err) && err.code === "MODBUS_MAP_INVALID") return err.details.problems as string[];
    throw err;
  }
  return [];
}

describe("register map files in tds/register-maps", () => {
  const files = readdirSync(REGISTER_MAPS_DIR).filter((f) => f.endsWith(".map.json"));
  it("has the SDM630 and the BESS map", () => {
    expect(files).toEqual(expect.arrayContaining(["sdm630.map.json", "bess-sunspec.map.json"]));
  });
  for (const file of files) {
    it(`${file} validates`, async () => {
      const map = await loadRegisterMap(file);
      expect(map.registers.length).toBeGreaterThan(0);
    });
  }

  it("the SDM630 map feeds every metered seed 003 channel, at the datasheet addresses", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    for (const channel of SEED_003_CHANNELS) expect(registerForChannel(map, channel), channel).toBeDefined();
    expect(findRegister(map, "TotalSystemPower")).toMatchObject({ address: 52, datasheetAddress: 30053, type: "float32" });
    expect(findRegister(map, "FrequencyOfSupplyVoltages")).toMatchObject({ address: 70, datasheetAddress: 30071 });
    expect(findRegister(map, "ImportActiveEnergy")).toMatchObject({ address: 72, datasheetAddress: 30073 });
    expect(map.registers.every((r) => r.table === "input" && r.type === "float32" && r.wordOrder === "high-first")).toBe(true);
  });

  it("the SDM630 installation is generator-reference: active and reactive power invert", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    expect(signFactor(map, "activePower")).toBe(-1);
    expect(signFactor(map, "reactivePower")).toBe(-1);
    const l1 = findRegister(map, "Phase1Power");
    expect(toStandard(map, l1, -15000)).toBe(15000);
    expect(fromStandard(map, l1, 15000)).toBe(-15000);
    expect(toStandard(map, findRegister(map, "Phase1LineToNeutralVolts"), 231)).toBe(231);
  });

  it("the BESS map has writable setpoints and read-only telemetry", async () => {
    const map = await loadRegisterMap("bess-sunspec.map.json");
    expect(registerForChannel(map, "target_output_kw")?.writable).toBeDefined();
    expect(() => checkWritable(findRegister(map, "StateOfCharge"), 50)).toThrow(/read-only/);
    expect(() => checkWritable(findRegister(map, "DroopEnabled"), 2)).toThrow(/outside/);
    expect(() => checkWritable(findRegister(map, "DroopEnabled"), 0.5)).toThrow(/not one of/);
    expect(() => checkWritable(findRegister(map, "DroopEnabled"), 1)).not.toThrow();
  });
});

describe("parseRegisterMap", () => {
  it("accepts a minimal map", () => {
    const map = parseRegisterMap(minimalMap()) as RegisterMap;
    expect(map.registers[0]?.name).toBe("Power");
  });

  it.each([
    ["not an object", 42, "(root)"],
    ["no registers", minimalMap({ registers: [] }), "registers: must be a non-empty array"],
    ["bad numbering", minimalMap({ datasheetNumbering: "two-based" }), "datasheetNumbering"],
    ["unknown sign quantity", minimalMap({ signConvention: { torque: "cw" } }), "signConvention.torque"],
    ["bad sign value", minimalMap({ signConvention: { activePower: "sideways" } }), "signConvention.activePower"],
    ["unknown field", minimalMap({ colour: "red" }), "(root).colour: unknown field"],
  ])("rejects %s", (_label, value, expected) => {
    if (typeof value !== "object") {
      expect(() => parseRegisterMap(value)).toThrow(/must be a JSON object/);
      return;
    }
    expect(problemsOf(value).join("\n")).toContain(expected);
  });

  it.each([
    ["address out of range", { address: 70000 }, "registers[0].address"],
    ["a string address", { address: "52" }, "registers[0].address"],
    ["datasheet number that does not match", { datasheetAddress: 30054 }, "expected 30053"],
    ["unknown type", { type: "float64" }, "registers[0].type"],
    ["unknown table", { table: "coil" }, "registers[0].table"],
    ["bad word order", { wordOrder: "middle" }, "registers[0].wordOrder"],
    ["zero scale", { scale: 0 }, "registers[0].scale"],
    ["scaled float", { scale: 10 }, "must be 1 for float32"],
    ["writable input register", { writable: { minimum: 0, maximum: 1 } }, "only holding registers"],
    ["inverted limits", { table: "holding", datasheetAddress: 40053, writable: { minimum: 5, maximum: 1 } }, "minimum <= maximum"],
    ["int16 limits beyond the type", { table: "holding", datasheetAddress: 40053, type: "int16", scale: 1, writable: { minimum: 0, maximum: 40000 } }, "do not fit"],
    ["channel without factor", { channel: { name: "ActivePower", unit: "W" } }, "channel.factor"],
    ["unknown channel sign", { channel: { name: "ActivePower", unit: "W", factor: 1, sign: "spin" } }, "channel.sign"],
    ["no source", { source: "" }, "registers[0].source"],
  ])("rejects a register with %s", (_label, register, expected) => {
    expect(problemsOf(minimalMap({}, register)).join("\n")).toContain(expected);
  });

  it("rejects overlapping registers and duplicate names, naming both", () => {
    const map = minimalMap() as { registers: Record<string, unknown>[] };
    const first = map.registers[0] as Record<string, unknown>;
    map.registers.push({ ...first, name: "Other", address: 53, datasheetAddress: 30054, channel: undefined });
    map.registers.push({ ...first, address: 60, datasheetAddress: 30061, channel: undefined });
    const problems = problemsOf(JSON.parse(JSON.stringify(map))).join("\n");
    expect(problems).toContain('input register 53 already belongs to "Power"');
    expect(problems).toContain('duplicate name "Power"');
  });

  it("rejects a channel sign the map's signConvention does not declare", () => {
    const problems = problemsOf(minimalMap({ signConvention: {} }));
    expect(problems.join("\n")).toContain('signConvention has no entry for "activePower"');
  });

  it("loadRegisterMap reports a missing file and a non-JSON file with MODBUS_MAP_INVALID", async () => {
    await expect(loadRegisterMap("does-not-exist.map.json")).rejects.toMatchObject({ code: "MODBUS_MAP_INVALID" });
    const tmp = `${REGISTER_MAPS_DIR}../../package.json`;
    expect(readFileSync(tmp, "utf8").length).toBeGreaterThan(0);
    await expect(loadRegisterMap(tmp)).rejects.toMatchObject({ code: "MODBUS_MAP_INVALID" });
  });

  it("findRegister throws MODBUS_REGISTER_UNKNOWN", () => {
    const map = parseRegisterMap(minimalMap());
    expect(() => findRegister(map, "Nope")).toThrow(expect.objectContaining({ code: "MODBUS_REGISTER_UNKNOWN" }));
  });
});
