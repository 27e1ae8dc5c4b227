/** A Server-Sent Events response on a hijacked fastify reply: headers, messages, comments, close. */
import type { FastifyReply } from "fastify";

export interface SseChannel {
  send(event: string, data: unknown, id?: string | number): void;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export function openSse(reply: FastifyReply): SseChannel {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  raw.write(": connected\n\n");
  let closed = false;
  const listeners: Array<() => void> = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const l of listeners.splice(0)) l();
  };
  raw.on("close", finish);
  raw.on("error", finish);
  return {
    get closed() {
      return closed;
    },
    send(event, data, id) {
      if (closed) return;
      const lines = JSON.stringify(data).split("\n").map((l) => `data: ${l}`).join("\n");
      raw.write(`${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\n${lines}\n\n`);
    },
    comment(text) {
      if (!closed) raw.write(`: ${text.replace(/\n/g, " ")}\n\n`);
    },
    close() {
      if (!closed) raw.end();
      finish();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
