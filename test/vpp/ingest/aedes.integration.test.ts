/**
 * The meter stream against the embedded aedes broker (MQTT 3.1.1, wildcard subscription): bad
 * input counted, acknowledgements only after the ledger commit, unacknowledged readings delivered
 * again to the next worker with the same session.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MqttClient } from "mqtt";
import { EmbeddedBroker } from "../../../src/mqtt/embedded-broker.ts";
import { BillingLedger } from "../../../src/vpp/billing/ledger.ts";
import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamPipeline } from "../../../src/vpp/ingest/meter-stream-pipeline.ts";
import type { LoadAggregate } from "../../../src/vpp/aggregation/types.ts";
import { meterTd, publisher, reading, T0, waitFor } from "./support.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(): Promise<EmbeddedBroker> {
  const b = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await b.start();
  cleanups.push(() => b.stop());
  return b;
}

async function pub(url: string): Promise<MqttClient> {
  const p = await publisher(url);
  cleanups.push(() => p.endAsync(true));
  return p;
}

const NOW = () => T0 + 3_600_000;

describe("meter stream over aedes (wildcard)", () => {
  it("ingests from the TDs' topics, bills, aggregates, counts bad input, acks after commit", async () => {
    const b = await broker();
    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, aggregateEveryMs: 50 });
    await pipeline.start({ tds: [meterTd("meter-a", b.url), meterTd("meter-b", b.url), { title: "not-a-meter", "@type": "gt:Battery" }] });
    cleanups.push(() => pipeline.stop());
    expect(pipeline.stats()).toMatchObject({ subscription: "+/events/reading", brokerUrl: b.url, meters: 2, connected: true });
    const aggregates: LoadAggregate[] = [];
    pipeline.onAggregate((a) => aggregates.push(a));
    const p = await pub(b.url);
    let sent = 0;
    for (let i = 0; i <= 130; i++) {
      for (const m of ["meter-a", "meter-b"]) {
        await p.publishAsync(`${m}/events/reading`, reading(m, i, m === "meter-a" ? 10 : 20), { qos: 1 });
        sent++;
      }
    }
    const bad: Array<[string, string]> = [
      ["meter-a/events/reading", "not json"],
      ["meter-a/events/reading", JSON.stringify({ meterId: "meter-a", sequence: 999, timestamp: "2026-06-01T12:00:00Z", activePowerW: "NaN", energyImportWh: 1, energyExportWh: 0, voltageV: 230 })],
      ["meter-a/events/reading", reading("meter-b", 200)],
      ["meter-z/events/reading", reading("meter-z", 1)],
      ["meter-a/events/reading", JSON.stringify({ meterId: "meter-a", sequence: 131, timestamp: "2099-01-01T00:00:00Z", activePowerW: 1, energyImportWh: 5000, energyExportWh: 0, voltageV: 230 })],
      ["meter-a/events/reading", reading("meter-a", 5)], // duplicate
    ];
    for (const [topic, payload] of bad) await p.publishAsync(topic, payload, { qos: 1 });
    sent += bad.length;
    await waitFor("every message processed and acknowledged", () => pipeline.stats().acked === sent);
    const stats = pipeline.stats();
    expect(stats).toMatchObject({ received: sent, accepted: 262, duplicates: 1, rejectedTotal: 5, pendingAcks: 0 });
    expect(stats.rejected).toMatchObject({ MALFORMED: 1, NOT_A_NUMBER: 1, TOPIC_MISMATCH: 1, UNKNOWN_METER: 1, FUTURE_TIMESTAMP: 1 });
    // 131 readings 15 s apart from T0: 32.5 minutes → two whole intervals
    expect(ledger.intervals("meter-a", T0, T0 + 86_400_000).map((i) => i.importWh)).toEqual([600, 600]);
    expect(ledger.intervals("meter-b", T0, T0 + 86_400_000).map((i) => i.importWh)).toEqual([1200, 1200]);
    expect(ledger.exportCsv("meter-a", "2026-06-01").trimEnd().split("\r\n")).toHaveLength(3);
    await waitFor("an aggregate", () => aggregates.length > 0);
    expect(pipeline.snapshot().total).toMatchObject({ meters: 0, stale: 2 }); // readings are an hour old by NOW
    expect(pipeline.meterView("meter-a")).toMatchObject({ activePowerW: 2400, readingAt: new Date(T0 + 130 * 15_000).toISOString() });
    expect(pipeline.quality("meter-a")?.state).toBe("ERROR"); // its last message was refused
  });

  it("acknowledges nothing while the ledger cannot write; the next worker with the session gets the readings again", async () => {
    const b = await broker();
    const broken = BillingLedger.open(null);
    cleanups.push(() => broken.close());
    broken.write = () => {
      throw new Error("disk full");
    };
    const first = new MeterStreamPipeline({ ledger: broken, tariff: flatTariff(), now: NOW, clientId: "vpp-meters-session", aggregateEveryMs: 0 });
    await first.start({ brokerUrl: b.url, meters: [{ id: "meter-a", region: "r", substation: "s", feeder: "f" }] });
    const p = await pub(b.url);
    for (let i = 0; i <= 60; i++) await p.publishAsync("meter-a/events/reading", reading("meter-a", i), { qos: 1 });
    await waitFor("the failure", () => first.stats().failed !== null);
    expect(first.stats().acked).toBe(0);
    await first.stop();

    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    const second = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, clientId: "vpp-meters-session", aggregateEveryMs: 0 });
    await second.start({ brokerUrl: b.url, meters: [{ id: "meter-a", region: "r", substation: "s", feeder: "f" }] });
    cleanups.push(() => second.stop());
    await waitFor("redelivery of the 61 unacknowledged readings", () => second.stats().acked >= 61);
    expect(ledger.totals("meter-a").importMilliWh).toBe(600_000); // one interval, T0 to T0 + 15 min: 60 readings × 10 Wh
  });

  it("acknowledges nothing when the ledger cannot flush its writes to disk", async () => {
    const b = await broker();
    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    ledger.sync = () => Promise.reject(new Error("fsync: EIO"));
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, aggregateEveryMs: 0 });
    await pipeline.start({ brokerUrl: b.url, meters: [{ id: "meter-a", region: "r", substation: "s", feeder: "f" }] });
    cleanups.push(() => pipeline.stop());
    const p = await pub(b.url);
    for (let i = 0; i <= 10; i++) await p.publishAsync("meter-a/events/reading", reading("meter-a", i), { qos: 1 });
    await waitFor("the failure", () => pipeline.stats().failed !== null);
    expect(pipeline.stats().failed).toContain("EIO");
    expect(pipeline.stats().acked).toBe(0);
  });

  it("follows the ensemble: a meter that joins is ingested, one that leaves is refused", async () => {
    const b = await broker();
    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, aggregateEveryMs: 0 });
    await pipeline.start({ tds: [meterTd("meter-a", b.url)] });
    cleanups.push(() => pipeline.stop());
    const p = await pub(b.url);
    await p.publishAsync("meter-b/events/reading", reading("meter-b", 0), { qos: 1 });
    await waitFor("refusal", () => pipeline.stats().rejected.UNKNOWN_METER === 1);
    pipeline.applyEnsembleChange({ type: "added", td: meterTd("meter-b", b.url) });
    pipeline.applyEnsembleChange({ type: "added", td: meterTd("meter-c", "mqtt://elsewhere:1883") }); // another broker: not followed
    expect(pipeline.meters().map((m) => m.id).sort()).toEqual(["meter-a", "meter-b"]);
    await p.publishAsync("meter-b/events/reading", reading("meter-b", 1), { qos: 1 });
    await waitFor("acceptance", () => pipeline.stats().accepted === 1);
    pipeline.applyEnsembleChange({ type: "removed", id: "urn:gridthings:device:meter-b" });
    await p.publishAsync("meter-b/events/reading", reading("meter-b", 2), { qos: 1 });
    await waitFor("refusal after leaving", () => pipeline.stats().rejected.UNKNOWN_METER === 2);
    expect(pipeline.stats().meters).toBe(1);
  });

  it("a restarted worker replays its ledger and bills on: no interval lost, none twice", async () => {
    const b = await broker();
    const dir = await mkdtemp(join(tmpdir(), "gridthings-vpp-ledger-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const meters = [{ id: "meter-a", region: "r", substation: "s", feeder: "f" }];
    const p = await pub(b.url);
    const run = async (from: number, to: number) => {
      const ledger = BillingLedger.open(dir);
      const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: NOW, aggregateEveryMs: 0 });
      await pipeline.start({ brokerUrl: b.url, meters });
      for (let i = from; i < to; i++) await p.publishAsync("meter-a/events/reading", reading("meter-a", i), { qos: 1 });
      await waitFor("acks", () => pipeline.stats().acked === to - from);
      await pipeline.stop();
      ledger.close();
    };
    await run(0, 70); // first interval billed, the second half done
    await run(70, 181); // after the restart: intervals 2 and 3
    const ledger = BillingLedger.open(dir);
    try {
      expect(ledger.intervals("meter-a", T0, T0 + 86_400_000).map((i) => [i.importWh, i.adjustments])).toEqual([
        [600, 0],
        [600, 0],
        [600, 0],
      ]);
      expect(ledger.totals("meter-a").importMilliWh).toBe(180 * 10_000);
      expect(ledger.rowCount()).toEqual({ intervals: 3, readings: 181 });
    } finally {
      ledger.close();
    }
  });

  it("waits for the ledger's checkpoints instead of blocking on them: every reading acknowledged once durable, none lost", async () => {
    const b = await broker();
    const dir = await mkdtemp(join(tmpdir(), "gridthings-meter-cp-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const ledger = BillingLedger.open(dir, { checkpointWalBytes: 16 * 1024 });
    cleanups.push(() => ledger.close());
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: () => T0 + 3 * 3_600_000, aggregateEveryMs: 1000 });
    await pipeline.start({ tds: ["meter-a", "meter-b", "meter-c"].map((m) => meterTd(m, b.url)) });
    cleanups.push(() => pipeline.stop());
    const p = await pub(b.url);
    let sent = 0;
    for (let i = 0; i < 400; i++) {
      await Promise.all(["meter-a", "meter-b", "meter-c"].map((m) => p.publishAsync(`${m}/events/reading`, reading(m, i), { qos: 1 })));
      sent += 3;
    }
    await waitFor("every reading acknowledged", () => pipeline.stats().acked === sent);
    expect(pipeline.stats()).toMatchObject({ accepted: sent, rejectedTotal: 0 });
    expect(ledger.rowCount().readings).toBe(sent);
    expect(ledger.checkpointStats.started).toBeGreaterThan(0);
    expect(ledger.checkpointStats.finishedInline).toBe(0);
  });

  it("start() refuses bad sources", async () => {
    const ledger = BillingLedger.open(null);
    cleanups.push(() => ledger.close());
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff() });
    await expect(pipeline.start({ tds: [] })).rejects.toMatchObject({ code: "METER_BAD_ARGUMENT" });
    await expect(pipeline.start({ tds: "x" as never })).rejects.toMatchObject({ code: "METER_BAD_ARGUMENT" });
    await expect(pipeline.start({ brokerUrl: "http://x", meters: [] })).rejects.toMatchObject({ code: "METER_BAD_ARGUMENT" });
    await expect(pipeline.start({ tds: [meterTd("a", "mqtt://h:1"), meterTd("b", "mqtt://h:2")] })).rejects.toMatchObject({ code: "METER_BROKER_MIXED" });
    expect(() => new MeterStreamPipeline({ ledger, tariff: flatTariff(), batchSize: 0 })).toThrow(expect.objectContaining({ code: "METER_BAD_ARGUMENT" }));
    for (const commitEveryMs of [-1, Number.NaN, 60_000]) expect(() => new MeterStreamPipeline({ ledger, tariff: flatTariff(), commitEveryMs })).toThrow(expect.objectContaining({ code: "METER_BAD_ARGUMENT" }));
    await expect(new MeterStreamPipeline({ ledger, tariff: flatTariff(), sharedGroup: "a/b" }).start({ brokerUrl: "mqtt://127.0.0.1:1", meters: [] })).rejects.toMatchObject({ code: "METER_BAD_ARGUMENT" });
  });
});
