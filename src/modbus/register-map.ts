/**
 * The register-map file format (`tds/register-maps/*.map.json`): a Modbus device as data. Each
 * register names its protocol address and the datasheet number it comes from, its table, data type,
 * word order, vendor unit and scale, whether it can be written and within which limits, and the
 * standard channel it feeds (a seed 003 grid-meter channel or a BESS property) with the unit factor
 * and the sign quantity whose vendor convention may differ from ours. Pure: no fs.
 */
import { modbusError } from "./errors.ts";

export type RegisterTable = "input" | "holding";
export type RegisterType = "float32" | "int16" | "uint16" | "int32" | "uint32";
/** Order of the two 16-bit words of a 32-bit value. Bytes inside a word are big-endian (Modbus). */
export type WordOrder = "high-first" | "low-first";
/**
 * How `datasheetAddress` relates to `address`: `modicon` = 30001 + address for input registers and
 * 40001 + address for holding registers (Eastron); `one-based` = address + 1 (SunSpec register numbers).
 */
export type DatasheetNumbering = "modicon" | "one-based";

/** Quantities whose sign convention a vendor may choose differently from ours. */
export type SignQuantity = "activePower" | "reactivePower" | "batteryPower";

/** Our conventions (seed 003, DESIGN.md): grid import positive, IEEE 1459 load convention, battery discharge positive. */
export const STANDARD_SIGNS = {
  activePower: "import-positive",
  reactivePower: "inductive-positive",
  batteryPower: "discharge-positive",
} as const satisfies Record<SignQuantity, string>;

export const OPPOSITE_SIGNS = {
  activePower: "export-positive",
  reactivePower: "capacitive-positive",
  batteryPower: "charge-positive",
} as const satisfies Record<SignQuantity, string>;

export type SignConvention = {
  [Q in SignQuantity]?: (typeof STANDARD_SIGNS)[Q] | (typeof OPPOSITE_SIGNS)[Q];
};

export interface ChannelBinding {
  /** Standard channel or property fed by the register, e.g. `ActivePower_L1` or `target_output_kw`. */
  name: string;
  /** Standard unit of the channel, e.g. `W`, `kWh`, `VAR`. */
  unit: string;
  /** Multiply a vendor-unit value by this to get the standard unit (vendor kW → W: 1000). */
  factor: number;
  /** The quantity whose sign convention applies; the map's `signConvention` says whether to invert. */
  sign?: SignQuantity;
}

export interface WritableLimits {
  /** Limits in the vendor unit, inclusive. */
  minimum: number;
  maximum: number;
}

export interface RegisterSpec {
  name: string;
  /** 0-based protocol address. */
  address: number;
  /** The number the datasheet gives (e.g. 30053); see the map's `datasheetNumbering`. */
  datasheetAddress: number;
  /** Datasheet and section or point the register is taken from. */
  source: string;
  description?: string;
  table: RegisterTable;
  type: RegisterType;
  wordOrder: WordOrder;
  /** Vendor unit ("" for dimensionless). */
  unit: string;
  /** vendor value = raw × scale (for integer types; 1 for float32). */
  scale: number;
  writable?: WritableLimits;
  /** Allowed vendor values when the register is an enumeration (checked on writes). */
  enum?: number[];
  /** Served as this fixed vendor value without asking the provider (identification markers). */
  constant?: number;
  channel?: ChannelBinding;
}

export interface RegisterMap {
  id: string;
  title: string;
  manufacturer?: string;
  model?: string;
  description?: string;
  datasheetNumbering: DatasheetNumbering;
  signConvention: SignConvention;
  registers: RegisterSpec[];
}

const TYPES: readonly RegisterType[] = ["float32", "int16", "uint16", "int32", "uint32"];
const TABLES: readonly RegisterTable[] = ["input", "holding"];
const WORD_ORDERS: readonly WordOrder[] = ["high-first", "low-first"];
const NUMBERINGS: readonly DatasheetNumbering[] = ["modicon", "one-based"];
const SIGN_QUANTITIES = Object.keys(STANDARD_SIGNS) as SignQuantity[];
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

