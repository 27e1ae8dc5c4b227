/**
 * A subscribe-only MQTT client (3.1.1 or 5) for the meter stream, on a plain socket. It exists for
 * throughput: mqtt.js handles one packet per `process.nextTick`, through a Writable stream, a
 * handler chain and one socket write per PUBACK, and that was the ceiling of the meter stream
 * (bench/ingest). Here every PUBLISH in a socket chunk is framed in one loop, the payload is a view
 * of the chunk (no copy), and a batch of PUBACKs leaves in one write.
 *
 * It does what the meter stream needs and nothing else: CONNECT (persistent session, optional
 * credentials, MQTT 5 session expiry), one SUBSCRIBE at QoS 1, PUBLISH at QoS 0/1 in, PUBACK out,
 * keep-alive, reconnect after a delay. No publishing and no QoS 2 (the subscription grants at most
 * QoS 1). mqtt:// and mqtts:// only.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface StreamSubscriberOptions {
  brokerUrl: string;
  clientId: string;
  subscription: string;
  protocolVersion: 4 | 5;
  /** Real ms before a reconnect; 0 = never reconnect. */
  reconnectPeriodMs: number;
  keepAliveSeconds?: number;
  connectTimeoutMs?: number;
  /** MQTT 5 session expiry (default 3600 s). */
  sessionExpirySeconds?: number;
  username?: string;
  password?: string;
}

export interface StreamSubscriberEvents {
  /** One PUBLISH: payload is a view of the socket chunk, valid during the call only unless copied. */
  message(topic: string, payload: Uint8Array, messageId: number | undefined, generation: number): void;
  connect(generation: number): void;
  close(): void;
  error(error: Error): void;
}

const PACKET = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, SUBSCRIBE: 8, SUBACK: 9, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14 } as const;

function utf8Field(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags]), varint(body.length), body]);
}

export function connectPacket(o: StreamSubscriberOptions): Buffer {
  let flags = 0; // clean session off: the broker keeps the session and what was not acknowledged
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const keepAlive = Buffer.alloc(2);
  keepAlive.writeUInt16BE(o.keepAliveSeconds ?? 60, 0);
  const parts = [utf8Field("MQTT"), Buffer.from([o.protocolVersion, flags]), keepAlive];
  if (o.protocolVersion === 5) {
    const expiry = Buffer.alloc(5);
    expiry[0] = 0x11; // Session Expiry Interval
    expiry.writeUInt32BE(o.sessionExpirySeconds ?? 3600, 1);
    parts.push(varint(expiry.length), expiry);
  }
  parts.push(utf8Field(o.clientId));
  if (o.username !== undefined) parts.push(utf8Field(o.username));
  if (o.password !== undefined) parts.push(utf8Field(o.password));
  return packet(PACKET.CONNECT, 0, Buffer.concat(parts));
}

export function subscribePacket(filter: string, packetId: number, protocolVersion: 4 | 5): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId, 0);
  const parts: Buffer[] = [id];
  if (protocolVersion === 5) parts.push(Buffer.from([0]));
  parts.push(utf8Field(filter), Buffer.from([0x01])); // maximum QoS 1
  return packet(PACKET.SUBSCRIBE, 0x02, Buffer.concat(parts));
}

/** PUBACKs for these packet ids, in one buffer (reason "success" is implied in MQTT 5 with length 2). */
export function pubackPackets(ids: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(4 * ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    out[4 * i] = PACKET.PUBACK << 4;
    out[4 * i + 1] = 2;
    out[4 * i + 2] = id >> 8;
    out[4 * i + 3] = id & 0xff;
  }
  return out;
}

/** Decodes the variable-length "remaining length" at `offset`; undefined while incomplete. */
function remainingLength(buf: Buffer, offset: number): { value: number; bytes: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= buf.length) return undefined;
    const b = buf[offset + i] as number;
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
    multiplier *= 128;
  }
  throw new Error("malformed MQTT remaining length");
}

type Handlers = Partial<{ [K in keyof StreamSubscriberEvents]: StreamSubscriberEvents[K] }>;

export class MqttStreamSubscriber {
  private socket: Socket | undefined;
  private rest: Buffer | undefined;
  private generation = 0;
  private stopped = false;
  private subscribed = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private onFirst: { resolve(): void; reject(e: Error): void } | undefined;
  private pendingAcks: number[] = [];
  private ackScheduled = false;
  connected = false;

