import { describe, expect, it } from "vitest";
import { loadRegisterMap } from "../../src/modbus/register-map-file.ts";
import { findRegister, type RegisterSpec } from "../../src/modbus/register-map.ts";
import { modbusContentType, modbusDeviceTd, modbusFormsFor, modbusFormsForMap, registerPropertySchema } from "../../src/wot/modbus-forms.ts";
import { playgroundFailures, playgroundReport, validateTdSchema } from "../../src/td/td-validator.ts";

const endpoint = { host: "127.0.0.1", port: 5020, unitId: 3 };

function spec(overrides: Partial<RegisterSpec>): RegisterSpec {
  return { name: "R", address: 10, datasheetAddress: 40011, source: "t", table: "holding", type: "float32", wordOrder: "high-first", unit: "W", scale: 1, ...overrides };
}

describe("Modbus forms from a register map", () => {
  it("builds node-wot's read form for an SDM630 input register", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    const [read, ...rest] = modbusFormsFor(findRegister(map, "TotalSystemPower"), endpoint);
    expect(rest).toEqual([]);
    expect(read).toMatchObject({
      href: "modbus+tcp://127.0.0.1:5020/3/52?quantity=2",
      op: "readproperty",
      contentType: "application/octet-stream;length=4",
      "modv:entity": "InputRegister",
      "modv:function": "readInputRegister",
      "modv:type": "xsd:float",
      "modv:mostSignificantWord": true,
      "modv:zeroBasedAddressing": true,
    });
  });

  it("adds a write form for writable holding registers", async () => {
    const map = await loadRegisterMap("bess-sunspec.map.json");
    const forms = modbusFormsFor(findRegister(map, "ActivePowerSetpoint"), endpoint);
    expect(forms.map((f) => [f.op, f["modv:function"]])).toEqual([
      ["readproperty", "readHoldingRegisters"],
      ["writeproperty", "writeMultipleHoldingRegisters"],
    ]);
    const single = modbusFormsFor(findRegister(map, "DroopEnabled"), endpoint);
    expect(single[1]).toMatchObject({ "modv:function": "writeSingleHoldingRegister", contentType: "application/octet-stream;length=2;signed=false" });
  });

  it.each([
    [spec({ type: "int16" }), "application/octet-stream;length=2"],
    [spec({ type: "uint16" }), "application/octet-stream;length=2;signed=false"],
    [spec({ type: "uint32" }), "application/octet-stream;length=4;signed=false"],
    [spec({ type: "int32", wordOrder: "low-first" }), "application/octet-stream;length=4;byteSeq=LITTLE_ENDIAN_BYTE_SWAP"],
    [spec({ type: "float32", wordOrder: "low-first" }), "application/octet-stream;length=4;byteSeq=LITTLE_ENDIAN_BYTE_SWAP"],
  ])("content type of %o", (register, expected) => {
    expect(modbusContentType(register)).toBe(expected);
  });

  it("annotates power and energy registers with SAREF", async () => {
    const map = await loadRegisterMap("sdm630.map.json");
    expect(registerPropertySchema(findRegister(map, "TotalSystemPower"))["@type"]).toBe("saref:Power");
    expect(registerPropertySchema(findRegister(map, "TotalSystemVAr"))["@type"]).toBe("saref:Power");
    expect(registerPropertySchema(findRegister(map, "ImportActiveEnergy"))["@type"]).toBe("saref:Energy");
    expect(registerPropertySchema(findRegister(map, "FrequencyOfSupplyVoltages"))["@type"]).toBeUndefined();
  });

  it("describes a scaled integer as raw and says how to scale it", () => {
    const schema = registerPropertySchema(spec({ type: "int16", scale: 0.1, unit: "%", writable: { minimum: 0, maximum: 100 } }));
    expect(schema.type).toBe("integer");
    expect(String(schema.description)).toContain("multiply by 0.1");
    expect(schema.minimum).toBeUndefined();
    expect(registerPropertySchema(spec({ writable: { minimum: -5, maximum: 5 } }))).toMatchObject({ type: "number", minimum: -5, maximum: 5, readOnly: false, unit: "W" });
  });

  it("keys forms by property name, and by channel when asked", async () => {
    const map = await loadRegisterMap("bess-sunspec.map.json");
    expect(Object.keys(modbusFormsForMap(map, endpoint))).toContain("properties/ActivePowerSetpoint");
    const byChannel = modbusFormsForMap(map, endpoint, (r) => r.channel?.name);
    expect(Object.keys(byChannel)).toContain("properties/target_output_kw");
    expect(Object.keys(byChannel)).not.toContain("properties/SunSpecId");
  });

  it.each(["sdm630.map.json", "bess-sunspec.map.json"])("the device TD of %s validates (TD 1.1 schema, Playground)", async (file) => {
    const map = await loadRegisterMap(file);
    const td = modbusDeviceTd(map, endpoint, { id: `urn:gridthings:test:${map.id}`, title: map.id });
    expect(validateTdSchema(td)).toEqual([]);
    expect(playgroundFailures(await playgroundReport(td))).toEqual([]);
    expect(Object.keys(td.properties as object)).toHaveLength(map.registers.length);
    expect(JSON.stringify(td["@context"])).toContain("https://saref.etsi.org/core/");
    expect(td["@type"]).toContain("saref:Device");
  });
});
