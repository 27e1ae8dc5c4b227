// HTTP for the views: the signed-in bearer token on every call, problem+json turned into errors
// that carry the problem (status, code, title, detail and the extension members such as
// expected_version or validationErrors), and Server-Sent Events over fetch (EventSource cannot
// send an Authorization header).
import { createSseParser } from "./sse-parse.js";

export class ApiError extends Error {
  constructor(status, problem) {
    const what = problem?.detail ?? problem?.title ?? problem?.message ?? `HTTP ${status}`;
    super(`${status}${problem?.code ? ` ${problem.code}` : ""}: ${what}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

export function createApi(token) {
  const headers = (extra = {}) => (token() ? { authorization: `Bearer ${token()}`, ...extra } : { ...extra });

  async function request(path, init = {}) {
    const r = await fetch(path, { ...init, headers: headers(init.headers) });
    if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => undefined));
    return r;
  }

  async function json(path, init = {}) {
    const r = await request(path, init);
    return r.status === 204 ? undefined : r.json();
  }

  /** POST/PUT/PATCH a JSON body; answers the parsed JSON (undefined for 204). */
  function send(method, path, body, contentType = "application/json") {
    return json(path, { method, body: JSON.stringify(body), headers: { "content-type": contentType } });
  }

  /**
   * Follows an SSE stream: onEvent({event, data, id}) per message (data parsed as JSON when it is).
   * Reconnects after `retryMs` until closed; onState("open" | "retrying" | "closed").
   */
  function stream(path, onEvent, { onState = () => {}, retryMs = 2000 } = {}) {
    let closed = false;
    let controller;
    let lastId;
    const run = async () => {
      let failure;
      let delay = retryMs;
      while (!closed) {
        controller = new AbortController();
        try {
          const r = await fetch(path, { headers: headers({ accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) }), signal: controller.signal });
          if (!r.ok || !r.body) throw new ApiError(r.status, await r.json().catch(() => undefined));
          onState("open");
          failure = undefined;
          delay = retryMs;
          const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
          const feed = createSseParser();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const message of feed(value)) {
              if (message.id !== undefined) lastId = message.id;
              onEvent(message);
            }
          }
        } catch (e) {
          if (closed) break;
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
            onState("closed", e);
            return;
          }
          failure = e instanceof ApiError ? e : undefined;
        }
        if (closed) break;
        onState("retrying", failure);
        await new Promise((r) => setTimeout(r, delay));
        // A part that does not run here (503) or keeps failing is asked again less and less often.
        delay = failure ? Math.min(delay * 2, 30_000) : retryMs;
      }
      onState("closed");
    };
    void run();
    return () => {
      closed = true;
      controller?.abort();
    };
  }

  return { request, json, send, stream, ApiError };
}
