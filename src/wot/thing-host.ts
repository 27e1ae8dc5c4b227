/**
 * A device servient: one node-wot Servient with the HTTP, CoAP and MQTT servers a site's Things are
 * served over, the guards that fix node-wot's faults, and `expose(spec)` to put a Thing on it.
 * Lifecycle object: the constructor does nothing, `start()` binds, `stop()` releases everything.
 */
import { core, http, coap, mqtt, type Servient } from "./node-wot.ts";
import type { TokenTable } from "../auth/roles.ts";
import type { Protocol } from "../site/site-file.ts";
import { logger } from "../log/logger.ts";
import { HostedThingRegistry } from "./hosted-thing.ts";
import { createHttpGuard } from "./http-guard.ts";
import { guardCoapServer, silenceCoapMdns } from "./coap-guard.ts";
import { dedupeMqttMessageListeners } from "./mqtt-guard.ts";
import { HostedThing, type ThingSpec } from "./hosted-thing-impl.ts";

const log = logger("wot.host");

export interface ThingHostOptions {
  /** Address servers bind to and TDs carry. */
  host: string;
  httpPort: number;
  /** null: no CoAP server. */
  coapPort: number | null;
  /** Broker the MQTT binding publishes to (embedded or external); null: no MQTT. */
  mqttUrl: string | null;
  tokens: TokenTable;
  now: () => Date;
}

export class ThingHost {
  private servient: Servient | undefined;
  private wot: typeof WoT | undefined;
  private httpServer: InstanceType<typeof http.HttpServer> | undefined;
  private coapServer: InstanceType<typeof coap.CoapServer> | undefined;
  private mqttServer: InstanceType<typeof mqtt.MqttBrokerServer> | undefined;
  private readonly registry = new HostedThingRegistry();
  private readonly things = new Map<string, HostedThing>();

  constructor(private readonly options: ThingHostOptions) {}

  get protocols(): ReadonlySet<Protocol> {
    const set = new Set<Protocol>(["http"]);
    if (this.options.coapPort !== null) set.add("coap");
    if (this.options.mqttUrl !== null) set.add("mqtt");
    return set;
  }

  get httpBase(): string {
    if (!this.httpServer) throw new Error("host not started");
    return `http://${this.options.host}:${this.httpServer.getPort()}`;
  }

  get coapBase(): string | undefined {
    return this.coapServer ? `coap://${this.options.host}:${this.coapServer.getPort()}` : undefined;
  }

  get mqttUrl(): string | null {
    return this.options.mqttUrl;
  }

  async start(): Promise<void> {
    core.Helpers.setStaticAddress(this.options.host);
    const servient = new core.Servient();
    // node-wot's MQTT server cannot tell which form a message came through and falls back to form 0
    // (findRequestMatchingFormIndex compares a broker URI with a path). Adding the MQTT server first
    // makes form 0 an MQTT form, so a message over MQTT is never taken for an authenticated HTTP call.
    if (this.options.mqttUrl !== null) {
      this.mqttServer = new mqtt.MqttBrokerServer({ uri: this.options.mqttUrl, selfHost: false });
      servient.addServer(this.mqttServer);
    }
    this.httpServer = new http.HttpServer({
      port: this.options.httpPort,
      address: this.options.host,
      middleware: createHttpGuard({ registry: this.registry, tokens: this.options.tokens, now: this.options.now }),
    });
    servient.addServer(this.httpServer);
    if (this.options.coapPort !== null) {
      this.coapServer = new coap.CoapServer({ port: this.options.coapPort, address: this.options.host });
      guardCoapServer(this.coapServer, this.registry);
      servient.addServer(this.coapServer);
    }
    this.wot = await servient.start();
    this.servient = servient;
    if (this.coapServer) await silenceCoapMdns(this.coapServer);
    log.info({ http: this.httpBase, coap: this.coapBase, mqtt: this.options.mqttUrl }, "device servient started");
  }

  async expose(spec: ThingSpec): Promise<HostedThing> {
    if (!this.wot) throw new Error("host not started");
    const offered = new Set(spec.protocols.filter((p) => p === "modbus" || this.protocols.has(p)));
    const thing = new HostedThing(spec, offered);
    await thing.expose(this.wot);
    if (this.mqttServer) dedupeMqttMessageListeners(this.mqttServer);
    this.registry.add(thing.info);
    this.things.set(thing.name, thing);
    return thing;
  }

  async destroy(name: string): Promise<void> {
    const thing = this.things.get(name);
    if (!thing) return;
    this.things.delete(name);
    this.registry.remove(name);
    await thing.destroy();
  }

  hosted(): HostedThing[] {
    return [...this.things.values()];
  }

  async stop(): Promise<void> {
    const servient = this.servient;
    this.servient = undefined;
    this.wot = undefined;
    // Destroying Things one by one is quadratic in node-wot's servers; closing the servers ends them all.
    for (const name of [...this.things.keys()]) this.registry.remove(name);
    this.things.clear();
    if (!servient) return;
    // Servient.shutdown() does not wait for the MQTT client (NODE-WOT-NOTES.md): stop servers ourselves.
    await servient.shutdown();
    await this.mqttServer?.stop().catch(() => undefined);
    const broker = (this.mqttServer as unknown as { broker?: { end(force: boolean, cb: () => void): void; connected?: boolean } } | undefined)?.broker;
    if (broker) await new Promise<void>((resolve) => broker.end(true, () => resolve()));
    this.httpServer = undefined;
    this.coapServer = undefined;
    this.mqttServer = undefined;
  }
}
