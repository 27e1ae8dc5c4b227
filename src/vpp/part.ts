/**
 * The VPP's HTTP surface on the front door (a FrontDoorPart): its page, status, incidents, tasks,
 * forecast, load aggregates, the daily stability report, the outbox, object memory and billing
 * exports. Aggregates are public reads; anything that names a household or an owner (object
 * memory, outbox, tasks, billing: the meter list, CSV and JSON intervals) needs a privileged-reader or
 * operator token (seed 001 privacy).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FrontDoorPart } from "../frontdoor/server.ts";
import { hasRole, type Principal, type TokenTable } from "../auth/roles.ts";
import type { VppServient } from "./servient.ts";
import { vppError } from "./errors.ts";
import { renderVppPage } from "./page.ts";
import type { MemoryKind } from "./memory/object-memory.ts";
import { dayRange } from "./billing/ledger.ts";

export interface VppPartOptions {
  tokens: TokenTable;
  /** The servient, once started (the part is registered before it runs). */
  servient: () => VppServient | undefined;
}

function principal(request: FastifyRequest, reply: FastifyReply, tokens: TokenTable): Principal {
  const r = tokens.principalOf(request.headers.authorization, new Date());
  if (r.ok) return r.principal;
  reply.header("www-authenticate", 'Bearer realm="gridthings-vpp"');
  throw vppError("VPP_AUTH_REQUIRED", `authentication failed: ${r.reason}`);
}

function requirePrivileged(request: FastifyRequest, reply: FastifyReply, tokens: TokenTable): void {
  const p = principal(request, reply, tokens);
  if (p.roles.length === 0) {
    reply.header("www-authenticate", 'Bearer realm="gridthings-vpp"');
    throw vppError("VPP_AUTH_REQUIRED", "this view names households or owners: a privileged-reader or operator token is needed");
  }
  if (!hasRole(p, "privileged-reader") && !hasRole(p, "operator")) throw vppError("VPP_FORBIDDEN", `${p.subject} may not read household or owner data`);
}

const queryString = { type: "string", maxLength: 500 } as const;

export function createVppPart(options: VppPartOptions): FrontDoorPart {
  const vpp = (): VppServient => {
    const s = options.servient();
    if (!s) throw vppError("VPP_NOT_STARTED");
    return s;
  };
  return {
    name: "vpp",
    register(app: FastifyInstance) {
      app.get("/vpp", async (_req, reply) => reply.type("text/html; charset=utf-8").send(renderVppPage(vpp())));
      app.get("/vpp/status", async () => vpp().status());
      app.get("/vpp/incidents", async () => vpp().incidents());
      app.get("/vpp/forecast", async () => vpp().forecastView());
      app.get("/vpp/aggregate", async () => vpp().meterStream()?.snapshot() ?? null);
      app.get<{ Querystring: { day?: string } }>("/vpp/report", { schema: { querystring: { type: "object", additionalProperties: false, properties: { day: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" } } } } }, async (req, reply) =>
        reply.type("text/html; charset=utf-8").send(vpp().reportHtml(req.query.day)),
      );
      app.get("/vpp/tasks", async (req, reply) => {
        requirePrivileged(req, reply, options.tokens);
        return vpp().tasks();
      });
      app.get<{ Querystring: { limit?: number } }>("/vpp/outbox", { schema: { querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 1000 } } } } }, async (req, reply) => {
        requirePrivileged(req, reply, options.tokens);
        return vpp().outboxEntries(req.query.limit);
      });
      app.get("/vpp/memory/things", async (req, reply) => {
        requirePrivileged(req, reply, options.tokens);
        return vpp().objectMemory().things();
      });
      app.get<{ Querystring: { thingId?: string; kind?: MemoryKind; name?: string; since?: string; until?: string; afterSeq?: number; limit?: number } }>(
        "/vpp/memory",
        {
          schema: {
            querystring: {
              type: "object",
              additionalProperties: false,
              properties: {
                thingId: queryString,
                kind: { type: "string", enum: ["command", "command-result", "state", "event", "membership"] },
                name: queryString,
                since: { type: "string", format: "date-time" },
                until: { type: "string", format: "date-time" },
                afterSeq: { type: "integer", minimum: 0 },
                limit: { type: "integer", minimum: 1, maximum: 10000 },
              },
            },
          },
        },
        async (req, reply) => {
          requirePrivileged(req, reply, options.tokens);
          return vpp().objectMemory().query(req.query);
        },
      );
      app.get("/vpp/billing/meters", async (req, reply) => {
        requirePrivileged(req, reply, options.tokens);
        const ledger = vpp().billingLedger();
        if (!ledger) throw vppError("VPP_NOT_FOUND", "billing is not running in this VPP");
        return ledger.meters();
      });
      // One meter's UTC day: `.csv` the ledger's rows, `.json` each interval's current state
      // (estimated flag, number of adjustments) and the adjustment rows themselves.
      app.get<{ Params: { meterId: string; day: string } }>(
        "/vpp/billing/:meterId/:day",
        { schema: { params: { type: "object", required: ["meterId", "day"], properties: { meterId: { type: "string", maxLength: 200 }, day: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}\\.(csv|json)$" } } } } },
        async (req, reply) => {
          requirePrivileged(req, reply, options.tokens);
          const ledger = vpp().billingLedger();
          if (!ledger) throw vppError("VPP_NOT_FOUND", "billing is not running in this VPP");
          const day = req.params.day.slice(0, 10);
          if (req.params.day.endsWith(".csv")) return reply.type("text/csv; charset=utf-8").send(ledger.exportCsv(req.params.meterId, day));
          const [start, end] = dayRange(day);
          const intervals = ledger.intervals(req.params.meterId, start, end);
          const adjustments = ledger.records(req.params.meterId, start, end).filter((r) => r.kind === "adjustment");
          return { meterId: req.params.meterId, day, intervals, adjustments };
        },
      );
    },
  };
}
