/**
 * Live site → microgrid telemetry, the I/O half: reads the mapped device Things' `activePower`
 * (a charge point: its `telemetry`, so its metered and requested power and its connectors are one
 * snapshot) through a node-wot consumer (HTTP), listens to every smart meter's reading event with one
 * wildcard MQTT subscription, and feeds `service.ingestTelemetry` on a timer. Readings carry the
 * wall-clock instant they were read (the simulation's own clock is not the orchestrator's).
 * Lifecycle object: construct, `start()`, `stop()`.
 */
import mqttjs, { type MqttClient } from "mqtt";
import { logger } from "../../src/log/logger.ts";
import type { MicrogridService } from "../../src/microgrid-api/service.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { bridgeReadings, CHARGE_POINT_TYPE, planBridge, siteThingOf, type BridgePlan } from "./telemetry-bridge.ts";

const log = logger("microgrid.telemetry");

export const METER_READING_TOPIC = "+/events/reading";

export interface LiveTelemetryOptions {
  service: MicrogridService;
  microgrid_id: string;
  /** The site's published TDs (from its device servient or the directory). */
  tds: readonly JsonObject[];
  /** Broker the smart meters publish their readings to; null: no meter sums. */
  mqttUrl: string | null;
  /** Real milliseconds between two ingests. */
  intervalMs: number;
  now?: () => Date;
  /** Time limit of each device read (default 3000 ms). */
  timeoutMs?: number;
  /**
   * Run a balancing cycle at once when an EV starts asking for power (a connector or charge point
   * whose request was 0 asks for more), instead of waiting for the next scheduled cycle: an EV that
   * plugs into a charger allocated 0 W would otherwise wait up to the cycle period. Default off.
   */
  rebalanceOnNewDemand?: boolean;
}

export interface LiveTelemetryStats {
  ingests: number;
  readings: number;
  failures: number;
  lastIngestAt: string | null;
  /** Cycles run because new demand appeared. */
  demandCycles: number;
}

/** The charge points and connectors asking for power in one sample. */
function demandingOf(deviceRequestedW: ReadonlyMap<string, number>, connectorRequestedW: ReadonlyMap<string, number>): Set<string> {
  const out = new Set<string>();
  for (const [id, w] of deviceRequestedW) if (w > 0) out.add(id);
  for (const [id, w] of connectorRequestedW) if (w > 0) out.add(id);
  return out;
}

export class LiveTelemetryFeed {
  private consumer: Consumer | undefined;
  private mqtt: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private plan: BridgePlan | undefined;
  private readonly devices = new Map<string, WoT.ConsumedThing>();
  /** Charge points: read `telemetry` once, so the charge point, its request and its connectors are one snapshot. */
  private readonly chargePoints = new Set<string>();
  private readonly meterPowerW = new Map<string, number>();
  readonly stats: LiveTelemetryStats = { ingests: 0, readings: 0, failures: 0, lastIngestAt: null, demandCycles: 0 };
  /** What asked for power at the last ingest; undefined before the first. */
  private demanding: Set<string> | undefined;

  constructor(private readonly options: LiveTelemetryOptions) {}

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  get bridgePlan(): BridgePlan | undefined {
    return this.plan;
  }

  async start(): Promise<void> {
    const o = this.options;
    const plan = planBridge(o.microgrid_id, o.service.topology(o.microgrid_id).nodes, o.tds.map(siteThingOf));
    this.plan = plan;
    const consumer = new Consumer({ protocols: ["http"], timeoutMs: o.timeoutMs ?? 3000 });
    await consumer.start();
    this.consumer = consumer;
    const tdByTitle = new Map(o.tds.map((td) => [String(td.title), td] as const));
    for (const d of plan.devices) {
      const td = tdByTitle.get(d.thing);
      if (td && !this.devices.has(d.thing)) this.devices.set(d.thing, await consumer.consume(td, "http"));
      if (td && siteThingOf(td).types.includes(CHARGE_POINT_TYPE)) this.chargePoints.add(d.thing);
    }
    const meters = new Set(plan.feeders.flatMap((f) => f.meters));
    if (o.mqttUrl && meters.size > 0) {
      const client = await mqttjs.connectAsync(o.mqttUrl, { reconnectPeriod: 1000 });
      client.on("message", (topic, payload) => {
        const meter = topic.slice(0, topic.indexOf("/"));
        if (!meters.has(meter)) return;
        try {
          const power = (JSON.parse(payload.toString()) as { activePowerW?: unknown }).activePowerW;
          if (typeof power === "number" && Number.isFinite(power)) this.meterPowerW.set(meter, power);
        } catch {
          // a malformed reading is the meter pipeline's concern; the sum waits for a good one
        }
      });
      await client.subscribeAsync(METER_READING_TOPIC);
      this.mqtt = client;
    }
    this.timer = setInterval(() => void this.tick(), o.intervalMs);
    log.info({ microgrid_id: o.microgrid_id, feeders: plan.feeders.map((f) => `${f.feeder}:${f.meters.length} meters`), devices: plan.devices.map((d) => d.node_id), intervalMs: o.intervalMs }, "live telemetry bridge started");
  }

