import type { FastifyInstance } from "fastify";
import type { ServerResponse } from "node:http";
import type { TokenTable } from "../../src/auth/roles.ts";
import { mayWriteThing } from "../../src/auth/roles.ts";
import { fail } from "../errors.ts";
import { EVENT_TYPES, type DirectoryEvent, type EventHub, type EventType } from "../events/event-hub.ts";
import { principalOf, seesHouseholds } from "./access.ts";

export interface EventsRoutesOptions {
  hub: EventHub;
  tokens: TokenTable;
  now: () => Date;
  heartbeatMs: number;
}

function format(event: DirectoryEvent, diff: boolean): string {
  const data = diff && event.diff ? event.diff : { id: event.thingId };
  return `event: ${event.type}\nid: ${event.id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Server-Sent Events at /events and /events/{type} (WoT Discovery §7.3.2.3). */
export function registerEventsRoutes(app: FastifyInstance, options: EventsRoutesOptions): { closeAll(): void } {
  const open = new Set<ServerResponse>();

  app.get<{ Params: { type?: string }; Querystring: { diff?: string } }>("/events/:type?", { exposeHeadRoute: false }, async (request, reply) => {
    const principal = principalOf(request, reply, options.tokens, options.now());
    const type = request.params.type;
    if (type !== undefined && !EVENT_TYPES.includes(type as EventType)) throw fail("EVENT_TYPE_UNKNOWN", `unknown event type ${JSON.stringify(type)}; use one of ${EVENT_TYPES.join(", ")}`);
    const diffParam = request.query.diff;
    if (diffParam !== undefined && diffParam !== "true" && diffParam !== "false") throw fail("QUERY_PARAMETER_INVALID", "diff must be true or false");
    const diff = diffParam === "true";
    const lastHeader = request.headers["last-event-id"];
    const lastId = typeof lastHeader === "string" && /^\d+$/.test(lastHeader.trim()) ? Number(lastHeader.trim()) : undefined;

    const wanted = (e: DirectoryEvent) =>
      (type === undefined || e.type === type) && (!e.household || seesHouseholds(principal) || mayWriteThing(principal, e.thingId));

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    if (request.method === "HEAD") return void res.end();
    res.write("retry: 2000\n\n");
    if (lastId !== undefined) for (const e of options.hub.since(lastId)) if (wanted(e)) res.write(format(e, diff));
    const unsubscribe = options.hub.subscribe((e) => {
      if (wanted(e)) res.write(format(e, diff));
    });
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), options.heartbeatMs);
    heartbeat.unref();
    open.add(res);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    res.on("close", cleanup);
  });
  app.head("/events/:type?", async (request, reply) => {
    principalOf(request, reply, options.tokens, options.now());
    const type = (request.params as { type?: string }).type;
    if (type !== undefined && !EVENT_TYPES.includes(type as EventType)) throw fail("EVENT_TYPE_UNKNOWN");
    return reply.code(200).header("content-type", "text/event-stream; charset=utf-8").header("cache-control", "no-cache").send();
  });

  return {
    closeAll() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
