import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasRole, type TokenTable } from "../../auth/roles.ts";
import { apiFail } from "../errors.ts";
import { strictValidatorCompiler } from "../validator.ts";

/**
 * What every flexibility-protocol endpoint shares: strict body validation in this scope (unknown
 * fields refused) and a guard that lets only a bearer token with the operator role through
 * (401 MICROGRID_UNAUTHENTICATED without one, 403 MICROGRID_FORBIDDEN with another role).
 * Returns the route options that carry the guard.
 */
export function operatorRoutes(app: FastifyInstance, tokens: TokenTable, now: () => Date): { preValidation: (request: FastifyRequest, reply: FastifyReply) => Promise<void> } {
  app.setValidatorCompiler(strictValidatorCompiler());
  return {
    async preValidation(request, reply) {
      const auth = tokens.authenticate(request.headers.authorization, now());
      if (!auth.ok) {
        reply.header("www-authenticate", 'Bearer realm="gridthings"');
        throw apiFail("MICROGRID_UNAUTHENTICATED", auth.reason);
      }
      if (!hasRole(auth.principal, "operator")) throw apiFail("MICROGRID_FORBIDDEN");
    },
  };
}
