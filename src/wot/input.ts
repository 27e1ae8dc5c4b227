/**
 * Reads and validates what a client sent to a write or an action, whatever the binding. We parse
 * the raw bytes ourselves (instead of node-wot's `value()`) so that a bad value yields a coded,
 * field-level error and is counted per protocol, and so a handler never sees an invalid value.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { CodedError } from "../errors/coded-error.ts";
import { WOT_ERRORS } from "./errors.ts";

const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** TD data-schema terms that are not JSON Schema keywords ajv needs to see. */
const TD_ONLY = new Set(["@type", "unit", "readOnly", "writeOnly", "observable", "forms", "uriVariables", "titles", "descriptions", "contentMediaType", "safe", "idempotent", "synchronous", "input", "output", "data", "subscription", "cancellation", "dataResponse", "tm:ref"]);

function toJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (TD_ONLY.has(key)) continue;
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Record<string, unknown>>).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if (key === "items" && value && typeof value === "object") {
      out.items = Array.isArray(value) ? value.map((v) => toJsonSchema(v as Record<string, unknown>)) : toJsonSchema(value as Record<string, unknown>);
    } else if ((key === "oneOf" || key === "anyOf" || key === "allOf") && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(v as Record<string, unknown>));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(toJsonSchema(schema));
    compiled.set(schema, fn);
  }
  return fn;
}

/** Parses JSON bytes and validates against a TD data schema; throws INPUT_MALFORMED / INPUT_INVALID. */
export function parseAndValidate(raw: Uint8Array | string, schema: Record<string, unknown> | undefined, what: string): unknown {
  const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
  let value: unknown;
  if (text.trim() === "") {
    value = undefined;
  } else {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new CodedError("INPUT_MALFORMED", WOT_ERRORS.INPUT_MALFORMED, `${what}: ${(e as Error).message}`);
    }
  }
  return validateValue(value, schema, what);
}

export function validateValue(value: unknown, schema: Record<string, unknown> | undefined, what: string): unknown {
  if (!schema) {
    if (value !== undefined) throw new CodedError("INPUT_INVALID", WOT_ERRORS.INPUT_INVALID, `${what} takes no input`);
    return undefined;
  }
  if (value === undefined) throw new CodedError("INPUT_INVALID", WOT_ERRORS.INPUT_INVALID, `${what}: a value is required`);
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const validationErrors = (validate.errors ?? []).map((e) => ({ field: e.instancePath || "/", description: e.message ?? "invalid" }));
    const first = validationErrors[0];
    throw new CodedError("INPUT_INVALID", WOT_ERRORS.INPUT_INVALID, `${what}: ${first ? `${first.field} ${first.description}` : "invalid"}`, { validationErrors });
  }
  return value;
}
