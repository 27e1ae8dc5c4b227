/**
 * One MQTT connection carrying the whole meter stream: one wildcard subscription (or an MQTT 5
 * shared subscription for a group of workers) at QoS 1, instead of one node-wot subscription per
 * Thing. The client is `MqttStreamSubscriber` (mqtt.js was the throughput ceiling, see there).
 * Acknowledgements are deferred: the PUBACK is sent by `ack()` after the ledger commit. An ack
 * from an older connection is dropped: a persistent session makes the broker deliver that message
 * again, and the ledger makes the second write a no-op.
 */
import { logger } from "../../log/logger.ts";
import { MqttStreamSubscriber } from "./mqtt-stream-subscriber.ts";

const log = logger("vpp.ingest.mqtt");

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

const NO_ACK = () => undefined;

export class MqttReadingSource {
  private client: MqttStreamSubscriber | undefined;
  private everConnected = false;
  reconnects = 0;
  acked = 0;
  droppedAcks = 0;

  constructor(
    private readonly options: ReadingSourceOptions,
    private readonly onMessage: MessageHandler,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Resolves once connected and subscribed (the first time); later reconnects are automatic. */
  async start(): Promise<void> {
    const o = this.options;
    const client = new MqttStreamSubscriber(
      {
        brokerUrl: o.brokerUrl,
        clientId: o.clientId,
        subscription: o.subscription,
        protocolVersion: o.protocolVersion,
        reconnectPeriodMs: o.reconnectPeriodMs,
        connectTimeoutMs: 10_000,
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
      },
      {
        message: (topic, payload, messageId, generation) => {
          const ack = messageId === undefined ? NO_ACK : () => (client.ack(messageId, generation) ? this.acked++ : this.droppedAcks++);
          try {
            this.onMessage(topic, payload, ack);
          } catch (e) {
            log.error({ err: (e as Error).message, topic }, "meter message handler failed");
          }
        },
        connect: () => {
          if (this.everConnected) this.reconnects++;
          this.everConnected = true;
          log.info({ broker: o.brokerUrl, subscription: o.subscription }, "meter stream connected");
        },
        error: (e) => log.warn({ err: e.message }, "meter stream MQTT error"),
      },
    );
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      this.client = undefined;
      throw e;
    }
  }

  /** Runs a batch of acks: their PUBACKs leave in one write. */
  batchAcks(acks: ReadonlyArray<() => void>): void {
    for (const ack of acks) ack();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.stop();
  }
}
