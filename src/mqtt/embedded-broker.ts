import { createServer, type Server, type Socket } from "node:net";
import { createRequire } from "node:module";
import type { Aedes } from "aedes";
import { logger } from "../log/logger.ts";

const require = createRequire(import.meta.url);
const log = logger("mqtt.broker");

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port; `port` tells which. */
  port: number;
}

/**
 * The embedded MQTT 3.1.1 broker of `npm start` (aedes). Run by us rather than by node-wot's
 * self-hosting so that the port can be 0, and so that stop() closes client sockets instead of
 * waiting forever for connected subscribers to leave.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `mqtt://${this.options.host}:${this.boundPort}`;
  }

  async start(): Promise<string> {
    const createAedes = require("aedes") as (options?: object) => Aedes;
    const aedes = createAedes();
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    this.boundPort = typeof address === "object" && address ? address.port : this.options.port;
    this.aedes = aedes;
    this.server = server;
    log.info({ url: this.url }, "embedded MQTT broker listening");
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}
