/**
 * The meter stream on a real simulated site: the subscription derived from the TDs the site
 * publishes, every meter billed from its registers, aggregates by the site's feeders.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../../src/auth/roles.ts";
import { SiteRuntime } from "../../../src/site/runtime.ts";
import { loadSite } from "../../../src/site/load-site.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { BillingLedger } from "../../../src/vpp/billing/ledger.ts";
import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamPipeline } from "../../../src/vpp/ingest/meter-stream-pipeline.ts";
import { waitFor } from "./support.ts";

describe("meter stream on the small site", () => {
  let runtime: SiteRuntime;
  let ledger: BillingLedger;
  let pipeline: MeterStreamPipeline;

  beforeAll(async () => {
    const site = await loadSite(join(TDS_DIR, "sites", "small.site.json"));
    runtime = new SiteRuntime({ site, speed: 600, host: "127.0.0.1", httpPort: 0, coapPort: 0, mqttPort: 0, modbusPort: 0, gridMeterModbusPort: 0, tokens: new TokenTable([]), kinds: ["smart-meter"], tickMs: 50 });
    await runtime.start();
    ledger = BillingLedger.open(null);
    // The meters stamp readings with the simulator's clock: VEE's clock is the same one.
    pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: () => runtime.simulator.time(), aggregateEveryMs: 0 });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await runtime?.stop();
    ledger?.close();
  });

  it("bills every meter of the site from the topics of its TDs", async () => {
    const tds = runtime.thingHost.hosted().map((t) => t.td as Record<string, unknown>);
    await pipeline.start({ tds });
    const meters = pipeline.meters();
    expect(meters.length).toBe(12);
    expect(pipeline.stats().brokerUrl).toBe(runtime.mqttUrl);
    await waitFor("two intervals billed for every meter", () => pipeline.stats().intervalsBilled >= 2 * meters.length, 60_000);
    const s = pipeline.stats();
    expect(s.rejectedTotal).toBe(0);
    let energy = 0;
    for (const m of meters) {
      expect(pipeline.quality(m.id)!.state).toBe("GOOD");
      const billed = ledger.totals(m.id);
      expect(billed.importMilliWh).toBeGreaterThanOrEqual(0);
      expect(billed.exportMilliWh).toBeGreaterThanOrEqual(0);
      energy += billed.importMilliWh + billed.exportMilliWh;
      const intervals = ledger.intervals(m.id, 0, 8.64e15);
      for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.intervalStart).toBe(intervals[i - 1]!.intervalEnd); // none lost
    }
    expect(energy).toBeGreaterThan(0);
    // At speed 600 a scheduling hiccup of 100 ms ages a reading by a simulated minute: a meter may be
    // counted as stale rather than summed, but every meter of the site is in the aggregate, and on
    // a loaded machine the first snapshot with fresh readings may take a few tries.
    await waitFor("an aggregate with fresh readings", () => pipeline.snapshot().total.meters > 0, 30_000);
    const snapshot = pipeline.snapshot();
    expect(snapshot.total.meters + snapshot.total.stale).toBe(12);
    expect(snapshot.feeders.length).toBeGreaterThan(1);
    expect(snapshot.feeders.reduce((a, f) => a + f.meters + f.stale, 0)).toBe(12);
  });
});
