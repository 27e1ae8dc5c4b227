import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasRole, type TokenTable } from "../../auth/roles.ts";
import type { FrontDoorPart } from "../../frontdoor/server.ts";
import { apiFail } from "../errors.ts";
import { strictValidatorCompiler } from "../validator.ts";

/** Route options that let only a bearer token with the operator role through. */
export interface OperatorOnly {
  preValidation: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * A front-door part whose every route is for the operator role, as the flexibility protocols
 * are: strict body validation in its scope (unknown fields refused, 400) and a guard for the
 * routes (401 MICROGRID_UNAUTHENTICATED without a valid token, 403 MICROGRID_FORBIDDEN with
 * another role). `routes` adds the routes with `operatorOnly` in their options.
 */
export function createOperatorPart(
  name: string,
  options: { tokens: TokenTable; now?: () => Date },
  routes: (app: FastifyInstance, operatorOnly: OperatorOnly, now: () => Date) => void,
): FrontDoorPart {
  const now = options.now ?? (() => new Date());
  const operatorOnly: OperatorOnly = {
    async preValidation(request, reply) {
      const auth = options.tokens.authenticate(request.headers.authorization, now());
      if (!auth.ok) {
        reply.header("www-authenticate", 'Bearer realm="gridthings"');
        throw apiFail("MICROGRID_UNAUTHENTICATED", auth.reason);
      }
      if (!hasRole(auth.principal, "operator")) throw apiFail("MICROGRID_FORBIDDEN");
    },
  };
  return {
    name,
    register(app: FastifyInstance) {
      app.setValidatorCompiler(strictValidatorCompiler());
      routes(app, operatorOnly, now);
    },
  };
}
