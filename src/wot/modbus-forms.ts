/**
 * node-wot Modbus forms (W3C WoT Modbus binding template, `modv:` terms) generated from a register
 * map. What node-wot's Modbus client (0.8.16) actually uses: the unit id and address in the href
 * path, the count from `?quantity=`, the entity or function, and the content type's `length`,
 * `signed` and `byteSeq` parameters together with the property's `type`. The other `modv:` terms
 * (`modv:type`, `modv:mostSignificantWord`, …) are for readers that follow the binding template;
 * node-wot ignores them and never applies a scale (see modbus-reader.ts).
 *
 * `modv:function` uses node-wot's spelling (`readInputRegister`, singular), which node-wot checks;
 * `modv:entity` is given too and is what node-wot acts on.
 */
import { wordCount, type RegisterMap, type RegisterSpec } from "../modbus/register-map.ts";
import type { Form, JsonObject } from "./published-td.ts";

export interface ModbusEndpoint {
  host: string;
  port: number;
  unitId: number;
}

export const MODV_CONTEXT = { modv: "https://www.w3.org/2019/wot/modbus#" } as const;
const SEMANTIC_CONTEXT = { saref: "https://saref.etsi.org/core/", s4grid: "https://saref.etsi.org/saref4grid/" } as const;

/** SAREF property class of a register from its vendor unit, when there is one. */
function sarefTypeOf(register: RegisterSpec): string | undefined {
  if (/^(k|M)?(W|VA|VAr|var|VAR)$/.test(register.unit)) return "saref:Power";
  if (/^(k|M)?(Wh|VArh|varh|VARh)$/.test(register.unit)) return "saref:Energy";
  return undefined;
}

const XSD_TYPE: Record<RegisterSpec["type"], string> = {
  float32: "xsd:float",
  int16: "xsd:short",
  uint16: "xsd:unsignedShort",
  int32: "xsd:int",
  uint32: "xsd:unsignedInt",
};

export function modbusHref(endpoint: ModbusEndpoint, register: RegisterSpec): string {
  return `modbus+tcp://${endpoint.host}:${endpoint.port}/${endpoint.unitId}/${register.address}?quantity=${wordCount(register.type)}`;
}

/** `application/octet-stream;length=n[;signed=false][;byteSeq=…]` for the register. */
export function modbusContentType(register: RegisterSpec): string {
  const parts = ["application/octet-stream", `length=${wordCount(register.type) * 2}`];
  if (register.type === "uint16" || register.type === "uint32") parts.push("signed=false");
  // Words low first, bytes big-endian inside each word = node-wot's LITTLE_ENDIAN_BYTE_SWAP.
  if (wordCount(register.type) === 2 && register.wordOrder === "low-first") parts.push("byteSeq=LITTLE_ENDIAN_BYTE_SWAP");
  return parts.join(";");
}

function baseForm(endpoint: ModbusEndpoint, register: RegisterSpec): Form {
  return {
    href: modbusHref(endpoint, register),
    contentType: modbusContentType(register),
    "modv:unitID": endpoint.unitId,
    "modv:address": register.address,
    "modv:quantity": wordCount(register.type),
    "modv:type": XSD_TYPE[register.type],
    "modv:zeroBasedAddressing": true,
    "modv:mostSignificantByte": true,
    "modv:mostSignificantWord": register.wordOrder === "high-first",
  };
}

/** The read form, and the write form when the register is writable. */
export function modbusFormsFor(register: RegisterSpec, endpoint: ModbusEndpoint): Form[] {
  const input = register.table === "input";
  const read: Form = {
    ...baseForm(endpoint, register),
    op: "readproperty",
    "modv:entity": input ? "InputRegister" : "HoldingRegister",
    "modv:function": input ? "readInputRegister" : "readHoldingRegisters",
  };
  if (!register.writable) return [read];
  const write: Form = {
    ...baseForm(endpoint, register),
    op: "writeproperty",
    "modv:entity": "HoldingRegister",
    "modv:function": wordCount(register.type) === 1 ? "writeSingleHoldingRegister" : "writeMultipleHoldingRegisters",
  };
  return [read, write];
}

/**
 * Forms for every register of a map that feeds a property, keyed `properties/<name>` as
 * ThingSpec.extraForms wants them. `propertyOf` names the property a register is served as
 * (default: the register's name; a Thing in standard units passes `r => r.channel?.name`).
 */
export function modbusFormsForMap(
  map: RegisterMap,
  endpoint: ModbusEndpoint,
  propertyOf: (register: RegisterSpec) => string | undefined = (r) => r.name,
): Record<string, Form[]> {
  const out: Record<string, Form[]> = {};
  for (const register of map.registers) {
    const property = propertyOf(register);
    if (property !== undefined) out[`properties/${property}`] = modbusFormsFor(register, endpoint);
  }
  return out;
}

/**
 * The data schema of a register as its Modbus forms carry it: vendor unit, the raw type
 * (`number` for float32, `integer` otherwise — a scaled integer travels raw, the description
 * says how to scale), and the writable limits.
 */
export function registerPropertySchema(register: RegisterSpec): JsonObject {
  const schema: JsonObject = {
    ...(sarefTypeOf(register) ? { "@type": sarefTypeOf(register) as string } : {}),
    title: register.name,
    description: [
      register.description,
      `Datasheet ${register.datasheetAddress} (${register.source}).`,
      register.type !== "float32" && register.scale !== 1 ? `Raw ${register.type}; multiply by ${register.scale} for ${register.unit}.` : undefined,
    ]
      .filter(Boolean)
      .join(" "),
    type: register.type === "float32" ? "number" : "integer",
    readOnly: !register.writable,
    observable: false,
  };
  if (register.unit !== "") schema.unit = register.unit;
  if (register.writable && register.scale === 1) {
    schema.minimum = register.writable.minimum;
    schema.maximum = register.writable.maximum;
  }
  if (register.enum) schema.enum = register.enum;
  return schema;
}

/**
 * A complete TD for a Modbus-only device served from a map (the physical-meter stand-in is one):
 * one property per register, Modbus forms only.
 */
export function modbusDeviceTd(
  map: RegisterMap,
  endpoint: ModbusEndpoint,
  identity: { id: string; title: string; description?: string; types?: string[] },
): JsonObject {
  const forms = modbusFormsForMap(map, endpoint);
  const properties: Record<string, JsonObject> = {};
  for (const register of map.registers) {
    properties[register.name] = { ...registerPropertySchema(register), forms: (forms[`properties/${register.name}`] ?? []) as unknown as JsonObject[] };
  }
  return {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1", { ...MODV_CONTEXT, ...SEMANTIC_CONTEXT }],
    "@type": ["saref:Device", ...(identity.types ?? [])],
    id: identity.id,
    title: identity.title,
    description: identity.description ?? map.description ?? map.title,
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: ["nosec_sc"],
    properties: properties as unknown as JsonObject,
  };
}
