/**
 * Register values ↔ 16-bit words, per the register's type, word order and scale.
 * Bytes inside a word are always big-endian (Modbus); `wordOrder` orders the two words of a 32-bit value.
 */
import { modbusError } from "./errors.ts";
import { rawRange, wordCount, type RegisterSpec } from "./register-map.ts";

const scratch = new DataView(new ArrayBuffer(4));

/** Vendor value → raw number as stored (integer types: vendor / scale, rounded). Throws MODBUS_VALUE_OUT_OF_RANGE. */
export function vendorToRaw(register: RegisterSpec, vendorValue: number): number {
  if (!Number.isFinite(vendorValue)) {
    throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: ${vendorValue} is not a finite number`, { register: register.name });
  }
  if (register.type === "float32") return vendorValue;
  const raw = Math.round(vendorValue / register.scale);
  const range = rawRange(register.type);
  if (range && (raw < range[0] || raw > range[1])) {
    throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: ${vendorValue} does not fit ${register.type} at scale ${register.scale}`, {
      register: register.name,
      value: vendorValue,
    });
  }
  return raw;
}

/** Encode a vendor value into the register's words (1 or 2 numbers 0..65535). */
export function encodeRegister(register: RegisterSpec, vendorValue: number): number[] {
  const raw = vendorToRaw(register, vendorValue);
  switch (register.type) {
    case "int16":
      return [raw & 0xffff];
    case "uint16":
      return [raw];
    case "float32":
      scratch.setFloat32(0, raw, false);
      break;
    case "int32":
      scratch.setInt32(0, raw, false);
      break;
    case "uint32":
      scratch.setUint32(0, raw, false);
      break;
  }
  const high = scratch.getUint16(0, false);
  const low = scratch.getUint16(2, false);
  return register.wordOrder === "low-first" ? [low, high] : [high, low];
}

/** Decode the register's words (starting at `offset` in `words`) into the vendor value. */
export function decodeRegister(register: RegisterSpec, words: ArrayLike<number>, offset = 0): number {
  const first = words[offset];
  if (first === undefined) throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: no words to decode`, { register: register.name });
  if (wordCount(register.type) === 1) {
    const raw = register.type === "int16" ? (first << 16) >> 16 : first & 0xffff;
    return raw * register.scale;
  }
  const second = words[offset + 1];
  if (second === undefined) throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: needs two words`, { register: register.name });
  const [high, low] = register.wordOrder === "low-first" ? [second, first] : [first, second];
  scratch.setUint16(0, high & 0xffff, false);
  scratch.setUint16(2, low & 0xffff, false);
  switch (register.type) {
    case "float32":
      return scratch.getFloat32(0, false);
    case "int32":
      return scratch.getInt32(0, false) * register.scale;
    default:
      return scratch.getUint32(0, false) * register.scale;
  }
}

/** Decode from bytes as they travel (big-endian words), e.g. the body node-wot's Modbus client returns. */
export function decodeRegisterBytes(register: RegisterSpec, bytes: Uint8Array): number {
  const count = wordCount(register.type);
  if (bytes.length !== count * 2) {
    throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: expected ${count * 2} bytes, got ${bytes.length}`, { register: register.name });
  }
  const words: number[] = [];
  for (let i = 0; i < count; i++) words.push(((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number));
  return decodeRegister(register, words);
}
