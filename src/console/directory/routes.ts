/**
 * The Directory view's route beside the directory API it reads directly: a Thing's object memory
 * (commands, their results, state changes, events, membership), newest first. Privileged: the
 * entries name owners' devices and households.
 */
import type { FastifyInstance } from "fastify";
import type { ConsoleRoutes, ConsoleSources } from "../part.ts";
import { need } from "../part.ts";
import { requireRole } from "../auth.ts";
import { consoleError } from "../errors.ts";
import type { MemoryKind } from "../../vpp/memory/object-memory.ts";
import { instant } from "../history/query-params.ts";

const KINDS: readonly MemoryKind[] = ["command", "command-result", "state", "event", "membership"];
/** Entries read per page while looking for the newest; past MAX_PAGES pages the answer says `truncated` (narrow it with since/until). */
const PAGE = 10_000;
const MAX_PAGES = 20;

export const directoryRoutes: ConsoleRoutes = (app: FastifyInstance, sources: ConsoleSources) => {
  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>("/console/things/:id/memory", async (req, reply) => {
    requireRole(req, reply, sources.tokens, "privileged-reader", "operator");
    const id = req.params.id;
    if (id === "" || id.length > 500) throw consoleError("CONSOLE_BAD_REQUEST", "the Thing id must be 1..500 characters");
    const { kind, limit = "50", since, until } = req.query;
    for (const [name, v] of Object.entries({ kind, limit, since, until })) if (v !== undefined && typeof v !== "string") throw consoleError("CONSOLE_BAD_REQUEST", `${name} must be given once`);
    if (kind !== undefined && !KINDS.includes(kind as MemoryKind)) throw consoleError("CONSOLE_BAD_REQUEST", `kind must be one of ${KINDS.join(", ")}`);
    if (!/^\d{1,4}$/.test(limit as string) || Number(limit) < 1 || Number(limit) > 1000) throw consoleError("CONSOLE_BAD_REQUEST", "limit must be a whole number 1..1000");
    const sinceIso = since === undefined ? undefined : new Date(instant(since as string, "since")).toISOString();
    const untilIso = until === undefined ? undefined : new Date(instant(until as string, "until")).toISOString();
    const memory = need(sources.vpp(), "the VPP").objectMemory();
    // The store pages oldest first: walk the pages and keep the newest `limit` (bounded scan).
    const base = { thingId: id, ...(kind ? { kind: kind as MemoryKind } : {}), ...(sinceIso ? { since: sinceIso } : {}), ...(untilIso ? { until: untilIso } : {}), limit: PAGE };
    let tail: ReturnType<typeof memory.query> = [];
    let afterSeq: number | undefined;
    let pages = 0;
    for (;;) {
      const page = memory.query({ ...base, ...(afterSeq !== undefined ? { afterSeq } : {}) });
      tail = [...tail, ...page].slice(-Number(limit));
      pages++;
      if (page.length < PAGE || pages >= MAX_PAGES) return { thingId: id, entries: tail.reverse(), truncated: page.length === PAGE };
      afterSeq = page[page.length - 1]!.seq;
    }
  });
};
