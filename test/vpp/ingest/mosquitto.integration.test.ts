/**
 * The meter stream against an external Mosquitto: MQTT 5 shared subscription splitting the stream
 * between two workers (each reading handled once), and a broker restart in mid-stream that loses
 * no billing interval.
 */
import { afterEach, describe, expect, it } from "vitest";
import { requireBinary } from "../../support/external-clients.ts";
import { BillingLedger } from "../../../src/vpp/billing/ledger.ts";
import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamPipeline } from "../../../src/vpp/ingest/meter-stream-pipeline.ts";
import { meterTd, publisher, reading, RestartableMosquitto, T0, waitFor } from "./support.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NOW = () => T0 + 86_400_000;
const METERS = ["m-1", "m-2", "m-3", "m-4"];

describe("meter stream over Mosquitto", () => {
  it("two workers share the stream ($share): every reading handled by exactly one", async (ctx) => {
    const binary = await requireBinary(ctx, "mosquitto", "mosquitto");
    const broker = new RestartableMosquitto(binary);
    cleanups.push(() => broker.stop());
    await broker.start();
    const tds = METERS.map((m) => meterTd(m, broker.url));
    const workers = [0, 1].map(() => {
      const ledger = BillingLedger.open(null);
      cleanups.push(() => ledger.close());
      return { ledger, pipeline: new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, sharedGroup: "vpp", aggregateEveryMs: 0 }) };
    });
    for (const w of workers) {
      await w.pipeline.start({ tds });
      cleanups.push(() => w.pipeline.stop());
      expect(w.pipeline.stats().subscription).toBe("$share/vpp/+/events/reading");
    }
    const p = await publisher(broker.url, 5);
    cleanups.push(() => p.endAsync(true));
    const perMeter = 80;
    for (let i = 0; i < perMeter; i++) for (const m of METERS) await p.publishAsync(`${m}/events/reading`, reading(m, i), { qos: 1 });
    const total = perMeter * METERS.length;
    await waitFor("all readings acknowledged", () => workers.reduce((a, w) => a + w.pipeline.stats().acked, 0) === total);
    const received = workers.map((w) => w.pipeline.stats().received);
    expect(received[0]! + received[1]!).toBe(total);
    expect(received[0]).toBeGreaterThan(0);
    expect(received[1]).toBeGreaterThan(0);
  });

  it("survives a broker restart mid-stream with no billing interval lost and none counted twice", async (ctx) => {
    const binary = await requireBinary(ctx, "mosquitto", "mosquitto");
    const broker = new RestartableMosquitto(binary);
    cleanups.push(() => broker.stop());
    await broker.start();
    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, clientId: "vpp-restart-test", reconnectPeriodMs: 100, aggregateEveryMs: 0 });
    await pipeline.start({ tds: METERS.map((m) => meterTd(m, broker.url)) });
    cleanups.push(() => pipeline.stop());
    const p = await publisher(broker.url);
    cleanups.push(() => p.endAsync(true));
    const perMeter = 4 * 60 + 1; // one hour of readings: four intervals
    const send = (i: number) => Promise.all(METERS.map((m) => p.publishAsync(`${m}/events/reading`, reading(m, i), { qos: 1 })));
    for (let i = 0; i < 100; i++) await send(i);
    await waitFor("first part acknowledged", () => pipeline.stats().acked >= 100 * METERS.length);
    await broker.kill();
    await waitFor("the pipeline sees the broker gone", () => !pipeline.stats().connected);
    // The publisher keeps QoS 1 readings in flight while the broker is down (mqtt.js queues them).
    const during = Promise.all(Array.from({ length: 40 }, (_, k) => send(100 + k)));
    await broker.start();
    await during;
    for (let i = 140; i < perMeter; i++) await send(i);
    await waitFor("every reading accepted after the restart", () => pipeline.stats().accepted === perMeter * METERS.length, 30_000);
    expect(pipeline.stats().reconnects).toBeGreaterThanOrEqual(1);
    for (const m of METERS) {
      const intervals = ledger.intervals(m, T0, T0 + 86_400_000);
      expect(intervals.map((i) => [i.intervalStart, i.importWh, i.estimated])).toEqual(
        [0, 1, 2, 3].map((k) => [new Date(T0 + k * 900_000).toISOString(), 600, false]),
      );
      expect(ledger.totals(m).importMilliWh).toBe((perMeter - 1) * 10_000);
    }
  });
});
