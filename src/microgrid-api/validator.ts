import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Strict validation for this part's routes: unknown body properties are refused (400), not
 * silently stripped as fastify's default compiler does; query strings and params are coerced.
 */
export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = addFormats(new Ajv({ allErrors: false, strict: false, removeAdditional: false, useDefaults: true, coerceTypes: false }));
  const query = addFormats(new Ajv({ allErrors: false, strict: false, removeAdditional: false, useDefaults: true, coerceTypes: "array" }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? body : query;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
