import { createSseParser } from "../http/sse-parse.js";

export interface SseMessage {
  event: string;
  id: string;
  data: string;
}

export interface SseHandlers {
  onMessage(message: SseMessage): void;
  /** The stream ended or failed (not called after close()). */
  onEnd(error?: Error): void;
}

/** A minimal Server-Sent Events reader over fetch (Node 20), closable at any time. */
export class SseReader {
  private readonly controller = new AbortController();
  private closed = false;
  /** Resolves with the response once the stream is open (200, headers received). */
  readonly opened: Promise<Response>;

  constructor(url: string, headers: Record<string, string>, private readonly handlers: SseHandlers) {
    let openedResolve!: (response: Response) => void;
    let openedReject!: (e: Error) => void;
    this.opened = new Promise((resolve, reject) => {
      openedResolve = resolve;
      openedReject = reject;
    });
    this.opened.catch(() => undefined);
    void this.run(url, headers, openedResolve, openedReject);
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
  }

  private async run(url: string, headers: Record<string, string>, opened: (response: Response) => void, failed: (e: Error) => void): Promise<void> {
    try {
      const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: this.controller.signal });
      if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
      opened(response);
      const decoder = new TextDecoder();
      const feed = createSseParser({ json: false });
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const m of feed(decoder.decode(chunk, { stream: true }))) this.handlers.onMessage({ event: m.event, id: m.id ?? "", data: m.data as string });
      }
      if (!this.closed) this.handlers.onEnd();
    } catch (e) {
      failed(e as Error);
      if (!this.closed) this.handlers.onEnd(e as Error);
    }
  }
}
