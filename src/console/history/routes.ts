/**
 * The History view's routes: the catalogue of stored series and one series over a range, from the
 * VPP's time-series history. Per-meter series are household data: listed and answered only for
 * privileged-reader or operator (the server decides, not the page).
 */
import type { FastifyInstance } from "fastify";
import { hasRole, type Principal } from "../../auth/roles.ts";
import type { ConsoleRoutes, ConsoleSources } from "../part.ts";
import { need } from "../part.ts";
import { principalOf, requireRole } from "../auth.ts";
import { consoleError } from "../errors.ts";
import { seriesDefinition } from "../../vpp/history/series.ts";
import { historyError } from "../../vpp/history/errors.ts";
import type { HistoryStore } from "../../vpp/history/history-store.ts";
import { historyParams } from "./query-params.ts";

export const seesHouseholdSeries = (p: Principal) => hasRole(p, "privileged-reader") || hasRole(p, "operator");

export function historyStoreOf(sources: ConsoleSources): HistoryStore {
  const recorder = need(sources.vpp(), "the VPP").history;
  if (!recorder) throw consoleError("CONSOLE_UNAVAILABLE", "the VPP's history is not open yet");
  return recorder.store;
}

export const historyRoutes: ConsoleRoutes = (app: FastifyInstance, sources: ConsoleSources) => {
  app.get<{ Querystring: Record<string, unknown> }>("/console/history/series", async (req, reply) => {
    const p = principalOf(req, reply, sources.tokens);
    const thingId = req.query.thingId;
    if (thingId !== undefined && (typeof thingId !== "string" || thingId === "" || thingId.length > 500)) throw consoleError("CONSOLE_BAD_REQUEST", "thingId must be given once, 1..500 characters");
    const store = historyStoreOf(sources);
    const household = seesHouseholdSeries(p);
    const series = store.series().filter((s) => (household || !s.privileged) && (thingId === undefined || s.thingId === thingId));
    return { newest: store.newest() ?? null, householdSeries: household, series };
  });

  app.get<{ Querystring: Record<string, unknown> }>("/console/history", async (req, reply) => {
    const q = historyParams(req.query);
    const d = seriesDefinition(q.series);
    if (!d) throw historyError("HISTORY_SERIES_NOT_FOUND", `no series named ${JSON.stringify(q.series)}`);
    if (d.privileged) requireRole(req, reply, sources.tokens, "privileged-reader", "operator");
    else principalOf(req, reply, sources.tokens);
    return historyStoreOf(sources).query({ name: q.series, thingId: q.thingId, fromMs: q.fromMs, toMs: q.toMs, points: q.points });
  });
};
