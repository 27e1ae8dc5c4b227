/**
 * TD 1.1 validation: the JSON Schema the Thingweb Playground ships (compiled once with ajv) and
 * the Playground's own assertions. Used by the tests for every TD the site produces, and by
 * anything that accepts TDs from outside.
 */
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";

const require = createRequire(import.meta.url);

export interface TdProblem {
  field: string;
  description: string;
}

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = require("@thing-description-playground/core/td-schema.json") as object;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function describe(errors: ErrorObject[] | null | undefined): TdProblem[] {
  return (errors ?? []).map((e) => ({ field: e.instancePath || "/", description: `${e.message ?? "invalid"}${e.params ? " " + JSON.stringify(e.params) : ""}` }));
}

/** Problems against the TD 1.1 JSON Schema; an empty list means valid. */
export function validateTdSchema(td: unknown): TdProblem[] {
  const validate = schemaValidator();
  return validate(td) ? [] : describe(validate.errors);
}

export interface PlaygroundReport {
  report: Record<string, string | null>;
  details: Record<string, string | null>;
}

/** The Thingweb Playground's checks, JSON-LD off (it would fetch the context from the web). */
export async function playgroundReport(td: unknown): Promise<PlaygroundReport> {
  const playground = require("@thing-description-playground/core") as {
    tdValidator(text: string, log: (line: string) => void, options: Record<string, boolean>): Promise<PlaygroundReport>;
  };
  return playground.tdValidator(JSON.stringify(td), () => {}, { checkDefaults: true, checkJsonLd: false, checkTmConformance: false });
}

/** Playground failures only (warnings are listed separately by the report). */
export function playgroundFailures(result: PlaygroundReport): string[] {
  const failed: string[] = [];
  for (const [k, v] of Object.entries(result.report)) if (v === "failed") failed.push(`report.${k}`);
  for (const [k, v] of Object.entries(result.details)) if (v === "failed") failed.push(`details.${k}`);
  return failed;
}

/** The Playground's Thing Model checks (TM JSON Schema and assertions), JSON-LD off. */
export async function playgroundTmReport(tm: unknown): Promise<PlaygroundReport> {
  const playground = require("@thing-description-playground/core") as {
    tmValidator(text: string, log: (line: string) => void, options: Record<string, boolean>): Promise<PlaygroundReport>;
  };
  return playground.tmValidator(JSON.stringify(tm), () => {}, { checkDefaults: true, checkJsonLd: false });
}