export function wordCount(type: RegisterType): 1 | 2 {
  return type === "int16" || type === "uint16" ? 1 : 2;
}

/** Raw integer range of a type (float32 has none). */
export function rawRange(type: RegisterType): [number, number] | undefined {
  switch (type) {
    case "int16":
      return [-0x8000, 0x7fff];
    case "uint16":
      return [0, 0xffff];
    case "int32":
      return [-0x80000000, 0x7fffffff];
    case "uint32":
      return [0, 0xffffffff];
    default:
      return undefined;
  }
}

/** The datasheet number a protocol address has under a numbering, or undefined when it cannot be computed. */
export function expectedDatasheetAddress(numbering: DatasheetNumbering, table: RegisterTable, address: number): number {
  if (numbering === "one-based") return address + 1;
  return (table === "input" ? 30001 : 40001) + address;
}

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function checkKeys(where: string, value: Record<string, unknown>, allowed: readonly string[], problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key) && key !== "$comment") problems.push(`${where}.${key}: unknown field`);
  }
}

function checkString(where: string, value: unknown, problems: Problems, required = true): void {
  if (value === undefined && !required) return;
  if (typeof value !== "string" || (required && value.length === 0)) problems.push(`${where}: must be a non-empty string`);
}

function checkChannel(where: string, value: unknown, problems: Problems): void {
  if (!isRecord(value)) {
    problems.push(`${where}: must be an object {name, unit, factor, sign?}`);
    return;
  }
  checkKeys(where, value, ["name", "unit", "factor", "sign"], problems);
  if (typeof value.name !== "string" || !NAME_PATTERN.test(value.name)) problems.push(`${where}.name: must be an identifier`);
  if (typeof value.unit !== "string") problems.push(`${where}.unit: must be a string (the standard unit)`);
  if (!isFiniteNumber(value.factor) || value.factor === 0) problems.push(`${where}.factor: must be a finite non-zero number`);
  if (value.sign !== undefined && !SIGN_QUANTITIES.includes(value.sign as SignQuantity)) {
    problems.push(`${where}.sign: must be one of ${SIGN_QUANTITIES.join(", ")}`);
  }
}

function checkRegister(where: string, value: unknown, numbering: DatasheetNumbering | undefined, problems: Problems): void {
  if (!isRecord(value)) {
    problems.push(`${where}: must be an object`);
    return;
  }
  checkKeys(
    where,
    value,
    ["name", "address", "datasheetAddress", "source", "description", "table", "type", "wordOrder", "unit", "scale", "writable", "enum", "constant", "channel"],
    problems,
  );
  if (typeof value.name !== "string" || !NAME_PATTERN.test(value.name)) problems.push(`${where}.name: must be an identifier (letters, digits, _)`);
  if (!isInt(value.address, 0, 0xffff)) problems.push(`${where}.address: must be an integer 0..65535 (0-based protocol address)`);
  if (!isInt(value.datasheetAddress, 1, 999999)) problems.push(`${where}.datasheetAddress: must be a positive integer`);
  checkString(`${where}.source`, value.source, problems);
  checkString(`${where}.description`, value.description, problems, false);
  if (!TABLES.includes(value.table as RegisterTable)) problems.push(`${where}.table: must be "input" or "holding"`);
  if (!TYPES.includes(value.type as RegisterType)) problems.push(`${where}.type: must be one of ${TYPES.join(", ")}`);
  if (!WORD_ORDERS.includes(value.wordOrder as WordOrder)) problems.push(`${where}.wordOrder: must be "high-first" or "low-first"`);
  if (typeof value.unit !== "string") problems.push(`${where}.unit: must be a string ("" when dimensionless)`);
  if (!isFiniteNumber(value.scale) || value.scale <= 0) problems.push(`${where}.scale: must be a positive number`);
  if (value.type === "float32" && value.scale !== 1) problems.push(`${where}.scale: must be 1 for float32`);
  if (isInt(value.address, 0, 0xffff) && TYPES.includes(value.type as RegisterType)) {
    if (value.address + wordCount(value.type as RegisterType) - 1 > 0xffff) problems.push(`${where}.address: register runs past 65535`);
  }
  if (numbering && isInt(value.address, 0, 0xffff) && TABLES.includes(value.table as RegisterTable) && isInt(value.datasheetAddress, 1, 999999)) {
    const expected = expectedDatasheetAddress(numbering, value.table as RegisterTable, value.address);
    if (expected !== value.datasheetAddress) {
      problems.push(`${where}.datasheetAddress: ${value.datasheetAddress} does not match address ${value.address} under "${numbering}" numbering (expected ${expected})`);
    }
  }
  if (value.writable !== undefined) {
    const w = value.writable;
    if (!isRecord(w) || !isFiniteNumber(w.minimum) || !isFiniteNumber(w.maximum) || w.minimum > w.maximum) {
      problems.push(`${where}.writable: must be {minimum, maximum} with minimum <= maximum (vendor unit)`);
    } else {
      checkKeys(`${where}.writable`, w, ["minimum", "maximum"], problems);
      if (value.table !== "holding") problems.push(`${where}.writable: only holding registers can be written`);
      const range = rawRange(value.type as RegisterType);
      if (range && isFiniteNumber(value.scale)) {
        if (w.minimum / value.scale < range[0] || w.maximum / value.scale > range[1]) {
          problems.push(`${where}.writable: limits do not fit the ${String(value.type)} range at scale ${value.scale}`);
        }
      }
    }
  }
  if (value.enum !== undefined && (!Array.isArray(value.enum) || value.enum.length === 0 || !value.enum.every(isFiniteNumber))) {
    problems.push(`${where}.enum: must be a non-empty array of numbers`);
  }
  if (value.constant !== undefined) {
    if (!isFiniteNumber(value.constant)) problems.push(`${where}.constant: must be a number`);
    if (value.writable !== undefined) problems.push(`${where}.constant: a constant register cannot be writable`);
  }
  if (value.channel !== undefined) checkChannel(`${where}.channel`, value.channel, problems);
}

