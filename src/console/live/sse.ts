/** Server-Sent Events framing (WHATWG HTML § 9.2) and the request checks of a stream route. Pure. */

/** One event: `id`, `event` and one `data:` line per line of the JSON text. */
export function sseEvent(event: string, data: unknown, id?: number | string): string {
  if (/[\r\n]/.test(event)) throw new RangeError("an SSE event name cannot contain a line break");
  const text = JSON.stringify(data) ?? "null";
  const lines = text.split(/\r\n|\r|\n/).map((l) => `data: ${l}`);
  return `${id !== undefined ? `id: ${String(id).replace(/[\r\n]/g, "")}\n` : ""}event: ${event}\n${lines.join("\n")}\n\n`;
}

/** A comment line: keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT = ": keep-alive\n\n";

/** The reconnection delay a browser should use, ms. */
export const sseRetry = (ms: number) => `retry: ${Math.max(0, Math.round(ms))}\n\n`;

/** True when an Accept header lets us answer text/event-stream (no header means anything goes). */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((part) => {
    const [range = "", ...params] = part.trim().toLowerCase().split(";").map((s) => s.trim());
    const q = params.find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return range === "text/event-stream" || range === "text/*" || range === "*/*";
  });
}

/** Last-Event-ID: a sequence number we gave out, or undefined; anything else is refused by the route. */
export function parseLastEventId(value: string | string[] | undefined): number | undefined | "invalid" {
  if (value === undefined) return undefined;
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  return /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : "invalid";
}
