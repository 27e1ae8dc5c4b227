/**
 * The meter stream's MQTT client against a scripted broker on a socket: packets framed across any
 * chunk boundary, PUBACKs batched and dropped for an older connection, refusals and bad input.
 * (Real brokers, aedes and Mosquitto, are in aedes/mosquitto.integration.test.ts.)
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectPacket, MqttStreamSubscriber, pubackPackets, subscribePacket } from "../../../src/vpp/ingest/mqtt-stream-subscriber.ts";
import { waitFor } from "./support.ts";

function publish(topic: string, payload: string, id: number | undefined, v5 = false): Buffer {
  const t = Buffer.from(topic);
  const head = Buffer.alloc(2 + t.length + (id === undefined ? 0 : 2));
  head.writeUInt16BE(t.length, 0);
  t.copy(head, 2);
  if (id !== undefined) head.writeUInt16BE(id, 2 + t.length);
  const body = Buffer.concat([head, ...(v5 ? [Buffer.from([0])] : []), Buffer.from(payload)]);
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30 | (id === undefined ? 0 : 0x02)]), Buffer.from(len), body]);
}

interface Scripted {
  server: Server;
  port: number;
  sockets: Socket[];
  received: Buffer[];
  connects: number;
}

/** A broker that answers CONNECT and SUBSCRIBE as told and records everything the client writes. */
async function scripted(options: { connack?: number; suback?: number; sessionPresent?: boolean } = {}): Promise<Scripted> {
  const s: Scripted = { server: createServer(), port: 0, sockets: [], received: [], connects: 0 };
  s.server.on("connection", (socket) => {
    s.sockets.push(socket);
    socket.on("error", () => undefined);
    socket.on("data", (d: Buffer) => {
      s.received.push(d);
      if (d[0] === 0x10) {
        s.connects++;
        socket.write(Buffer.from([0x20, 2, options.sessionPresent ? 1 : 0, options.connack ?? 0]));
      }
      if (d[0] === 0x82) socket.write(Buffer.from([0x90, 3, d[2]!, d[3]!, options.suback ?? 1]));
    });
  });
  await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", () => r()));
  s.port = (s.server.address() as { port: number }).port;
  cleanups.push(() => new Promise<void>((r) => (s.sockets.forEach((x) => x.destroy()), s.server.close(() => r()))));
  return s;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const base = (port: number) => ({ brokerUrl: `mqtt://127.0.0.1:${port}`, clientId: "t", subscription: "+/events/reading", protocolVersion: 4 as const, reconnectPeriodMs: 0 });

describe("MqttStreamSubscriber packets", () => {
  it("CONNECT keeps the session, carries credentials and the MQTT 5 session expiry", () => {
    const v4 = connectPacket({ ...base(1), username: "u", password: "p" });
    expect(v4[0]).toBe(0x10);
    expect(v4.subarray(2, 8).toString("latin1")).toBe("\u0000\u0004MQTT");
    expect(v4[8]).toBe(4);
    expect(v4[9]).toBe(0x80 | 0x40); // username, password, clean session off
    const v5 = connectPacket({ ...base(1), protocolVersion: 5, sessionExpirySeconds: 7200 });
    expect(v5[8]).toBe(5);
    expect([...v5.subarray(12, 18)]).toEqual([5, 0x11, 0, 0, 0x1c, 0x20]);
  });

  it("SUBSCRIBE asks for QoS 1; PUBACKs are 4 bytes each in one buffer", () => {
    const sub = subscribePacket("$share/g/+/events/reading", 1, 5);
    expect(sub[0]).toBe(0x82);
    expect(sub[sub.length - 1]).toBe(1);
    expect([...pubackPackets([1, 0x1234])]).toEqual([0x40, 2, 0, 1, 0x40, 2, 0x12, 0x34]);
  });

  it("refuses a broker URL that is not mqtt:// or mqtts://", () => {
    expect(() => new MqttStreamSubscriber({ ...base(1), brokerUrl: "ws://127.0.0.1:1" }, {})).toThrow(/mqtt:\/\/ or mqtts:\/\//);
  });
});

describe("MqttStreamSubscriber on a socket", () => {
  it("frames PUBLISH packets split at every byte boundary and batches their PUBACKs", async () => {
    const broker = await scripted();
    const got: Array<[string, string, number | undefined]> = [];
    const client: MqttStreamSubscriber = new MqttStreamSubscriber(base(broker.port), {
      message: (topic, payload, id, generation) => {
        got.push([topic, Buffer.from(payload).toString(), id]);
        if (id !== undefined) client.ack(id, generation);
      },
    });
    await client.start();
    cleanups.push(() => client.stop());
    const stream = Buffer.concat([publish("m-1/events/reading", '{"a":1}', 7), publish("m-2/events/reading", "x".repeat(300), 8), publish("m-3/events/reading", "qos0", undefined)]);
    const socket = broker.sockets[0]!;
    for (let i = 0; i < stream.length; i += 1) {
      socket.write(stream.subarray(i, i + 1));
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor("three messages", () => got.length === 3);
    expect(got).toEqual([
      ["m-1/events/reading", '{"a":1}', 7],
      ["m-2/events/reading", "x".repeat(300), 8],
      ["m-3/events/reading", "qos0", undefined],
    ]);
    const acks = () => Buffer.concat(broker.received).toString("hex");
    await waitFor("both PUBACKs", () => acks().includes("40020007") && acks().includes("40020008"));
  });

  it("drops an ack of a message from a connection that is gone, and reconnects", async () => {
    const broker = await scripted({ sessionPresent: true });
    let first: { id: number; generation: number } | undefined;
    const client: MqttStreamSubscriber = new MqttStreamSubscriber({ ...base(broker.port), reconnectPeriodMs: 20 }, {
      message: (_t, _p, id, generation) => (first ??= { id: id!, generation }),
    });
    await client.start();
    cleanups.push(() => client.stop());
    broker.sockets[0]!.write(publish("m-1/events/reading", "{}", 9));
    await waitFor("a message", () => first !== undefined);
    broker.sockets[0]!.destroy();
    await waitFor("a reconnect", () => broker.connects === 2 && client.connected);
    expect(client.ack(first!.id, first!.generation)).toBe(false);
    expect(client.ack(10, client.currentGeneration)).toBe(true);
  });

  it("start() rejects when the broker refuses the connection or the subscription, or nobody listens", async () => {
    const refusing = await scripted({ connack: 5 });
    await expect(new MqttStreamSubscriber(base(refusing.port), {}).start()).rejects.toThrow(/refused the connection \(code 5\)/);
    const noSub = await scripted({ suback: 0x80 });
    await expect(new MqttStreamSubscriber(base(noSub.port), {}).start()).rejects.toThrow(/refused the subscription/);
    await expect(new MqttStreamSubscriber(base(1), {}).start()).rejects.toThrow(/ECONNREFUSED/);
  });
});
