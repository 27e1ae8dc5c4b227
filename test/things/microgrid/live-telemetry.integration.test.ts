/**
 * The live telemetry feed against real bindings: device Things on a ThingHost read over HTTP, meter
 * readings published to a broker, ticks driven by the test. Bad inputs (a failing device, malformed
 * or foreign meter messages) leave their nodes without a reading instead of inventing one.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqttjs from "mqtt";
import { TokenTable } from "../../../src/auth/roles.ts";
import { EmbeddedBroker } from "../../../src/mqtt/embedded-broker.ts";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";
import { TDS_DIR } from "../../../src/tm/model-files.ts";
import { ThingHost } from "../../../src/wot/thing-host.ts";
import { LiveTelemetryFeed } from "../../../things/microgrid/live-telemetry.ts";

const MG = "mg-depot-north-1";

const device = (title: string, type: string, feeder: string) => ({
  "@context": "https://www.w3.org/2022/wot/td/v1.1",
  "@type": [type],
  id: `urn:test:${title}`,
  title,
  "gt:feeder": feeder,
  properties: { activePower: { type: "number", unit: "W", readOnly: true } },
});

describe("LiveTelemetryFeed", () => {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  const host = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: null, mqttUrl: null, tokens: new TokenTable([]), now: () => new Date() });
  let service: MicrogridService;
  let feed: LiveTelemetryFeed;
  const power = { bess: 25000, pvFails: true };

  beforeAll(async () => {
    await broker.start();
    await host.start();
    service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: loadMicrogridDefinitions(join(TDS_DIR, "microgrid")) });
    await host.expose({ td: device("bess-north-1", "gt:Battery", "f-n1a"), protocols: ["http"], properties: { activePower: { read: () => power.bess } } });
    await host.expose({
      td: device("pv-north-1", "gt:PvPlant", "f-n1b"),
      protocols: ["http"],
      properties: {
        activePower: {
          read: () => {
            if (power.pvFails) throw new Error("inverter offline");
            return 12000;
          },
        },
      },
    });
    const meters = [device("m-a-1", "gt:SmartMeter", "f-n1a"), device("m-b-1", "gt:SmartMeter", "f-n1b"), device("m-far", "gt:SmartMeter", "f-s1a")];
    feed = new LiveTelemetryFeed({ service, microgrid_id: MG, tds: [...host.hosted().map((t) => t.td), ...meters], mqttUrl: broker.url, intervalMs: 3_600_000, timeoutMs: 2000 });
    await feed.start();
  });

  afterAll(async () => {
    await feed?.stop();
    await host.stop();
    await service?.close();
    await broker.stop();
  });

  const latest = () => Object.fromEntries(service.latestTelemetry(MG).map((r) => [r.node_id, r.measured_demand_watts]));

  it("a failing device read is counted and its node and feeder total get no reading; the rest is ingested", async () => {
    await feed.tick();
    expect(feed.stats.failures).toBeGreaterThanOrEqual(1);
    expect(latest()).toEqual({ "bess-north-1": -25000 });
  });

  it("meter readings over MQTT make the feeder sums; malformed, non-numeric and foreign messages are ignored", async () => {
    const client = await mqttjs.connectAsync(broker.url);
    try {
      await client.publishAsync("m-a-1/events/reading", "{not json");
      await client.publishAsync("m-b-1/events/reading", JSON.stringify({ activePowerW: "lots" }));
      await client.publishAsync("m-far/events/reading", JSON.stringify({ activePowerW: 99999 }));
      await new Promise((r) => setTimeout(r, 200));
      power.pvFails = false;
      await feed.tick();
      expect(latest()).toEqual({ "bess-north-1": -25000, "pv-north-1": -12000 });

      await client.publishAsync("m-a-1/events/reading", JSON.stringify({ meterId: "m-a-1", activePowerW: 3000 }));
      await client.publishAsync("m-b-1/events/reading", JSON.stringify({ meterId: "m-b-1", activePowerW: 2000 }));
      const deadline = Date.now() + 5000;
      while (!("gc-f-n1b" in latest()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        await feed.tick();
      }
      expect(latest()).toEqual({ "bess-north-1": -25000, "pv-north-1": -12000, "load-f-n1a": 3000, "load-f-n1b": 2000, "gc-f-n1a": -22000, "gc-f-n1b": -10000 });
    } finally {
      await client.endAsync();
    }
  });
});

describe("LiveTelemetryFeed: a cycle at once when an EV starts asking for power", () => {
  const host = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: null, mqttUrl: null, tokens: new TokenTable([]), now: () => new Date() });
  let service: MicrogridService;
  const feeds: LiveTelemetryFeed[] = [];
  const ev = { requestedW: 0 as unknown };
  const chargePoint = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    "@type": ["gt:ChargePoint"],
    id: "urn:test:cp-a2",
    title: "cp-a2",
    "gt:feeder": "f-n1a",
    properties: { activePower: { type: "number", readOnly: true }, telemetry: { type: "object", readOnly: true } },
  };

  beforeAll(async () => {
    await host.start();
    service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: loadMicrogridDefinitions(join(TDS_DIR, "microgrid")) });
    await host.expose({
      td: chargePoint,
      protocols: ["http"],
      properties: { activePower: { read: () => 0 }, telemetry: { read: () => ({ requestedPowerW: ev.requestedW, connectors: [] }) } },
    });
  });

  afterAll(async () => {
    for (const f of feeds) await f.stop();
    await host.stop();
    await service?.close();
  });

  const feed = async (rebalanceOnNewDemand: boolean) => {
    const f = new LiveTelemetryFeed({ service, microgrid_id: MG, tds: host.hosted().map((t) => t.td), mqttUrl: null, intervalMs: 3_600_000, timeoutMs: 2000, rebalanceOnNewDemand });
    feeds.push(f);
    await f.start();
    return f;
  };
  const demandCycles = () => service.lastCycles(MG, 100).filter((c) => c.audit.source.startsWith("LIVE_TELEMETRY:NEW_DEMAND"));
  /** The other nodes' telemetry, fresh, so that a cycle has its inputs. */
  const others = async () => {
    const at = new Date().toISOString();
    const nodes = service.topology(MG).nodes.map((n) => n.node_id).filter((id) => id !== "cp-a2");
    await service.ingestTelemetry(MG, nodes.map((node_id) => ({ node_id, measured_demand_watts: 1000, observed_at: at })));
  };

  it("runs one cycle when the request rises from 0, none while it stays up or on the first ingest, and one again after it falls and rises", async () => {
    await others();
    const f = await feed(true);
    ev.requestedW = 11_000;
    await f.tick(); // the first ingest: nothing to compare with
    expect(demandCycles()).toHaveLength(0);
    ev.requestedW = 0;
    await f.tick();
    ev.requestedW = 7_400;
    await f.tick();
    expect(demandCycles()).toHaveLength(1);
    expect(demandCycles()[0]!.audit).toMatchObject({ actor: "live-telemetry", source: "LIVE_TELEMETRY:NEW_DEMAND cp-a2" });
    expect(f.stats.demandCycles).toBe(1);
    await f.tick();
    await f.tick();
    expect(demandCycles()).toHaveLength(1);
    for (const w of [0, 22_000]) {
      ev.requestedW = w;
      await f.tick();
    }
    expect(demandCycles()).toHaveLength(2);
  });

  it("a malformed request is no demand; a feed without the option never runs a cycle", async () => {
    await others();
    const before = demandCycles().length;
    const quiet = await feed(false);
    for (const w of [0, 5_000, 0, 9_000]) {
      ev.requestedW = w;
      await quiet.tick();
    }
    expect(demandCycles()).toHaveLength(before);
    expect(quiet.stats.demandCycles).toBe(0);
    const f = await feed(true);
    for (const w of [0, "lots", Number.NaN, null]) {
      ev.requestedW = w;
      await f.tick();
    }
    expect(demandCycles()).toHaveLength(before);
  });
});