/**
 * Check an unknown value (a parsed map file) and return it typed, or throw MODBUS_MAP_INVALID
 * listing every problem with its path (`registers[3].address: …`).
 */
export function parseRegisterMap(value: unknown, origin = "register map"): RegisterMap {
  const problems: Problems = [];
  if (!isRecord(value)) throw modbusError("MODBUS_MAP_INVALID", `${origin}: must be a JSON object`, { problems: ["(root): must be an object"] });
  checkKeys("(root)", value, ["$schema", "id", "title", "manufacturer", "model", "description", "datasheetNumbering", "signConvention", "registers"], problems);
  if (typeof value.id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(value.id)) problems.push("id: must be a lower-case identifier (a-z, 0-9, -)");
  checkString("title", value.title, problems);
  checkString("manufacturer", value.manufacturer, problems, false);
  checkString("model", value.model, problems, false);
  checkString("description", value.description, problems, false);
  const numbering = NUMBERINGS.includes(value.datasheetNumbering as DatasheetNumbering) ? (value.datasheetNumbering as DatasheetNumbering) : undefined;
  if (!numbering) problems.push(`datasheetNumbering: must be one of ${NUMBERINGS.join(", ")}`);
  if (!isRecord(value.signConvention)) {
    problems.push("signConvention: must be an object, e.g. {\"activePower\": \"export-positive\"}");
  } else {
    for (const [quantity, convention] of Object.entries(value.signConvention)) {
      if (quantity === "$comment") continue;
      if (!SIGN_QUANTITIES.includes(quantity as SignQuantity)) {
        problems.push(`signConvention.${quantity}: unknown quantity (known: ${SIGN_QUANTITIES.join(", ")})`);
        continue;
      }
      const q = quantity as SignQuantity;
      if (convention !== STANDARD_SIGNS[q] && convention !== OPPOSITE_SIGNS[q]) {
        problems.push(`signConvention.${quantity}: must be "${STANDARD_SIGNS[q]}" or "${OPPOSITE_SIGNS[q]}"`);
      }
    }
  }
  if (!Array.isArray(value.registers) || value.registers.length === 0) {
    problems.push("registers: must be a non-empty array");
  } else {
    value.registers.forEach((r, i) => checkRegister(`registers[${i}]`, r, numbering, problems));
    if (problems.length === 0) checkOverlaps(value.registers as RegisterSpec[], value.signConvention as SignConvention, problems);
  }
  if (problems.length > 0) {
    throw modbusError("MODBUS_MAP_INVALID", `${origin}: ${problems.length} problem(s): ${problems.slice(0, 5).join("; ")}`, { problems });
  }
  return value as unknown as RegisterMap;
}

