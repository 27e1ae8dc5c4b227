/**
 * Serves one orchestrator Thing per microgrid of a MicrogridService on its own device servient
 * (HTTP, and MQTT when a broker is given; no CoAP: its push is broken in node-wot and every action
 * needs a bearer), forwards the service's events to the Things, exposes a microgrid created later
 * on its first topology event, and registers each TD in the directory with a TTL.
 * Lifecycle object: construct, `start()`, `stop()`.
 */
import type { TokenTable } from "../../src/auth/roles.ts";
import { DirectoryClient, Registration } from "../../src/discovery/index.ts";
import { logger } from "../../src/log/logger.ts";
import type { MicrogridService } from "../../src/microgrid-api/service.ts";
import type { StoredRecord } from "../../src/microgrid-api/storage/storage-port.ts";
import { modelLoader } from "../../src/tm/model-files.ts";
import type { HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import { ThingHost } from "../../src/wot/thing-host.ts";
import { forwardRecord, orchestratorThingSpec, type OrchestratorContext } from "./thing.ts";

const log = logger("microgrid.thing");

export interface OrchestratorHostOptions {
  service: MicrogridService;
  host: string;
  httpPort: number;
  /** Broker the MQTT binding publishes to; null: HTTP only. */
  mqttUrl: string | null;
  tokens: TokenTable;
  now?: () => Date;
  directory?: { url: string; token: string; ttlSeconds: number };
}

export class OrchestratorHost {
  private host: ThingHost | undefined;
  private ctx: OrchestratorContext | undefined;
  private readonly things = new Map<string, HostedThing>();
  private readonly registrations: Registration[] = [];
  private unsubscribe: (() => void) | undefined;
  private exposing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OrchestratorHostOptions) {}

  get thingHost(): ThingHost {
    if (!this.host) throw new Error("orchestrator host not started");
    return this.host;
  }

  /** The Thing of one microgrid, once exposed. */
  thing(microgrid_id: string): HostedThing | undefined {
    return this.things.get(microgrid_id);
  }

  tdUrl(microgrid_id: string): string | undefined {
    const thing = this.things.get(microgrid_id);
    return thing && `${this.thingHost.httpBase}/${encodeURIComponent(thing.name)}`;
  }

  async start(): Promise<void> {
    const o = this.options;
    const host = new ThingHost({ host: o.host, httpPort: o.httpPort, coapPort: null, mqttUrl: o.mqttUrl, tokens: o.tokens, now: o.now ?? (() => new Date()) });
    await host.start();
    this.host = host;
    this.ctx = { service: o.service, models: modelLoader(), modelBase: `${host.httpBase}/models/` };
    this.unsubscribe = o.service.onEvent((record) => this.onRecord(record));
    for (const m of o.service.listMicrogrids()) await this.expose(m.microgrid_id);
    log.info({ http: host.httpBase, mqtt: o.mqttUrl, things: this.things.size }, "orchestrator Things exposed");
  }

  private onRecord(record: StoredRecord): void {
    const id = record.microgrid_id;
    if (id === null) return;
    const thing = this.things.get(id);
    if (thing) {
      forwardRecord(thing, id, record);
    } else if (record.type === "microgrid.topology_updated" && this.host) {
      this.exposing = this.exposing.then(() => this.expose(id)).catch((e: unknown) => log.error({ err: e, microgrid_id: id }, "exposing a new microgrid failed"));
    }
  }

  private async expose(microgrid_id: string): Promise<void> {
    if (this.things.has(microgrid_id) || !this.host || !this.ctx) return;
    const thing = await this.host.expose(orchestratorThingSpec(this.ctx, microgrid_id));
    this.things.set(microgrid_id, thing);
    const d = this.options.directory;
    if (d) {
      const client = new DirectoryClient({ baseUrl: d.url, token: d.token });
      this.registrations.push(await Registration.start(client, thing.td, { ttlSeconds: d.ttlSeconds }));
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.exposing;
    const registrations = this.registrations.splice(0);
    await Promise.all(registrations.map((r) => r.deregister().catch((e: unknown) => log.warn({ err: e, id: r.id }, "deregistration failed"))));
    this.things.clear();
    await this.host?.stop();
    this.host = undefined;
  }
}
