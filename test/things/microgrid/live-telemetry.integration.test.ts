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
