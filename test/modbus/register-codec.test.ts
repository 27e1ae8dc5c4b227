import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { decodeRegister, decodeRegisterBytes, encodeRegister } from "../../src/modbus/register-codec.ts";
import type { RegisterSpec, RegisterType, WordOrder } from "../../src/modbus/register-map.ts";

function spec(type: RegisterType, wordOrder: WordOrder = "high-first", scale = 1): RegisterSpec {
  return { name: "R", address: 0, datasheetAddress: 40001, source: "test", table: "holding", type, wordOrder, unit: "", scale };
}

describe("register codec", () => {
  it("encodes float32 big-endian, high word first (IEEE 754: 1.0 = 0x3F80 0x0000)", () => {
    expect(encodeRegister(spec("float32"), 1)).toEqual([0x3f80, 0x0000]);
    expect(encodeRegister(spec("float32"), -15000)).toEqual([0xc66a, 0x6000]);
    expect(encodeRegister(spec("float32", "low-first"), 1)).toEqual([0x0000, 0x3f80]);
  });

  it("encodes scaled int16 as two's complement", () => {
    expect(encodeRegister(spec("int16", "high-first", 0.1), -12.3)).toEqual([0xff85]);
    expect(decodeRegister(spec("int16", "high-first", 0.1), [0xff85])).toBeCloseTo(-12.3, 10);
    expect(decodeRegister(spec("uint16", "high-first", 0.1), [0xff85])).toBeCloseTo(6541.3, 10);
  });

  it("encodes 32-bit integers in both word orders", () => {
    expect(encodeRegister(spec("uint32"), 0x53756e53)).toEqual([0x5375, 0x6e53]);
    expect(encodeRegister(spec("int32", "low-first"), -2)).toEqual([0xfffe, 0xffff]);
    expect(decodeRegister(spec("int32", "low-first"), [0xfffe, 0xffff])).toBe(-2);
  });

  it.each([
    ["int16", 40000],
    ["uint16", -1],
    ["uint32", 2 ** 32],
    ["int32", -(2 ** 31) - 1],
  ] as const)("refuses %s value %d that does not fit", (type, value) => {
    expect(() => encodeRegister(spec(type), value)).toThrow(expect.objectContaining({ code: "MODBUS_VALUE_OUT_OF_RANGE" }));
  });

  it("refuses non-finite values and short input", () => {
    expect(() => encodeRegister(spec("float32"), Number.NaN)).toThrow(/finite/);
    expect(() => encodeRegister(spec("int16"), Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => decodeRegister(spec("float32"), [0x3f80])).toThrow(/two words/);
    expect(() => decodeRegister(spec("int16"), [])).toThrow(/no words/);
    expect(() => decodeRegisterBytes(spec("float32"), new Uint8Array([0x3f, 0x80]))).toThrow(/expected 4 bytes/);
  });

  it("decodes bytes as they travel", () => {
    expect(decodeRegisterBytes(spec("float32"), new Uint8Array([0x3f, 0x80, 0, 0]))).toBe(1);
    expect(decodeRegisterBytes(spec("float32", "low-first"), new Uint8Array([0, 0, 0x3f, 0x80]))).toBe(1);
  });

  const types: RegisterType[] = ["int16", "uint16", "int32", "uint32"];
  test.prop([fc.constantFrom(...types), fc.constantFrom<WordOrder>("high-first", "low-first"), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })], { numRuns: 300 })(
    "integer round trip where the value fits",
    (type, order, raw) => {
      const r = spec(type, order);
      const fits =
        (type === "int16" && raw >= -32768 && raw <= 32767) ||
        (type === "uint16" && raw >= 0 && raw <= 65535) ||
        (type === "int32" && raw >= -(2 ** 31) && raw < 2 ** 31) ||
        (type === "uint32" && raw >= 0);
      if (!fits) {
        expect(() => encodeRegister(r, raw)).toThrow();
        return;
      }
      const words = encodeRegister(r, raw);
      expect(words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)).toBe(true);
      expect(decodeRegister(r, words)).toBe(raw);
    },
  );

  test.prop([fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom<WordOrder>("high-first", "low-first")], { numRuns: 300 })(
    "float32 round trip is exact for float32 values",
    (value, order) => {
      const r = spec("float32", order);
      expect(decodeRegister(r, encodeRegister(r, value))).toBe(value);
    },
  );
});