  /** One ingest (also called by the timer); overlapping calls share the one in flight. */
  tick(): Promise<void> {
    this.running ??= this.ingestOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async ingestOnce(): Promise<void> {
    const o = this.options;
    const plan = this.plan;
    const consumer = this.consumer;
    if (!plan || !consumer) return;
    const devicePowerW = new Map<string, number>();
    const connectorPowerW = new Map<string, number>();
    const deviceRequestedW = new Map<string, number>();
    const connectorRequestedW = new Map<string, number>();
    await Promise.all(
      [...this.devices].map(async ([title, thing]) => {
        try {
          if (this.chargePoints.has(title)) {
            const t = (await consumer.read(thing, "telemetry")) as { requestedPowerW?: unknown; connectors?: unknown } | null;
            if (!Array.isArray(t?.connectors)) return;
            const measured = new Map<string, number>();
            const requested = new Map<string, number>();
            for (const c of t.connectors as Array<{ id?: unknown; activePowerW?: unknown; requestedPowerW?: unknown }>) {
              if (typeof c?.id !== "string" || typeof c.activePowerW !== "number") return; // a malformed snapshot: no reading this time
              measured.set(c.id, c.activePowerW);
              if (typeof c.requestedPowerW === "number") requested.set(c.id, c.requestedPowerW);
            }
            // the charge point's power is its connectors' sum: one snapshot, no residual that is not there
            devicePowerW.set(title, [...measured.values()].reduce((a, b) => a + b, 0));
            for (const [id, p] of measured) connectorPowerW.set(id, p);
            for (const [id, p] of requested) connectorRequestedW.set(id, p);
            if (typeof t.requestedPowerW === "number") deviceRequestedW.set(title, t.requestedPowerW);
            return;
          }
          const p = await consumer.read(thing, "activePower");
          if (typeof p === "number") devicePowerW.set(title, p);
        } catch (e) {
          this.stats.failures++;
          log.warn({ thing: title, err: (e as Error).message }, "device read failed: no reading for its node this time");
        }
      }),
    );
    const observed_at = (o.now ?? (() => new Date()))().toISOString();
    const readings = bridgeReadings(plan, { meterPowerW: this.meterPowerW, devicePowerW, connectorPowerW, deviceRequestedW, connectorRequestedW }, observed_at);
    if (readings.length === 0) return;
    try {
      await o.service.ingestTelemetry(o.microgrid_id, readings);
      this.stats.ingests++;
      this.stats.readings += readings.length;
      this.stats.lastIngestAt = observed_at;
      if (this.stats.ingests === 1) log.info({ microgrid_id: o.microgrid_id, readings: readings.length }, "first live telemetry ingested");
    } catch (e) {
      this.stats.failures++;
      log.warn({ err: (e as Error).message }, "telemetry ingest refused");
      return;
    }
    await this.rebalanceOnNewDemand(demandingOf(deviceRequestedW, connectorRequestedW), observed_at);
  }

  private async rebalanceOnNewDemand(demanding: Set<string>, observed_at: string): Promise<void> {
    const before = this.demanding;
    this.demanding = demanding;
    // The first ingest has nothing to compare with: the scheduler's first cycle covers it.
    if (!this.options.rebalanceOnNewDemand || !before) return;
    const fresh = [...demanding].filter((id) => !before.has(id)).sort();
    if (fresh.length === 0) return;
    const o = this.options;
    try {
      const cycle = await o.service.rebalance({ microgrid_id: o.microgrid_id, actor: "live-telemetry", source: `LIVE_TELEMETRY:NEW_DEMAND ${fresh.join(",")}`, correlation_id: `new-demand-${observed_at}` });
      this.stats.demandCycles++;
      log.info({ microgrid_id: o.microgrid_id, demand: fresh, cycle_id: cycle.cycle_id, outcome: cycle.outcome }, "cycle run for new demand");
    } catch (e) {
      log.warn({ microgrid_id: o.microgrid_id, demand: fresh, err: (e as Error).message }, "cycle for new demand refused");
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.mqtt?.endAsync().catch(() => undefined);
    this.mqtt = undefined;
    this.devices.clear();
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
