import type { FastifyInstance } from "fastify";
import { directoryTd } from "./directory-td.ts";
import { negotiate } from "./media.ts";

/** GET /.well-known/wot: the directory's own TD (RFC 8615 well-known URI, WoT Discovery §6.3). */
export function registerWellKnownRoute(app: FastifyInstance, options: { sparql: boolean }): void {
  app.get("/.well-known/wot", async (request, reply) => {
    const type = negotiate(request, ["application/td+json", "application/json", "application/ld+json"]);
    const host = request.headers.host ?? "127.0.0.1";
    return reply.type(type).send(JSON.stringify(directoryTd(`${request.protocol}://${host}/`, options)));
  });
}
