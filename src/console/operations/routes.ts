/**
 * The operations view's console routes (the VPP part serves incidents, tasks, the outbox, billing
 * and the report under /vpp):
 * - GET /console/operations/summary                      anyone: aggregate counts only
 * - GET /console/operations/dispatch-audit?limit=&since=  privileged-reader or operator: the storage dispatch audit
 */
import type { FastifyInstance } from "fastify";
import { principalOf, requireRole } from "../auth.ts";
import { consoleError } from "../errors.ts";
import { need, type ConsoleSources } from "../part.ts";
import { dispatchAudit } from "./dispatch-audit.ts";

export const MAX_AUDIT_ROWS = 1000;

const wallNow = () => new Date().toISOString();

/** `limit` 1..MAX_AUDIT_ROWS (default 200) and `since` an ISO instant; anything else is refused. */
export function auditQuery(query: Record<string, unknown>): { limit: number; since?: string } {
  const unknown = Object.keys(query).filter((k) => k !== "limit" && k !== "since");
  if (unknown.length > 0) throw consoleError("CONSOLE_BAD_REQUEST", `unknown query parameter ${unknown.join(", ")}`);
  let limit = 200;
  if (query.limit !== undefined) {
    limit = typeof query.limit === "string" && /^\d{1,5}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_AUDIT_ROWS)) throw consoleError("CONSOLE_BAD_REQUEST", `limit must be a whole number 1..${MAX_AUDIT_ROWS}, got ${JSON.stringify(query.limit)}`);
  }
  if (query.since === undefined) return { limit };
  const since = query.since;
  if (typeof since !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(since) || Number.isNaN(Date.parse(since))) {
    throw consoleError("CONSOLE_BAD_REQUEST", `since must be an ISO 8601 instant with a zone, got ${JSON.stringify(since)}`);
  }
  return { limit, since: new Date(since).toISOString() };
}

export function operationsRoutes(app: FastifyInstance, sources: ConsoleSources): void {
  type Q = { Querystring: Record<string, unknown> };

  app.get<Q>("/console/operations/summary", async (req, reply) => {
    principalOf(req, reply, sources.tokens);
    if (Object.keys(req.query ?? {}).length > 0) throw consoleError("CONSOLE_BAD_REQUEST", "summary takes no query parameters");
    const vpp = need(sources.vpp(), "The VPP");
    const incidents = vpp.incidents();
    const tasks = vpp.tasks();
    const outbox = vpp.outboxEntries(1000);
    const ledger = vpp.billingLedger();
    const simTime = vpp.status().simTime;
    return {
      /** The VPP's simulated day (billing and the report are keyed by it), else today (UTC). */
      day: (simTime ?? wallNow()).slice(0, 10),
      incidents: { active: incidents.active.length, archived: incidents.archived.length },
      tasks: { open: tasks.filter((t) => t.status === "open").length, total: tasks.length },
      outbox: { entries: outbox.length, failed: outbox.filter((e) => e.status === "failed").length },
      billing: { running: ledger !== undefined, meters: ledger ? ledger.meters().length : 0 },
      report: "/vpp/report",
    };
  });

  app.get<Q>("/console/operations/dispatch-audit", async (req, reply) => {
    requireRole(req, reply, sources.tokens, "privileged-reader", "operator");
    const q = auditQuery(req.query ?? {});
    const memory = need(sources.vpp(), "The VPP").objectMemory();
    const since = q.since ? { since: q.since } : {};
    // The newest `limit` commands; their results (and refusals) come after the oldest of them.
    const commands = memory.query({ kind: "command", ...since, newest: true, limit: q.limit });
    const first = commands[0];
    const oldest = commands.length === q.limit && first ? { afterSeq: first.seq } : {};
    const results = memory.query({ kind: "command-result", ...since, ...oldest, newest: true, limit: 100_000 });
    return { rows: dispatchAudit(commands, results, q.limit), commands: commands.length };
  });
}