function checkOverlaps(registers: RegisterSpec[], signs: SignConvention, problems: Problems): void {
  const names = new Set<string>();
  const channels = new Set<string>();
  const owner = { input: new Map<number, string>(), holding: new Map<number, string>() };
  for (const [i, r] of registers.entries()) {
    if (names.has(r.name)) problems.push(`registers[${i}].name: duplicate name "${r.name}"`);
    names.add(r.name);
    if (r.channel) {
      if (channels.has(r.channel.name)) problems.push(`registers[${i}].channel.name: channel "${r.channel.name}" is fed by two registers`);
      channels.add(r.channel.name);
      if (r.channel.sign && signs[r.channel.sign] === undefined) {
        problems.push(`registers[${i}].channel.sign: signConvention has no entry for "${r.channel.sign}"`);
      }
    }
    for (let w = 0; w < wordCount(r.type); w++) {
      const other = owner[r.table].get(r.address + w);
      if (other !== undefined) problems.push(`registers[${i}].address: ${r.table} register ${r.address + w} already belongs to "${other}"`);
      owner[r.table].set(r.address + w, r.name);
    }
  }
}

/** +1 when the vendor's convention for the quantity is ours, −1 when it is the opposite. */
export function signFactor(map: RegisterMap, quantity: SignQuantity | undefined): 1 | -1 {
  if (!quantity) return 1;
  const vendor = map.signConvention[quantity];
  return vendor === undefined || vendor === STANDARD_SIGNS[quantity] ? 1 : -1;
}

/** Vendor value (vendor unit, vendor sign) → standard channel value. */
export function toStandard(map: RegisterMap, register: RegisterSpec, vendorValue: number): number {
  const channel = register.channel;
  if (!channel) return vendorValue;
  return vendorValue * channel.factor * signFactor(map, channel.sign);
}

/** Standard channel value → vendor value (what the device would hold). */
export function fromStandard(map: RegisterMap, register: RegisterSpec, standardValue: number): number {
  const channel = register.channel;
  if (!channel) return standardValue;
  return (standardValue / channel.factor) * signFactor(map, channel.sign);
}

export function findRegister(map: RegisterMap, name: string): RegisterSpec {
  const register = map.registers.find((r) => r.name === name);
  if (!register) throw modbusError("MODBUS_REGISTER_UNKNOWN", `${map.id}: no register "${name}"`, { map: map.id, register: name });
  return register;
}

/** The register feeding a standard channel, if any. */
export function registerForChannel(map: RegisterMap, channelName: string): RegisterSpec | undefined {
  return map.registers.find((r) => r.channel?.name === channelName);
}

/**
 * Check a vendor value against the register before a write: writable, within the limits and the
 * enumeration. Throws MODBUS_REGISTER_READ_ONLY or MODBUS_VALUE_OUT_OF_RANGE.
 */
export function checkWritable(register: RegisterSpec, vendorValue: number): void {
  if (!register.writable) throw modbusError("MODBUS_REGISTER_READ_ONLY", `register "${register.name}" is read-only`, { register: register.name });
  const { minimum, maximum } = register.writable;
  if (!Number.isFinite(vendorValue) || vendorValue < minimum || vendorValue > maximum) {
    throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: ${vendorValue} is outside [${minimum}, ${maximum}] ${register.unit}`.trim(), {
      register: register.name,
      value: vendorValue,
      minimum,
      maximum,
    });
  }
  if (register.enum && !register.enum.includes(vendorValue)) {
    throw modbusError("MODBUS_VALUE_OUT_OF_RANGE", `${register.name}: ${vendorValue} is not one of ${register.enum.join(", ")}`, {
      register: register.name,
      value: vendorValue,
    });
  }
}
