/**
 * The orchestrator Thing's action inputs are the REST bodies of `src/microgrid-api/schemas.ts`,
 * written as TD data schemas: TD 1.1 has `oneOf` but no `anyOf` and a single `type`, and a path
 * parameter (control point id, envelope id) becomes a required field. The Thing Model carries these
 * schemas literally; a test keeps it equal to what this module derives from the REST schemas.
 */
import * as S from "../../src/microgrid-api/schemas.ts";

type Schema = { [key: string]: unknown };

/** REST JSON Schema → TD DataSchema: `anyOf` → `oneOf` (every use here is exclusive), `type: [t, "null"]` → `t`. */
export function toTdDataSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toTdDataSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === "anyOf") out.oneOf = toTdDataSchema(value);
    else if (key === "type" && Array.isArray(value)) out.type = value.find((t) => t !== "null");
    else out[key] = toTdDataSchema(value);
  }
  return out;
}

const id = { type: "string", minLength: 1, maxLength: 200 };

function withRequiredField(body: Schema, name: string, description: string): Schema {
  const properties = body.properties as Schema;
  return { ...body, required: [name, ...((body.required as string[]) ?? [])], properties: { [name]: { ...id, description }, ...properties } };
}

const topologyProps = S.topologyBody.properties;

/** Action name → input schema (TD form). */
export function orchestratorActionInputs(): Record<string, unknown> {
  const inputs: Record<string, Schema> = {
    replace_topology: {
      type: "object",
      additionalProperties: false,
      required: ["version", "nodes"],
      properties: { version: topologyProps.version, depot_id: topologyProps.depot_id, nodes: topologyProps.nodes },
    },
    patch_topology: {
      type: "object",
      additionalProperties: false,
      required: ["version", "patch"],
      properties: { version: topologyProps.version, patch: topologyProps.patch },
    },
    upsert_node_limit: S.nodeLimitBody as unknown as Schema,
    upsert_control_point: withRequiredField(S.controlPointBody as unknown as Schema, "control_point_id", "The capability control point to create or update."),
    append_status_event: withRequiredField(S.statusEventBody as unknown as Schema, "control_point_id", "The capability control point the status is about."),
    ingest_telemetry: S.telemetryBody as unknown as Schema,
    rebalance: S.rebalanceBody as unknown as Schema,
    withdraw_envelope: { type: "object", additionalProperties: false, required: ["envelope_id"], properties: { envelope_id: id } },
  };
  return Object.fromEntries(Object.entries(inputs).map(([name, schema]) => [name, toTdDataSchema(schema)]));
}
