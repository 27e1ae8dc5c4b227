import {
  ASSET_TYPES,
  CAPABILITY_STATES,
  CAPABILITY_TYPES,
  CONSTRAINT_TYPES,
  CONTROL_SOURCES,
  ENVELOPE_STATUSES,
  GAP_POLICIES,
  LIMIT_SOURCE_TYPES,
  LIMIT_STATUSES,
  NODE_STATUSES,
  NODE_TYPES,
} from "../microgrid/types.ts";

/** JSON Schemas of the REST bodies and queries: fastify/ajv answer 400 with validationErrors before a handler runs. */
const id = { type: "string", minLength: 1, maxLength: 200 } as const;
const nullableId = { anyOf: [id, { type: "null" }] } as const;
const instant = { type: "string", format: "date-time" } as const;
const watts = { type: "integer", minimum: 0 } as const;
const nullableWatts = { anyOf: [watts, { type: "null" }] } as const;

export const node = {
  type: "object",
  additionalProperties: false,
  required: ["node_id", "parent_node_id", "name", "node_type", "attached_asset_type", "attached_asset_id", "status", "display_order"],
  properties: {
    node_id: id,
    microgrid_id: id,
    parent_node_id: nullableId,
    name: { type: "string", maxLength: 500 },
    node_type: { type: "string", enum: [...NODE_TYPES] },
    attached_asset_type: { anyOf: [{ type: "string", enum: [...ASSET_TYPES] }, { type: "null" }] },
    attached_asset_id: nullableId,
    status: { type: "string", enum: [...NODE_STATUSES] },
    display_order: { type: "integer" },
  },
} as const;

export const topologyBody = {
  type: "object",
  additionalProperties: false,
  required: ["version"],
  oneOf: [{ required: ["nodes"] }, { required: ["patch"] }],
  properties: {
    version: { type: "integer", minimum: 0 },
    depot_id: id,
    nodes: { type: "array", maxItems: 200000, items: node },
    patch: {
      type: "object",
      additionalProperties: false,
      properties: { upsert: { type: "array", items: node }, remove: { type: "array", items: id } },
    },
  },
} as const;

export const nodeLimitBody = {
  type: "object",
  additionalProperties: false,
  required: ["node_id", "constraint_type", "limit_watts", "source_type"],
  properties: {
    node_limit_id: id,
    node_id: id,
    constraint_type: { type: "string", enum: [...CONSTRAINT_TYPES] },
    limit_watts: watts,
    source_type: { type: "string", enum: [...LIMIT_SOURCE_TYPES] },
    status: { type: "string", enum: [...LIMIT_STATUSES] },
  },
} as const;

export const controlPointBody = {
  type: "object",
  additionalProperties: false,
  required: ["capability_type", "state", "control_source"],
  properties: {
    node_id: nullableId,
    capability_type: { type: "string", enum: [...CAPABILITY_TYPES] },
    state: { type: "string", enum: [...CAPABILITY_STATES] },
    control_source: { type: "string", enum: [...CONTROL_SOURCES] },
    description: { type: "string", maxLength: 2000 },
    local_config: { anyOf: [{ type: "object" }, { type: "null" }] },
    external_config_type: nullableId,
    external_config_ref: nullableId,
    schedule_ref: nullableId,
  },
} as const;

const statusEventProps = {
  status_event_id: id,
  operational_status: { type: "string", minLength: 1, maxLength: 200 },
  reported_by: { type: "string", enum: [...CONTROL_SOURCES] },
  observed_at: instant,
  source_event_ref: nullableId,
  status_detail: { anyOf: [{ type: "object" }, { type: "null" }] },
} as const;

export const statusEventBody = {
  type: "object",
  additionalProperties: false,
  required: ["operational_status", "reported_by", "observed_at"],
  properties: statusEventProps,
} as const;

export const depotStatusEventBody = {
  type: "object",
  additionalProperties: false,
  required: ["operational_status", "reported_by", "observed_at"],
  anyOf: [{ required: ["control_point_id"] }, { required: ["capability_type"] }],
  properties: { ...statusEventProps, control_point_id: id, capability_type: { type: "string", enum: [...CAPABILITY_TYPES] } },
} as const;

export const rebalanceBody = {
  type: ["object", "null"],
  additionalProperties: false,
  properties: { node_id: nullableId, correlation_id: id, topology_version: { type: "integer", minimum: 0 } },
} as const;

export const telemetryBody = {
  type: "object",
  additionalProperties: false,
  required: ["readings"],
  properties: {
    readings: {
      type: "array",
      minItems: 1,
      maxItems: 100000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["node_id", "measured_demand_watts", "observed_at"],
        properties: { node_id: id, measured_demand_watts: { type: "number" }, observed_at: instant },
      },
    },
  },
} as const;

export const resyncBody = {
  type: "object",
  additionalProperties: false,
  required: ["feeder_circuits"],
  properties: {
    feeder_circuits: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["circuit_id", "name", "default_capacity_watts", "fail_safe_capacity_watts"],
        properties: {
          circuit_id: id,
          name: { type: "string", maxLength: 500 },
          default_capacity_watts: watts,
          fail_safe_capacity_watts: watts,
          gap_policy: { type: "string", enum: [...GAP_POLICIES], default: "CIRCUIT_DEFAULT" },
        },
      },
    },
  },
} as const;

export const touLimitsBody = {
  type: "object",
  additionalProperties: false,
  required: ["blocks"],
  properties: {
    source_ref: id,
    effective_from: instant,
    effective_to: instant,
    blocks: {
      type: "array",
      minItems: 1,
      maxItems: 1000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["block_from", "block_to"],
        properties: { block_from: instant, block_to: instant, min_limit_watts: nullableWatts, max_limit_watts: nullableWatts, target_watts: nullableWatts },
      },
    },
  },
} as const;

export const controlPointsQuery = {
  type: "object",
  additionalProperties: false,
  properties: { capability_type: { type: "string", enum: [...CAPABILITY_TYPES] }, node_id: id },
} as const;

export const nodeIdQuery = { type: "object", additionalProperties: false, properties: { node_id: id } } as const;

export const statusEventsQuery = {
  type: "object",
  additionalProperties: false,
  properties: { from: instant, to: instant, limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 }, offset: { type: "integer", minimum: 0, default: 0 } },
} as const;

export const envelopesQuery = { type: "object", additionalProperties: false, properties: { status: { type: "string", enum: [...ENVELOPE_STATUSES] } } } as const;
export const allocationWritesQuery = { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } } } as const;
export const cyclesQuery = { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 500, default: 10 } } } as const;

export const microgridParams = { type: "object", required: ["microgrid_id"], properties: { microgrid_id: id } } as const;
