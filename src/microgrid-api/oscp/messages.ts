/**
 * The OSCP 2.0 messages the adapter accepts from a Capacity Provider (Open Charge Alliance, Open
 * Smart Charging Protocol 2.0): UpdateGroupCapacityForecast and Heartbeat. Field names as in the
 * protocol (snake_case JSON).
 */
export const OSCP_FORECAST_TYPES = ["CONSUMPTION", "GENERATION", "FALLBACK_CONSUMPTION", "FALLBACK_GENERATION", "OPTIMUM"] as const;
export type OscpForecastType = (typeof OSCP_FORECAST_TYPES)[number];
export const OSCP_UNITS = ["A", "W", "KW", "WH", "KWH"] as const;
export type OscpUnit = (typeof OSCP_UNITS)[number];
export const OSCP_PHASES = ["UNKNOWN", "ONE", "TWO", "THREE", "ALL"] as const;
export type OscpPhase = (typeof OSCP_PHASES)[number];

export interface OscpForecastedBlock {
  capacity: number;
  phase: OscpPhase;
  unit: OscpUnit;
  start_time: string;
  end_time: string;
}

export interface UpdateGroupCapacityForecast {
  group_id: string;
  type: OscpForecastType;
  forecasted_blocks: OscpForecastedBlock[];
}

export interface OscpHeartbeat {
  /** The sender is to be considered offline from this instant unless another heartbeat arrives. */
  offline_mode_at: string;
}

const dateTime = { type: "string", format: "date-time" } as const;

export const updateGroupCapacityForecastSchema = {
  type: "object",
  additionalProperties: false,
  required: ["group_id", "type", "forecasted_blocks"],
  properties: {
    group_id: { type: "string", minLength: 1, maxLength: 200 },
    type: { type: "string", enum: [...OSCP_FORECAST_TYPES] },
    forecasted_blocks: {
      type: "array",
      minItems: 1,
      maxItems: 10000,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["capacity", "phase", "unit", "start_time", "end_time"],
        properties: {
          capacity: { type: "number", minimum: 0 },
          phase: { type: "string", enum: [...OSCP_PHASES] },
          unit: { type: "string", enum: [...OSCP_UNITS] },
          start_time: dateTime,
          end_time: dateTime,
        },
      },
    },
  },
} as const;

export const heartbeatSchema = {
  type: "object",
  additionalProperties: false,
  required: ["offline_mode_at"],
  properties: { offline_mode_at: dateTime },
} as const;
