import type { FastifyReply, FastifyRequest } from "fastify";
import { hasRole, mayWriteThing, type Principal, type TokenTable } from "../../src/auth/roles.ts";
import { fail } from "../errors.ts";
import type { Entry } from "../directory.ts";

/** Who is asking: anonymous without a header, 401 with a bad or expired token. */
export function principalOf(request: FastifyRequest, reply: FastifyReply, tokens: TokenTable, now: Date): Principal {
  const result = tokens.principalOf(request.headers.authorization, now);
  if (result.ok) return result.principal;
  reply.header("www-authenticate", `Bearer realm="gridthings-directory"${result.reason === "TOKEN_EXPIRED" ? ', error="invalid_token", error_description="expired"' : ""}`);
  if (result.reason === "TOKEN_EXPIRED") throw fail("AUTH_TOKEN_EXPIRED");
  throw fail("AUTH_REQUIRED", `authentication failed: ${result.reason}`, { reason: result.reason });
}

/** Writes need a token: 401 when there is none, 403 when its roles do not cover this TD. */
export function requireWrite(principal: Principal, reply: FastifyReply, thingId: string | undefined): void {
  if (principal.roles.length === 0) {
    reply.header("www-authenticate", 'Bearer realm="gridthings-directory"');
    throw fail("AUTH_REQUIRED", "writing to the directory needs a bearer token with the writer role (or a device token for its own TD)");
  }
  const allowed = thingId === undefined ? hasRole(principal, "writer") : mayWriteThing(principal, thingId);
  if (!allowed) throw fail("FORBIDDEN", thingId === undefined ? "creating an Anonymous TD needs the writer role" : `${principal.subject} may not write ${thingId}`);
}

/** Household TDs (smart meters) are for privileged readers, writers and the owning device only. */
export function seesHouseholds(principal: Principal): boolean {
  return hasRole(principal, "privileged-reader") || hasRole(principal, "writer");
}

export function maySee(principal: Principal, entry: Entry): boolean {
  return !entry.household || seesHouseholds(principal) || mayWriteThing(principal, entry.id);
}
