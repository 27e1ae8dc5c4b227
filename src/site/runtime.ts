/**
 * A running simulated site: the simulator driven by the real clock × speed, every device of the
 * site file exposed as a WoT Thing on one device servient (HTTP, CoAP, MQTT), the batteries'
 * Modbus TCP gateway, the grid meter, and (when a directory is given) each TD registered with a
 * TTL and refreshed. Lifecycle object: construct, `start()`, `stop()`.
 */
import { GridSimulator } from "../sim/index.ts";
import { CodedError } from "../errors/coded-error.ts";
import { SITE_ERRORS } from "./site-schema.ts";
import { listMeters, type SiteFile, type Protocol } from "./site-file.ts";
import type { TokenTable } from "../auth/roles.ts";
import { logger } from "../log/logger.ts";
import { ThingHost } from "../wot/thing-host.ts";
import type { HostedThing } from "../wot/hosted-thing-impl.ts";
import type { JsonObject } from "../wot/published-td.ts";
import { EmbeddedBroker } from "../mqtt/embedded-broker.ts";
import { modelLoader } from "../tm/model-files.ts";
import { ModbusRegisterServer, type RegisterProvider } from "../modbus/register-server.ts";
import { loadRegisterMap } from "../modbus/register-map-file.ts";
import { DirectoryClient, Registration } from "../discovery/index.ts";
import type { DeviceContext, TickListener } from "../../things/common/device-context.ts";
import { batteryThingSpec, batteryPublisher, batteryModbusForms } from "../../things/bess/thing.ts";
import { batteryModbusProvider, type BatteryModbusProvider } from "../../things/bess/modbus-provider.ts";
import { plantThingSpec, plantPublisher } from "../../things/power-plant/thing.ts";
import { weatherThingSpec, weatherPublisher } from "../../things/weather/thing.ts";
import { meterThingSpec, MeterFleetPublisher } from "../../things/smart-meter/thing.ts";
import { simControlThingSpec, simControlPublisher } from "../../things/sim-control/thing.ts";
import { chargePointThingSpec, chargePointPublisher } from "../../things/charge-point/thing.ts";
import type { DeviceKind } from "./device-kinds.ts";

export { DEVICE_KINDS, type DeviceKind } from "./device-kinds.ts";

const log = logger("site");

/** The grid meter (stand-in + adapter, or virtual): its Things and its own polling. */
export interface GridMeterPart {
  readonly things: readonly HostedThing[];
  /** TDs of devices the servient does not serve (the Modbus stand-in), registered too. */
  readonly deviceTds?: readonly JsonObject[];
  onTick(simTimeMs: number): void;
  stop(): Promise<void>;
}

export type GridMeterFactory = (args: { ctx: DeviceContext; host: ThingHost; hostAddress: string; modbusPort: number }) => Promise<GridMeterPart>;

export interface SiteRuntimeOptions {
  site: SiteFile;
  /** Simulated seconds per real second. */
  speed: number;
  host: string;
  httpPort: number;
  coapPort: number;
  /** An external broker; absent = start the embedded one on `mqttPort`. */
  mqttUrl?: string;
  mqttPort: number;
  /** Port of the batteries' Modbus TCP gateway (unit id per battery). */
  modbusPort: number;
  /** Port of the simulated physical grid meter (Modbus TCP). */
  gridMeterModbusPort: number;
  tokens: TokenTable;
  /** Which kinds of device to run (default all): `gridthings device <kind>` runs one. */
  kinds?: readonly DeviceKind[];
  /** Only these device ids (with `kinds`): a single device's embedded runtime. */
  deviceIds?: readonly string[];
  /**
   * Batteries whose Thing runs in its own process (`gridthings device bess --inverter`): this
   * runtime keeps their physics and their inverter's Modbus registers, but neither exposes nor
   * registers their Thing.
   */
  externalThings?: readonly string[];
  directory?: { url: string; token: string; ttlSeconds: number };
  /** Real milliseconds between two simulation ticks (default 200). */
  tickMs?: number;
  /** Real clock in ms (default performance.now); injectable for tests. */
  realNow?: () => number;
  /** Simulated start instant (default: the site file's, else now). */
  startTimeMs?: number;
  /** Starts the grid meter of the site (things/grid-meter). */
  gridMeter?: GridMeterFactory;
}

export interface ThingEntry {
  id: string;
  kind: DeviceKind;
  title: string;
  tdUrl: string;
  protocols: Protocol[];
}

