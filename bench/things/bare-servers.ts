/**
 * The baselines of bench/things: the thinnest server of each protocol that answers one value.
 * Each returns the same bytes a GridThings device answers for the property under test.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { ServerTCP } from "modbus-serial";

const require = createRequire(import.meta.url);

export interface Bare {
  readonly url: string;
  stop(): Promise<void>;
}

/** node:http answering every GET with the JSON text `body`. */
export async function bareHttp(body: string): Promise<Bare> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/value`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface CoapServer {
  listen(port: number, address: string, done: (err?: Error) => void): void;
  close(done: () => void): void;
  _sock: { address(): AddressInfo } | null;
}
interface CoapRes {
  setOption(name: string, value: unknown): void;
  end(payload: string): void;
}

/** The `coap` package's server answering every request with the JSON text `body`. */
export async function bareCoap(body: string): Promise<Bare> {
  const coap = require("coap") as { createServer(options: object, listener: (req: unknown, res: CoapRes) => void): CoapServer };
  const server = coap.createServer({ type: "udp4" }, (_req, res) => {
    res.setOption("Content-Format", "application/json");
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => server.listen(0, "127.0.0.1", (err) => (err ? reject(err) : resolve())));
  const port = server._sock?.address().port;
  return { url: `coap://127.0.0.1:${port}/value`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** modbus-serial's ServerTCP answering holding-register reads from a fixed array of words. */
export async function bareModbus(address: number, words: readonly number[]): Promise<Bare> {
  const vector = {
    getHoldingRegister: (addr: number) => words[addr - address] ?? 0,
    getMultipleHoldingRegisters: (addr: number, length: number) => Array.from({ length }, (_, i) => words[addr - address + i] ?? 0),
  };
  // modbus-serial does `options.port || 502`: port 0 must be the string "0".
  const server = new ServerTCP(vector, { host: "127.0.0.1", port: "0" as unknown as number, unitID: 255 });
  await new Promise<void>((resolve) => server.once("initialized", () => resolve()));
  const { port } = (server as unknown as { _server: { address(): AddressInfo } })._server.address();
  return { url: `modbus+tcp://127.0.0.1:${port}/1/${address}?quantity=${words.length}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
