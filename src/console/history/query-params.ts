/** Validation of the history routes' query strings. Pure: strings in, checked values or CONSOLE_BAD_REQUEST out. */
import { consoleError } from "../errors.ts";
import { MAX_POINTS } from "../../vpp/history/history-store.ts";

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Date.parse rolls 2026-02-30 over to March: check the calendar fields themselves. */
function calendarValid(m: RegExpExecArray): boolean {
  const [y, mo, d, h, mi, s = "0", zh = "0", zm = "0"] = m.slice(1).map((x) => x ?? "0");
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  return Number(mo) >= 1 && Number(mo) <= 12 && Number(d) >= 1 && Number(d) <= days && Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59 && Number(zh) <= 23 && Number(zm) <= 59;
}

export interface HistoryParams {
  series: string;
  thingId: string | null;
  fromMs: number;
  toMs: number;
  points: number;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw consoleError("CONSOLE_BAD_REQUEST", `${name} must be given once`);
  return v;
}

export function instant(value: string | undefined, name: string): number {
  if (value === undefined || value === "") throw consoleError("CONSOLE_BAD_REQUEST", `${name} is required: an ISO 8601 instant such as 2026-06-21T19:00:00Z`);
  const ms = Date.parse(value);
  const m = INSTANT.exec(value);
  if (!m || !calendarValid(m) || !Number.isFinite(ms)) throw consoleError("CONSOLE_BAD_REQUEST", `${name} ${JSON.stringify(value.slice(0, 60))} is not an ISO 8601 instant with a zone (…Z or …+02:00)`);
  return ms;
}

export function historyParams(query: Record<string, unknown>): HistoryParams {
  const series = single(query, "series");
  if (!series || series.length > 100) throw consoleError("CONSOLE_BAD_REQUEST", "series is required (a name from /console/history/series)");
  const thingId = single(query, "thingId");
  if (thingId !== undefined && (thingId === "" || thingId.length > 500)) throw consoleError("CONSOLE_BAD_REQUEST", "thingId must be 1..500 characters");
  const fromMs = instant(single(query, "from"), "from");
  const toMs = instant(single(query, "to"), "to");
  if (fromMs >= toMs) throw consoleError("CONSOLE_BAD_REQUEST", "from must be before to");
  const p = single(query, "points") ?? "300";
  if (!/^\d{1,4}$/.test(p) || Number(p) < 1 || Number(p) > MAX_POINTS) throw consoleError("CONSOLE_BAD_REQUEST", `points must be a whole number 1..${MAX_POINTS}`);
  return { series, thingId: thingId ?? null, fromMs, toMs, points: Number(p) };
}