export class SiteRuntime {
  private sim: GridSimulator | undefined;
  private broker: EmbeddedBroker | undefined;
  private host: ThingHost | undefined;
  private modbus: ModbusRegisterServer | undefined;
  private gridMeter: GridMeterPart | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: TickListener[] = [];
  private readonly inverters: BatteryModbusProvider[] = [];
  private meters: MeterFleetPublisher | undefined;
  private readonly registrations: Registration[] = [];
  private readonly entries: ThingEntry[] = [];
  private realStart = 0;
  private readonly realNow: () => number;
  private lastPublishReal = -Infinity;
  private mqtt: string | undefined;
  published = 0;

  constructor(private readonly options: SiteRuntimeOptions) {
    this.realNow = options.realNow ?? (() => performance.now());
  }

  get simulator(): GridSimulator {
    if (!this.sim) throw new Error("site not started");
    return this.sim;
  }

  get things(): readonly ThingEntry[] {
    return this.entries;
  }

  get mqttUrl(): string | undefined {
    return this.mqtt;
  }

  get modbusAddress(): { host: string; port: number } | undefined {
    return this.modbus?.address;
  }

  get thingHost(): ThingHost {
    if (!this.host) throw new Error("site not started");
    return this.host;
  }

  get gridMeterPart(): GridMeterPart | undefined {
    return this.gridMeter;
  }

  hosted(id: string): HostedThing | undefined {
    return this.host?.hosted().find((t) => t.name === id || t.id === id);
  }

  private wants(kind: DeviceKind, id?: string): boolean {
    const kinds = this.options.kinds;
    if (kinds && !kinds.includes(kind)) return false;
    if (id !== undefined && this.options.deviceIds && !this.options.deviceIds.includes(id)) return false;
    return true;
  }

  async start(): Promise<void> {
    const o = this.options;
    const now = () => new Date();
    for (const id of o.externalThings ?? []) {
      const b = o.site.batteries.find((x) => x.id === id);
      if (!b || !b.protocols.includes("modbus") || b.modbusUnitId === undefined) {
        throw new CodedError("SITE_FILE_INVALID", SITE_ERRORS.SITE_FILE_INVALID, `external Thing ${id}: not a battery of site ${o.site.id} with a Modbus unit id`);
      }
    }
    const sim = new GridSimulator(o.site, { startTimeMs: o.startTimeMs ?? (o.site.startTime ? Date.parse(o.site.startTime) : Date.now()) });
    this.sim = sim;
    if (!o.mqttUrl) {
      this.broker = new EmbeddedBroker({ host: o.host, port: o.mqttPort });
      this.mqtt = await this.broker.start();
    } else {
      this.mqtt = o.mqttUrl;
    }
    const host = new ThingHost({ host: o.host, httpPort: o.httpPort, coapPort: o.coapPort, mqttUrl: this.mqtt, tokens: o.tokens, now });
    this.host = host;
    await host.start();
    const ctx: DeviceContext = { site: o.site, sim, models: modelLoader(), modelBase: `${host.httpBase}/models/` };

    const expose = async (kind: DeviceKind, spec: Parameters<ThingHost["expose"]>[0]) => {
      const thing = await host.expose(spec);
      this.entries.push({ id: thing.id, kind, title: thing.name, tdUrl: `${host.httpBase}/${encodeURIComponent(thing.name)}`, protocols: [...spec.protocols] });
      return thing;
    };

    // Batteries: the Modbus gateway first, so their TDs can carry its forms.
    const batteries = o.site.batteries.filter((b) => this.wants("bess", b.id));
    const modbusBatteries = batteries.filter((b) => b.protocols.includes("modbus") && b.modbusUnitId !== undefined);
    const bessMap = modbusBatteries.length > 0 ? await loadRegisterMap("bess-sunspec.map.json") : undefined;
    if (bessMap) {
      const units = new Map<number, RegisterProvider>();
      for (const b of modbusBatteries) {
        const inverter = batteryModbusProvider(sim, b, bessMap);
        this.inverters.push(inverter);
        units.set(b.modbusUnitId as number, inverter);
      }
      this.modbus = new ModbusRegisterServer({ host: o.host, port: o.modbusPort, units });
      await this.modbus.start();
    }
    for (const b of batteries.filter((x) => !o.externalThings?.includes(x.id))) {
      const forms = bessMap && this.modbus && b.modbusUnitId !== undefined && b.protocols.includes("modbus")
        ? batteryModbusForms(bessMap, { host: o.host, port: this.modbus.port, unitId: b.modbusUnitId })
        : undefined;
      const thing = await expose("bess", batteryThingSpec(ctx, b, forms));
      this.listeners.push(batteryPublisher(ctx, b, thing));
    }
    for (const pv of o.site.pv.filter((p) => this.wants("pv", p.id))) {
      const thing = await expose("pv", plantThingSpec(ctx, "pv", pv));
      this.listeners.push(plantPublisher(ctx, "pv", pv, thing));
    }
    for (const wind of o.site.wind.filter((w) => this.wants("wind", w.id))) {
      const thing = await expose("wind", plantThingSpec(ctx, "wind", wind));
      this.listeners.push(plantPublisher(ctx, "wind", wind, thing));
    }
    for (const cp of (o.site.chargePoints ?? []).filter((c) => this.wants("charge-point", c.id))) {
      const thing = await expose("charge-point", chargePointThingSpec(ctx, cp));
      this.listeners.push(chargePointPublisher(ctx, cp, thing));
    }
    if (this.wants("weather")) this.listeners.push(weatherPublisher(await expose("weather", weatherThingSpec(ctx))));
    if (this.wants("sim-control")) this.listeners.push(simControlPublisher(await expose("sim-control", simControlThingSpec(ctx, () => o.speed))));
    if (this.wants("grid-meter") && o.gridMeter) {
      this.gridMeter = await o.gridMeter({ ctx, host, hostAddress: o.host, modbusPort: o.gridMeterModbusPort });
      for (const thing of this.gridMeter.things) {
        this.entries.push({ id: thing.id, kind: "grid-meter", title: thing.name, tdUrl: `${host.httpBase}/${encodeURIComponent(thing.name)}`, protocols: [...thing.info.protocols] });
      }
    }
    const meters = listMeters(o.site).filter((m) => this.wants("smart-meter", m.id));
    if (meters.length > 0) {
      const fleet = new MeterFleetPublisher(ctx, o.site.meterIntervalSeconds);
      this.meters = fleet;
      for (const m of meters) {
        let latest: () => ReturnType<MeterFleetPublisher["latestOf"]> = () => undefined;
        const thing = await expose("smart-meter", meterThingSpec(ctx, m, () => latest()));
        latest = fleet.add(m, thing);
      }
    }
    if (o.directory) await this.register(o.directory);

    this.realStart = this.realNow();
    this.timer = setInterval(() => this.step(), o.tickMs ?? 200);
    log.info({ site: o.site.id, things: this.entries.length, speed: o.speed }, "site running");
  }

