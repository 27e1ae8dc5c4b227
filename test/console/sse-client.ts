import { createSseParser } from "../../src/http/sse-parse.js";
/** A minimal Server-Sent Events reader for route tests: fetch with a bearer token, events as they arrive. */
export interface SseMessage {
  event: string;
  data: unknown;
  id?: string;
}

export interface SseClient {
  status: number;
  /** Resolves with the first message (already received or to come) that matches. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

export async function openSse(url: string, token?: string): Promise<SseClient> {
  const controller = new AbortController();
  const r = await fetch(url, { headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: controller.signal });
  const received: SseMessage[] = [];
  const waiters = new Set<() => void>();
  if (r.ok && r.body) {
    void (async () => {
      const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
      const feed = createSseParser();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of feed(value)) {
            received.push({ event: m.event, data: m.data, ...(m.id !== undefined ? { id: m.id } : {}) });
            for (const w of waiters) w();
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: r.status,
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = received.find(match);
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${received.map((m) => m.event).join(", ")}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
