/**
 * The load-aggregation Thing: aggregates for anyone, per-household readings over HTTP with a
 * privileged-reader token only, never over CoAP or MQTT; the published TD says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../../src/auth/roles.ts";
import { ThingHost } from "../../../src/wot/thing-host.ts";
import { EmbeddedBroker } from "../../../src/mqtt/embedded-broker.ts";
import { modelLoader } from "../../../src/tm/model-files.ts";
import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamCore } from "../../../src/vpp/metering/meter-stream-core.ts";
import { exposeLoadAggregation, type AggregationSource } from "../../../things/load-aggregation/thing.ts";
import type { LoadAggregate } from "../../../src/vpp/aggregation/types.ts";
import { coapRequest } from "../../support/coap-request.ts";
import { validateTdSchema } from "../../../src/td/td-validator.ts";

const NOW = Date.parse("2026-06-01T12:00:10Z");
const PRIVILEGED = "tok-privileged";
const READER = "tok-reader";

function source(): AggregationSource & { push(a: LoadAggregate): void } {
  const core = new MeterStreamCore({ tariff: flatTariff() });
  core.place({ id: "meter-1", region: "north", substation: "s1", feeder: "f1" });
  core.place({ id: "meter-2", region: "south", substation: "s2", feeder: "f2" });
  core.ingest("meter-1/events/reading", JSON.stringify({ meterId: "meter-1", sequence: 1, timestamp: "2026-06-01T12:00:00Z", activePowerW: 1500, energyImportWh: 10, energyExportWh: 0, voltageV: 230 }), NOW);
  const listeners = new Set<(a: LoadAggregate) => void>();
  return {
    snapshot: () => core.snapshot(NOW),
    meterViews: () => core.meterViews(NOW),
    stats: () => ({ quality: core.qualitySummary(NOW), ...core.counters }),
    onAggregate: (l) => (listeners.add(l), () => listeners.delete(l)),
    push: (a) => listeners.forEach((l) => l(a)),
  };
}

describe("load-aggregation Thing", () => {
  let broker: EmbeddedBroker;
  let host: ThingHost;
  let exposed: Awaited<ReturnType<typeof exposeLoadAggregation>>;
  let src: ReturnType<typeof source>;
  beforeAll(async () => {
    broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await broker.start();
    host = new ThingHost({
      host: "127.0.0.1",
      httpPort: 0,
      coapPort: 0,
      mqttUrl: broker.url,
      tokens: new TokenTable([
        { token: PRIVILEGED, subject: "analyst", roles: ["privileged-reader"] },
        { token: READER, subject: "public", roles: ["reader"] },
      ]),
      now: () => new Date(NOW),
    });
    await host.start();
    src = source();
    exposed = await exposeLoadAggregation(host, src, { models: modelLoader(), modelBase: "http://127.0.0.1/models/", siteId: "test" });
  });
  afterAll(async () => {
    await exposed?.stop();
    await host?.stop();
    await broker?.stop();
  });

  const get = (path: string, token?: string) => fetch(`${host.httpBase}/load-aggregation/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("serves the aggregates to anyone", async () => {
    const total = await get("properties/totalDemand");
    expect(total.status).toBe(200);
    expect(await total.json()).toBe(1500);
    const aggregate = (await (await get("properties/aggregate")).json()) as LoadAggregate;
    expect(aggregate.regions.map((r) => [r.key, r.demandW, r.meters, r.stale])).toEqual([
      ["north", 1500, 1, 0],
      ["south", 0, 0, 1],
    ]);
    expect(JSON.stringify(aggregate)).not.toContain("meter-1");
  });

  it("per-meter readings: 401 without a token, 403 for a reader, 200 for a privileged reader", async () => {
    const none = await get("properties/meterReadings");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await get("properties/meterReadings", READER)).status).toBe(403);
    expect((await get("properties/meterReadings", "tok-unknown")).status).toBe(401);
    const ok = await get("properties/meterReadings", PRIVILEGED);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Array<{ meterId: string }>).map((v) => v.meterId)).toEqual(["meter-1", "meter-2"]);
  });

  it("reading all properties at once needs the privileged role too", async () => {
    expect((await get("properties")).status).toBe(401);
    expect((await get("properties", READER)).status).toBe(403);
  });

  it("refuses the per-meter readings over CoAP, serves the aggregates there", async () => {
    const base = host.coapBase!;
    const denied = await coapRequest(`${base}/load-aggregation/properties/meterReadings`, "GET");
    expect(denied.code).toBe("4.01");
    const allowed = await coapRequest(`${base}/load-aggregation/properties/totalDemand`, "GET");
    expect(allowed.code).toBe("2.05");
  });

  it("publishes a TD with the private property on HTTP only, behind the bearer scheme", () => {
    const td = exposed.thing.td as Record<string, any>;
    const forms = td.properties.meterReadings.forms as Array<{ href: string; security?: string[]; op?: unknown }>;
    expect(forms.length).toBeGreaterThan(0);
    for (const f of forms) {
      expect(f.href.startsWith("http")).toBe(true);
      expect(f.security).toEqual(["bearer_sc"]);
    }
    expect(td.securityDefinitions.bearer_sc.scheme).toBe("bearer");
    expect(JSON.stringify(td.forms ?? [])).not.toContain("readallproperties");
    expect((td.properties.aggregate.forms as Array<{ href: string }>).some((f) => f.href.startsWith("mqtt"))).toBe(true);
  });

  it("as the VPP exposes it (HTTP only), its TD validates as served: no empty Thing-level forms", async () => {
    const httpOnly = new ThingHost({ host: "127.0.0.1", httpPort: 0, coapPort: null, mqttUrl: null, tokens: new TokenTable([]), now: () => new Date(NOW) });
    await httpOnly.start();
    const other = await exposeLoadAggregation(httpOnly, source(), { models: modelLoader(), modelBase: "http://127.0.0.1/models/", siteId: "test", protocols: ["http"] });
    try {
      const served = (await (await fetch(`${httpOnly.httpBase}/load-aggregation`)).json()) as Record<string, unknown>;
      expect(Array.isArray(served.forms) && served.forms.length === 0).toBe(false);
      expect(validateTdSchema(served)).toEqual([]);
      expect(validateTdSchema(other.thing.td)).toEqual([]);
    } finally {
      await other.stop();
      await httpOnly.stop();
    }
  });
});
