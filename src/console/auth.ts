import type { FastifyReply, FastifyRequest } from "fastify";
import { hasRole, type Principal, type Role, type TokenTable } from "../auth/roles.ts";
import { consoleError } from "./errors.ts";

/** The caller: anonymous without a header, 401 for a bad or expired token. */
export function principalOf(request: FastifyRequest, reply: FastifyReply, tokens: TokenTable): Principal {
  const r = tokens.principalOf(request.headers.authorization, new Date());
  if (r.ok) return r.principal;
  reply.header("www-authenticate", 'Bearer realm="gridthings-console"');
  throw consoleError("CONSOLE_AUTH_REQUIRED", `authentication failed: ${r.reason}`);
}

/** 401 for anonymous callers, 403 when no role of the token implies one of `roles`. */
export function requireRole(request: FastifyRequest, reply: FastifyReply, tokens: TokenTable, ...roles: Role[]): Principal {
  const p = principalOf(request, reply, tokens);
  if (p.roles.length === 0) {
    reply.header("www-authenticate", 'Bearer realm="gridthings-console"');
    throw consoleError("CONSOLE_AUTH_REQUIRED", `sign in with a token that has one of the roles ${roles.join(", ")}`);
  }
  if (!roles.some((r) => hasRole(p, r))) throw consoleError("CONSOLE_FORBIDDEN", `${p.subject} (${p.roles.join(", ")}) may not do this: it needs ${roles.join(" or ")}`);
  return p;
}
