/**
 * One battery's Thing in a process of its own (`gridthings device bess --id X --inverter host:port`):
 * the battery's controller, serving its Thing over HTTP and registering it in the directory with a
 * TTL, while its inverter (the site's Modbus gateway, where the physics runs) holds the power. Kill
 * this process and the TD expires from the directory, and the inverter's setpoint reverts to 0 W.
 * Lifecycle object: construct, `start()`, `stop()`.
 */
import type { SiteFile } from "./site-file.ts";
import type { TokenTable } from "../auth/roles.ts";
import { ThingHost } from "../wot/thing-host.ts";
import { modelLoader } from "../tm/model-files.ts";
import { loadRegisterMap } from "../modbus/register-map-file.ts";
import { DirectoryClient, Registration } from "../discovery/index.ts";
import { CodedError } from "../errors/coded-error.ts";
import { SITE_ERRORS } from "./site-schema.ts";
import { batteryPublisher, batteryThingSpec } from "../../things/bess/thing.ts";
import { BatteryGateway } from "../../things/bess/gateway.ts";
import type { ThingEntry } from "./runtime.ts";
import { logger } from "../log/logger.ts";

const log = logger("site.gateway");

export interface BatteryGatewayRuntimeOptions {
  site: SiteFile;
  batteryId: string;
  /** The inverter's Modbus TCP endpoint (the site's battery gateway); the unit id comes from the site file. */
  inverter: { host: string; port: number };
  /** Simulated seconds per real second of the site, to arm the inverter's revert timer (3 real seconds). */
  speed: number;
  host: string;
  httpPort: number;
  tokens: TokenTable;
  directory?: { url: string; token: string; ttlSeconds: number };
}

export class BatteryGatewayRuntime {
  private host: ThingHost | undefined;
  private gateway: BatteryGateway | undefined;
  private registration: Registration | undefined;
  private timer: NodeJS.Timeout | undefined;
  private entry: ThingEntry | undefined;

  constructor(private readonly options: BatteryGatewayRuntimeOptions) {}

  get things(): readonly ThingEntry[] {
    return this.entry ? [this.entry] : [];
  }

  get thingHost(): ThingHost {
    if (!this.host) throw new Error("gateway not started");
    return this.host;
  }

  async start(): Promise<void> {
    const o = this.options;
    const found = o.site.batteries.find((b) => b.id === o.batteryId);
    if (!found || found.modbusUnitId === undefined || !found.protocols.includes("modbus")) {
      throw new CodedError("SITE_FILE_INVALID", SITE_ERRORS.SITE_FILE_INVALID, `${o.batteryId}: not a battery of site ${o.site.id} with a Modbus unit id`);
    }
    // The controller serves its Thing over HTTP; the Modbus registers are the inverter's, not its own.
    const spec = { ...found, protocols: ["http" as const] };
    const map = await loadRegisterMap("bess-sunspec.map.json");
    const gateway = new BatteryGateway({ spec, map, inverter: { ...o.inverter, unitId: found.modbusUnitId }, revertSeconds: Math.max(1, Math.ceil(3 * o.speed)) });
    this.gateway = gateway;
    await gateway.start();
    const host = new ThingHost({ host: o.host, httpPort: o.httpPort, coapPort: null, mqttUrl: null, tokens: o.tokens, now: () => new Date() });
    this.host = host;
    await host.start();
    const ctx = { site: o.site, models: modelLoader(), modelBase: `${host.httpBase}/models/` };
    const thing = await host.expose(batteryThingSpec(ctx, spec, undefined, gateway));
    this.entry = { id: thing.id, kind: "bess", title: thing.name, tdUrl: `${host.httpBase}/${encodeURIComponent(thing.name)}`, protocols: ["http"] };
    const publisher = batteryPublisher(ctx, spec, thing, gateway);
    this.timer = setInterval(() => {
      try {
        publisher.onTick(Date.now());
      } catch (e) {
        log.error({ err: e }, "publish failed");
      }
    }, 1000);
    if (o.directory) {
      const client = new DirectoryClient({ baseUrl: o.directory.url, token: o.directory.token });
      this.registration = await Registration.start(client, thing.td, { ttlSeconds: o.directory.ttlSeconds });
    }
    log.info({ id: o.batteryId, inverter: o.inverter, ttlSeconds: o.directory?.ttlSeconds }, "battery controller running");
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.registration?.deregister().catch((e: unknown) => log.warn({ err: e }, "deregistration failed"));
    this.registration = undefined;
    await this.host?.stop();
    this.host = undefined;
    await this.gateway?.stop();
    this.gateway = undefined;
  }
}
