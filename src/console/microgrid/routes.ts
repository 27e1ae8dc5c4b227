/**
 * The microgrid view's console routes (the seed 002 REST API serves everything else the page
 * reads and writes):
 * - GET  /console/microgrid/:microgrid_id/overview?cycles=N   the node tree view model (anyone; a bad token is 401)
 * - GET  /console/microgrid/:microgrid_id/events              SSE: `cycle` and `change` as the service records them
 * - GET  /console/microgrid/:microgrid_id/envelope-lifecycle?limit=N  the envelope lifecycle audit, newest first (anyone)
 * - POST /console/microgrid/:microgrid_id/envelopes/:envelope_id/withdraw   operator (seed 002 has no REST path for it)
 */
import type { FastifyInstance } from "fastify";
import { notFound } from "../../microgrid/errors.ts";
import { principalOf, requireRole } from "../auth.ts";
import { consoleError } from "../errors.ts";
import { need, type ConsoleSources } from "../part.ts";
import { MicrogridEventFeed } from "./event-feed.ts";
import { openSse } from "./sse.ts";
import { buildMicrogridOverview } from "./view-model.ts";

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
export const MAX_CYCLES = 50;
export const MAX_LIFECYCLE = 500;

function id(value: unknown, what: string): string {
  if (typeof value !== "string" || !ID.test(value)) throw consoleError("CONSOLE_BAD_REQUEST", `${what} must be 1-200 letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(value)}`);
  return value;
}

/** The one query parameter `name` as a whole number 1..max (else `fallback`); unknown parameters are refused. */
export function countParam(query: Record<string, unknown>, name: string, max: number, fallback: number): number {
  const unknown = Object.keys(query).filter((k) => k !== name);
  if (unknown.length > 0) throw consoleError("CONSOLE_BAD_REQUEST", `unknown query parameter ${unknown.join(", ")}`);
  const v = query[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= max)) throw consoleError("CONSOLE_BAD_REQUEST", `${name} must be a whole number 1..${max}, got ${JSON.stringify(v)}`);
  return n;
}

export function microgridRoutes(app: FastifyInstance, sources: ConsoleSources): { close(): void } {
  const feed = new MicrogridEventFeed();
  type P = { Params: { microgrid_id: string; envelope_id: string }; Querystring: Record<string, unknown> };

  app.get<P>("/console/microgrid/:microgrid_id/overview", async (req, reply) => {
    principalOf(req, reply, sources.tokens);
    const microgrid_id = id(req.params.microgrid_id, "microgrid_id");
    const n = countParam(req.query ?? {}, "cycles", MAX_CYCLES, 10);
    const service = need(sources.microgrid(), "The microgrid API");
    const microgrid = service.microgrid(microgrid_id);
    return buildMicrogridOverview(
      {
        microgrid,
        nodes: service.topology(microgrid_id).nodes,
        limits: service.nodeLimits(microgrid_id),
        envelopes: service.envelopes(microgrid_id),
        capacities: service.effectiveCircuitCapacities(microgrid_id),
        telemetry: service.latestTelemetry(microgrid_id),
        cycles: service.lastCycles(microgrid_id, n),
        controlPoints: service.controlPoints(microgrid_id),
      },
      service.now(),
    );
  });

  app.get<P>("/console/microgrid/:microgrid_id/envelope-lifecycle", async (req, reply) => {
    principalOf(req, reply, sources.tokens);
    const microgrid_id = id(req.params.microgrid_id, "microgrid_id");
    const limit = countParam(req.query ?? {}, "limit", MAX_LIFECYCLE, 50);
    const service = need(sources.microgrid(), "The microgrid API");
    service.microgrid(microgrid_id);
    const records = service.stream("envelope_lifecycle", { microgrid_id, last: limit }).reverse();
    return { microgrid_id, records: records.map((r) => ({ seq: r.seq, transition: r.type, at: r.at, ...r.payload })) };
  });

  app.get<P>("/console/microgrid/:microgrid_id/events", async (req, reply) => {
    principalOf(req, reply, sources.tokens);
    const microgrid_id = id(req.params.microgrid_id, "microgrid_id");
    const service = need(sources.microgrid(), "The microgrid API");
    service.microgrid(microgrid_id); // 404 before the stream opens
    const channel = openSse(reply);
    feed.follow(service, microgrid_id, channel);
    channel.send("hello", { microgrid_id, version: service.microgrid(microgrid_id).version });
  });

  app.post<P>("/console/microgrid/:microgrid_id/envelopes/:envelope_id/withdraw", async (req, reply) => {
    const p = requireRole(req, reply, sources.tokens, "operator");
    const microgrid_id = id(req.params.microgrid_id, "microgrid_id");
    const envelope_id = id(req.params.envelope_id, "envelope_id");
    if (req.body !== undefined && req.body !== null && !(typeof req.body === "object" && Object.keys(req.body).length === 0)) {
      throw consoleError("CONSOLE_BAD_REQUEST", "withdraw takes no body (or {})");
    }
    const service = need(sources.microgrid(), "The microgrid API");
    if (!service.envelopes(microgrid_id).some((e) => e.envelope_id === envelope_id)) throw notFound("ENVELOPE_NOT_FOUND", envelope_id);
    return { microgrid_id, result: await service.withdrawEnvelope(envelope_id, p.subject) };
  });

  return { close: () => feed.close() };
}