  constructor(
    private readonly options: StreamSubscriberOptions,
    private readonly on: Handlers,
  ) {
    const url = new URL(options.brokerUrl);
    if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") throw new Error(`unsupported broker URL ${options.brokerUrl}: mqtt:// or mqtts:// only`);
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** Resolves once connected and subscribed the first time; rejects if that first attempt fails. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onFirst = { resolve, reject };
      this.open();
    });
  }

  /** Queues a PUBACK for a message of `generation`; false (dropped) when that connection is gone. */
  ack(messageId: number, generation: number): boolean {
    if (generation !== this.generation || !this.connected) return false;
    this.pendingAcks.push(messageId);
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      queueMicrotask(() => this.flushAcks());
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.flushAcks();
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      if (this.connected) socket.end(Buffer.from([PACKET.DISCONNECT << 4, 0]));
      else socket.destroy();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    if (this.pendingAcks.length === 0) return;
    const ids = this.pendingAcks;
    this.pendingAcks = [];
    if (this.socket && this.connected) this.socket.write(pubackPackets(ids));
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.reconnectTimer);
    this.connectTimer = this.pingTimer = this.reconnectTimer = undefined;
  }

  private open(): void {
    const url = new URL(this.options.brokerUrl);
    const port = Number(url.port || (url.protocol === "mqtts:" ? 8883 : 1883));
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const socket = url.protocol === "mqtts:" ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    this.socket = socket;
    this.rest = undefined;
    this.subscribed = false;
    socket.setNoDelay(true);
    const ready = url.protocol === "mqtts:" ? "secureConnect" : "connect";
    socket.once(ready, () => socket.write(connectPacket(this.options)));
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.onClose(socket));
    this.connectTimer = setTimeout(() => this.fail(new Error(`no CONNACK from ${this.options.brokerUrl} within ${this.options.connectTimeoutMs ?? 10_000} ms`), true), this.options.connectTimeoutMs ?? 10_000);
  }

  private fail(e: Error, destroy = false): void {
    if (this.onFirst) {
      const first = this.onFirst;
      this.onFirst = undefined;
      this.stopped = true;
      this.socket?.destroy();
      first.reject(e);
      return;
    }
    this.on.error?.(e);
    if (destroy) this.socket?.destroy();
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket && this.socket !== undefined) return;
    const was = this.connected;
    this.connected = false;
    if (was) this.generation++;
    this.pendingAcks = [];
    this.clearTimers();
    if (was) this.on.close?.();
    if (this.stopped || this.options.reconnectPeriodMs <= 0) return;
    this.reconnectTimer = setTimeout(() => this.open(), this.options.reconnectPeriodMs);
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let offset = 0;
    try {
      while (offset + 2 <= buf.length) {
        const len = remainingLength(buf, offset + 1);
        if (!len) break;
        const start = offset + 1 + len.bytes;
        const end = start + len.value;
        if (end > buf.length) break;
        this.onPacket(buf, offset, start, end);
        offset = end;
        if (socket !== this.socket) return; // closed by the packet
      }
    } catch (e) {
      this.fail(e as Error, true);
      return;
    }
    if (offset < buf.length) {
      // Keep only the incomplete packet (a copy, so the big chunk can be collected).
      buf = buf.subarray(offset);
      this.rest = Buffer.from(buf);
    }
  }

  private onPacket(buf: Buffer, headerAt: number, start: number, end: number): void {
    const header = buf[headerAt] as number;
    const type = header >> 4;
    if (type === PACKET.PUBLISH) {
      const qos = (header >> 1) & 0x03;
      const topicLength = buf.readUInt16BE(start);
      let at = start + 2;
      const topic = buf.toString("utf8", at, at + topicLength);
      at += topicLength;
      let messageId: number | undefined;
      if (qos > 0) {
        messageId = buf.readUInt16BE(at);
        at += 2;
      }
      if (this.options.protocolVersion === 5) {
        const props = remainingLength(buf, at);
        if (!props) throw new Error("malformed PUBLISH properties");
        at += props.bytes + props.value;
      }
      this.on.message?.(topic, buf.subarray(at, end), qos > 0 ? messageId : undefined, this.generation);
      return;
    }
    switch (type) {
      case PACKET.CONNACK:
        return this.onConnack(buf, start, end);
      case PACKET.SUBACK: {
        let at = start + 2;
        if (this.options.protocolVersion === 5) {
          const props = remainingLength(buf, at);
          at += (props?.bytes ?? 0) + (props?.value ?? 0);
        }
        const code = buf[at] as number;
        if (code >= 0x80) return this.fail(new Error(`broker refused the subscription ${this.options.subscription} (code ${code})`), true);
        return this.onSubscribed();
      }
      case PACKET.PINGRESP:
        this.awaitingPong = false;
        return;
      case PACKET.DISCONNECT:
        this.socket?.destroy();
        return;
      default:
        return; // nothing else is expected by a subscriber
    }
  }

  private onConnack(buf: Buffer, start: number, end: number): void {
    if (end - start < 2) throw new Error("malformed CONNACK");
    const sessionPresent = ((buf[start] as number) & 0x01) === 1;
    const code = buf[start + 1] as number;
    if (code !== 0) return this.fail(new Error(`broker refused the connection (code ${code})`), true);
    clearTimeout(this.connectTimer);
    this.connected = true;
    this.generation++;
    const keepAlive = (this.options.keepAliveSeconds ?? 60) * 1000;
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.fail(new Error("no PINGRESP within the keep-alive"), true);
        return;
      }
      this.awaitingPong = true;
      this.socket?.write(Buffer.from([PACKET.PINGREQ << 4, 0]));
    }, keepAlive);
    this.pingTimer.unref();
    // A first connection always subscribes; a reconnect only if the broker lost the session.
    if (this.onFirst || !sessionPresent) this.socket?.write(subscribePacket(this.options.subscription, 1, this.options.protocolVersion));
    else this.onSubscribed();
  }

  private onSubscribed(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this.on.connect?.(this.generation);
    const first = this.onFirst;
    this.onFirst = undefined;
    first?.resolve();
  }
}
