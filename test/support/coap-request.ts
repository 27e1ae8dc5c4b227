import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const coap = require("coap") as {
  request(options: Record<string, unknown>): {
    on(event: string, cb: (res: { code: string; payload: Buffer }) => void): void;
    on(event: "error", cb: (err: Error) => void): void;
    write(data: string | Buffer): void;
    end(): void;
  };
  globalAgent: { close(cb?: () => void): void };
  globalAgentIPv6: { close(cb?: () => void): void };
};

export interface CoapReply {
  code: string;
  text: string;
}

/** One confirmable CoAP request with a plain client (not node-wot), with a timeout. */
export function coapRequest(url: string, method: "GET" | "PUT" | "POST", body?: unknown, options: { observe?: boolean } = {}): Promise<CoapReply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = coap.request({
      hostname: u.hostname,
      port: Number(u.port),
      pathname: decodeURIComponent(u.pathname),
      method,
      confirmable: true,
      ...(options.observe ? { observe: true } : {}),
      ...(body !== undefined ? { options: { "Content-Format": "application/json" } } : {}),
    });
    const timer = setTimeout(() => reject(new Error(`CoAP ${method} ${url} timed out`)), 5000);
    req.on("response", (res) => {
      clearTimeout(timer);
      resolve({ code: res.code, text: res.payload.toString("utf8") });
      (res as unknown as { close?: () => void }).close?.();
    });
    req.on("error", (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
