/**
 * The VPP's own Things on their own device servient (HTTP, port 0 unless given), each registered
 * in the directory with a TTL so anyone finds them like any other Thing:
 * - the VPP Thing (`tds/models/vpp.tm.json`): regulation status, active incidents, the generation
 *   forecast, an event per dispatch;
 * - the load-aggregation Thing of the metering half (`things/load-aggregation`), once the meter
 *   stream runs: aggregates public, per-household readings private (seed 001 privacy).
 * Lifecycle object: construct, `start()`, `stop()`.
 */
import type { TokenTable } from "../auth/roles.ts";
import { DirectoryClient, Registration } from "../discovery/index.ts";
import { logger } from "../log/logger.ts";
import { instantiate } from "../tm/instantiate.ts";
import { modelLoader } from "../tm/model-files.ts";
import type { HostedThing } from "../wot/hosted-thing-impl.ts";
import { ThingHost } from "../wot/thing-host.ts";
import type { VppServient } from "./servient.ts";
import { exposeLoadAggregation } from "../../things/load-aggregation/thing.ts";

const log = logger("vpp.thing");

export interface VppThingOptions {
  servient: VppServient;
  vppId: string;
  siteId: string;
  host: string;
  httpPort: number;
  tokens: TokenTable;
  directory?: { url: string; token: string; ttlSeconds: number };
  /** Real ms between two pushes of the observable properties. */
  publishEveryMs?: number;
}

export class VppThingHost {
  private host: ThingHost | undefined;
  private thing: HostedThing | undefined;
  private readonly registrations: Registration[] = [];
  private aggregation: { stop(): Promise<void> } | undefined;
  private exposingAggregation = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: VppThingOptions) {}

  get tdUrl(): string | undefined {
    return this.host && this.thing ? `${this.host.httpBase}/${encodeURIComponent(this.thing.name)}` : undefined;
  }

  get aggregationTdUrl(): string | undefined {
    return this.host && this.aggregation ? `${this.host.httpBase}/load-aggregation` : undefined;
  }

  async start(): Promise<void> {
    const o = this.options;
    const vpp = o.servient;
    const host = new ThingHost({ host: o.host, httpPort: o.httpPort, coapPort: null, mqttUrl: null, tokens: o.tokens, now: () => new Date() });
    await host.start();
    this.host = host;
    const td = instantiate(modelLoader(), { model: "vpp.tm.json", values: { VPP_ID: o.vppId, SITE: o.siteId }, modelHref: `${host.httpBase}/models/vpp.tm.json` });
    this.thing = await host.expose({
      td,
      protocols: ["http"],
      properties: {
        regulation: {
          read: () => {
            const s = vpp.status();
            return { simTime: s.simTime, frequencyHz: s.frequencyHz, deviationHz: s.deviationHz, mode: s.mode, fleetCommandW: s.fleetCommandW, activeBatteries: s.batteries.filter((b) => b.active).length };
          },
        },
        activeIncidents: { read: () => vpp.incidents().active.map((i) => ({ id: i.id, kind: i.kind, openedAt: i.openedAt, detail: i.detail })) },
        generationForecast: { read: () => vpp.forecastView().points.map((p) => ({ time: p.time, pvW: p.pvW, windW: p.windW })) },
      },
    });
    const thing = this.thing;
    this.unsubscribe = vpp.onDispatch((e) => thing.emitEvent("dispatch", e));
    this.timer = setInterval(() => {
      for (const p of ["regulation", "activeIncidents"]) thing.emitPropertyChange(p);
      void this.maybeExposeAggregation();
    }, o.publishEveryMs ?? 1000);
    this.timer.unref();
    await this.register(thing.td);
  }

  private async register(td: HostedThing["td"]): Promise<void> {
    const d = this.options.directory;
    if (!d) return;
    try {
      this.registrations.push(await Registration.start(new DirectoryClient({ baseUrl: d.url, token: d.token }), td, { ttlSeconds: d.ttlSeconds }));
    } catch (e) {
      log.warn({ err: e, id: td.id }, "a VPP Thing could not be registered in the directory");
    }
  }

  /** The meter stream starts after the clock is measured: its Thing follows when it does. */
  private async maybeExposeAggregation(): Promise<void> {
    const pipeline = this.options.servient.meterStream();
    if (!pipeline || this.aggregation || this.exposingAggregation || !this.host) return;
    this.exposingAggregation = true;
    try {
      const exposed = await exposeLoadAggregation(this.host, pipeline, { models: modelLoader(), modelBase: `${this.host.httpBase}/models/`, siteId: this.options.siteId, protocols: ["http"] });
      this.aggregation = exposed;
      await this.register(exposed.thing.td);
    } catch (e) {
      log.warn({ err: e }, "the load-aggregation Thing could not be exposed");
    } finally {
      this.exposingAggregation = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await Promise.all(this.registrations.splice(0).map((r) => r.deregister().catch((e: unknown) => log.warn({ err: e, id: r.id }, "VPP Thing deregistration failed"))));
    await this.host?.stop();
    this.host = undefined;
  }
}