  /**
   * One simulation tick: brings the simulator up to the clock's present and publishes. The timer
   * calls it every `tickMs`; calling it directly catches up at once (after freezing `realNow`, the
   * simulation then stands still at exactly that instant).
   */
  step(): void {
    const sim = this.simulator;
    try {
      const simNow = sim.startTimeMs + (this.realNow() - this.realStart) * this.options.speed;
      if (this.meters) this.published += this.meters.advance(simNow);
      if (simNow > sim.time()) sim.advanceTo(simNow);
      for (const inverter of this.inverters) inverter.onTick(sim.time());
      const real = this.realNow();
      if (real - this.lastPublishReal >= 1000) {
        this.lastPublishReal = real;
        for (const l of this.listeners) l.onTick(sim.time());
      }
      this.gridMeter?.onTick(sim.time());
    } catch (e) {
      log.error({ err: e }, "simulation tick failed");
    }
  }

  private async register(directory: { url: string; token: string; ttlSeconds: number }): Promise<void> {
    const client = new DirectoryClient({ baseUrl: directory.url, token: directory.token });
    const queue: JsonObject[] = [...(this.host?.hosted() ?? []).map((t) => t.td), ...(this.gridMeter?.deviceTds ?? [])];
    const worker = async () => {
      for (let td = queue.shift(); td; td = queue.shift()) {
        this.registrations.push(await Registration.start(client, td, { ttlSeconds: directory.ttlSeconds }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    log.info({ directory: directory.url, registered: this.registrations.length, ttlSeconds: directory.ttlSeconds }, "TDs registered");
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const registrations = this.registrations.splice(0);
    await Promise.all(registrations.map((r) => r.deregister().catch((e: unknown) => log.warn({ err: e, id: r.id }, "deregistration failed"))));
    await this.gridMeter?.stop();
    this.gridMeter = undefined;
    await this.host?.stop();
    this.host = undefined;
    await this.modbus?.stop();
    this.modbus = undefined;
    await this.broker?.stop();
    this.broker = undefined;
  }
}
