/**
 * `GET /console/live`: the Overview's Server-Sent Events stream. Anyone may follow it (it carries
 * aggregates only); a bad token is refused like everywhere. On connect: `retry`, one `history`
 * event (the recent frequency window, or only what a reconnecting page missed after its
 * Last-Event-ID), the latest `snapshot`; then one `snapshot` per sample, its `id` the sequence number.
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { principalOf } from "../auth.ts";
import { consoleError } from "../errors.ts";
import type { ConsoleRoutes, ConsoleSources } from "../part.ts";
import { LiveSampler } from "./sampler.ts";
import { acceptsEventStream, parseLastEventId, SSE_HEARTBEAT, sseEvent, sseRetry } from "./sse.ts";
import { ThingIndex } from "./thing-index.ts";

export const LIVE_WINDOW_POINTS = 600;
const HEARTBEAT_MS = 15_000;

/** `?history=N`: at most N points of the window at connect (0…600); nothing else is accepted. */
export function parseLiveQuery(query: unknown): { history: number } {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) if (key !== "history") throw consoleError("CONSOLE_BAD_REQUEST", `unknown query parameter ${JSON.stringify(key)}: only history=0…${LIVE_WINDOW_POINTS} is accepted`);
  if (q.history === undefined) return { history: LIVE_WINDOW_POINTS };
  const v = String(q.history);
  if (!/^\d{1,4}$/.test(v) || Number(v) > LIVE_WINDOW_POINTS) throw consoleError("CONSOLE_BAD_REQUEST", `history must be an integer 0…${LIVE_WINDOW_POINTS}, got ${JSON.stringify(q.history)}`);
  return { history: Number(v) };
}

export function liveRoutesWith(options: { periodMs?: number } = {}): ConsoleRoutes {
  return (app: FastifyInstance, sources: ConsoleSources) => {
    const things = new ThingIndex({ frontDoor: sources.frontDoor });
    const sampler = new LiveSampler({ vpp: sources.vpp, things, windowPoints: LIVE_WINDOW_POINTS, ...(options.periodMs ? { periodMs: options.periodMs } : {}) });
    const streams = new Set<ServerResponse>();
    sampler.start();

    app.get("/console/live", { exposeHeadRoute: false }, async (req, reply) => {
      principalOf(req, reply, sources.tokens);
      const { history } = parseLiveQuery(req.query);
      if (!acceptsEventStream(req.headers.accept)) throw consoleError("CONSOLE_NOT_ACCEPTABLE", `this stream answers text/event-stream only; Accept was ${JSON.stringify(req.headers.accept)}`);
      const lastId = parseLastEventId(req.headers["last-event-id"]);
      if (lastId === "invalid") throw consoleError("CONSOLE_BAD_REQUEST", "Last-Event-ID must be a sequence number this stream sent");
      const vpp = sources.vpp();
      // part.ts imports this file: its `need` is not used here so that neither module needs the other first.
      if (!vpp) throw consoleError("CONSOLE_UNAVAILABLE", "the VPP does not run in this process");

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
      res.write(sseRetry(2000));
      const latest = sampler.last();
      // A page that reconnects with an id of this process's stream gets only what it missed.
      const resumed = lastId !== undefined && latest !== undefined && lastId <= latest.seq;
      const points = sampler.window(resumed ? lastId : undefined, history);
      res.write(sseEvent("history", { nominalHz: vpp.config.regulation.nominalHz, bandHz: vpp.config.regulation.deadbandHz, resumed, points }));
      if (latest) res.write(sseEvent("snapshot", latest, latest.seq));
      streams.add(res);
      // A page that cannot keep up skips snapshots instead of growing our buffers.
      const off = sampler.subscribe((s) => {
        if (!res.writableNeedDrain) res.write(sseEvent("snapshot", s, s.seq));
      });
      const heartbeat = setInterval(() => res.write(SSE_HEARTBEAT), HEARTBEAT_MS);
      const done = () => {
        off();
        clearInterval(heartbeat);
        streams.delete(res);
      };
      req.raw.once("close", done);
      res.once("close", done);
      return reply;
    });

    return {
      close() {
        sampler.stop();
        for (const res of [...streams]) res.end();
        streams.clear();
      },
    };
  };
}

export const liveRoutes: ConsoleRoutes = liveRoutesWith();
