import type { TokenTable } from "../../auth/roles.ts";
import type { FrontDoorPart } from "../../frontdoor/server.ts";
import { createOperatorPart } from "../flexibility/operator-part.ts";
import { heartbeatSchema, updateGroupCapacityForecastSchema, type OscpHeartbeat, type UpdateGroupCapacityForecast } from "./messages.ts";
import type { OscpCapacityAdapter } from "./oscp-adapter.ts";

/**
 * OSCP 2.0 Flexibility Provider endpoints for a Capacity Provider: POST
 * /oscp/fp/2.0/update_group_capacity_forecast and /oscp/fp/2.0/heartbeat, 204 on success.
 * The Capacity Provider authenticates with a token of the operator role.
 */
export function createOscpPart(options: { adapter: OscpCapacityAdapter; tokens: TokenTable; now?: () => Date; base?: string }): FrontDoorPart {
  const base = options.base ?? "/oscp/fp/2.0";
  return createOperatorPart("oscp-fp", options, (app, operatorOnly) => {
    app.post(`${base}/update_group_capacity_forecast`, { ...operatorOnly, schema: { body: updateGroupCapacityForecastSchema } }, async (request, reply) => {
      await options.adapter.updateGroupCapacityForecast(request.body as UpdateGroupCapacityForecast);
      return reply.code(204).send();
    });
    app.post(`${base}/heartbeat`, { ...operatorOnly, schema: { body: heartbeatSchema } }, async (request, reply) => {
      await options.adapter.heartbeat(request.body as OscpHeartbeat);
      return reply.code(204).send();
    });
  });
}
