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
      let buffer = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          this.dispatch(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
      if (!this.closed) this.handlers.onEnd();
    } catch (e) {
      failed(e as Error);
      if (!this.closed) this.handlers.onEnd(e as Error);
    }
  }

  private dispatch(block: string): void {
    const message: SseMessage = { event: "message", id: "", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") message.event = value;
      else if (field === "id") message.id = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    message.data = data.join("\n");
    this.handlers.onMessage(message);
  }
}
