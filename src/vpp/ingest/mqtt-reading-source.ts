/**
 * One mqtt.js connection carrying the whole meter stream: one wildcard subscription (or an MQTT 5
 * shared subscription for a group of workers) at QoS 1, instead of one node-wot subscription per
 * Thing. Acknowledgements are deferred: mqtt.js sends PUBACK once `handleMessage` calls back and
 * handles the next packet only then, so calling back at once with an error (no PUBACK) keeps the
 * stream flowing, and the PUBACK is sent by `ack()` after the ledger commit. An ack from an older
 * connection is dropped: a persistent session makes the broker deliver that message again, and
 * the ledger makes the second write a no-op.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { logger } from "../../log/logger.ts";

const log = logger("vpp.ingest.mqtt");

/** Tells mqtt.js not to send the PUBACK itself (see the file comment). */
const DEFERRED = new Error("ack deferred until the reading is durable");

export type MessageHandler = (topic: string, payload: Uint8Array, ack: () => void) => void;

export interface ReadingSourceOptions {
  brokerUrl: string;
  subscription: string;
  /** Stable id so the broker keeps the session (and the unacknowledged messages) across reconnects. */
  clientId: string;
  /** MQTT 5 (needed for shared subscriptions); else 3.1.1. */
  protocolVersion: 4 | 5;
  reconnectPeriodMs: number;
  username?: string;
  password?: string;
}

interface PubackSender {
  _sendPacket(packet: { cmd: "puback"; messageId: number; reasonCode?: number }, cb?: () => void): void;
  stream?: { cork?(): void; uncork?(): void };
}

export class MqttReadingSource {
  private client: MqttClient | undefined;
  private generation = 0;
  connected = false;
  reconnects = 0;
  acked = 0;
  droppedAcks = 0;

  constructor(
    private readonly options: ReadingSourceOptions,
    private readonly onMessage: MessageHandler,
  ) {}

  /** Resolves once connected and subscribed (the first time); later reconnects are automatic. */
  async start(): Promise<void> {
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      clean: false,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: o.reconnectPeriodMs,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    };
    const client = mqtt.connect(o.brokerUrl, clientOptions);
    this.client = client;
    client.handleMessage = (packet, callback) => {
      const generation = this.generation;
      const messageId = packet.messageId;
      const ack =
        packet.qos === 1 && messageId !== undefined
          ? () => {
              if (generation !== this.generation || !this.connected || this.client !== client) {
                this.droppedAcks++;
                return;
              }
              (client as unknown as PubackSender)._sendPacket({ cmd: "puback", messageId, reasonCode: 0 });
              this.acked++;
            }
          : () => undefined;
      try {
        this.onMessage(packet.topic, packet.payload as Uint8Array, ack);
      } catch (e) {
        log.error({ err: (e as Error).message, topic: packet.topic }, "meter message handler failed");
      }
      callback(packet.qos === 1 ? DEFERRED : undefined);
    };
    client.on("connect", () => {
      this.generation++;
      if (this.connected === false && this.generation > 1) this.reconnects++;
      this.connected = true;
      log.info({ broker: o.brokerUrl, subscription: o.subscription }, "meter stream connected");
    });
    client.on("close", () => {
      if (this.connected) this.generation++;
      this.connected = false;
    });
    client.on("error", (e) => log.warn({ err: e.message }, "meter stream MQTT error"));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        client.off("connect", onConnect);
        reject(e);
      };
      const onConnect = () => {
        client.off("error", onError);
        resolve();
      };
      client.once("connect", onConnect);
      client.once("error", onError);
    }).catch(async (e: Error) => {
      await this.stop();
      throw e;
    });
    const granted = await client.subscribeAsync(o.subscription, { qos: 1 });
    const refused = granted.find((g) => g.qos === 128);
    if (refused) {
      await this.stop();
      throw new Error(`broker refused the subscription ${o.subscription}`);
    }
  }

  /** Runs `acks` with the socket corked: a batch of PUBACKs leaves in one write. */
  batchAcks(acks: ReadonlyArray<() => void>): void {
    const stream = (this.client as unknown as PubackSender | undefined)?.stream;
    stream?.cork?.();
    try {
      for (const ack of acks) ack();
    } finally {
      if (stream?.uncork) process.nextTick(() => stream.uncork!());
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.generation++;
    this.connected = false;
    if (client) await client.endAsync(true).catch(() => undefined);
  }
}
