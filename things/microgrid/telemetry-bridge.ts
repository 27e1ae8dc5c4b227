/**
 * Live site → microgrid telemetry, the pure half: which site Things feed which microgrid nodes, and
 * one sample of their powers turned into Telemetry Ingest readings (seed 002 sign: positive =
 * consumption, negative = generation).
 *
 * Mapping, read from the topology and the site's TDs (no configuration):
 * - a first-level GRID_CONNECTION node attached to CIRCUIT `F` is feeder F's grid connection;
 * - the node attached to `feeder-load-F` carries the sum of the smart meters whose TD says
 *   `gt:feeder: F` (imports positive), once every one of them has reported;
 * - any other node attached to the id of a site Thing gets that Thing's `activePower`, negated for
 *   devices whose own convention is generation-positive (battery discharge, PV and wind output);
 * - a node attached to a connector id that a site Thing's TD lists in `gt:connectors` (a charge
 *   point) gets that connector's `activePowerW` from the Thing's `connectors` property;
 * - the grid connection gets its feeder's total (meter sum + the devices on that feeder), only when
 *   every part is known: nothing is invented for a part that did not report.
 * Nodes without a live source get no reading, so the balancing cycle applies its fallback rules to
 * them (D-012).
 */
import type { MicrogridNode, TelemetryReading } from "../../src/microgrid/types.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

/** Site Thing `@type`s whose `activePower` is positive for generation. */
export const GENERATION_POSITIVE_TYPES: readonly string[] = ["gt:Battery", "gt:PvPlant", "gt:WindPlant"];
export const SMART_METER_TYPE = "gt:SmartMeter";
/** Site Thing `@type` whose node demand is the EVs' request. */
export const CHARGE_POINT_TYPE = "gt:ChargePoint";
export const FEEDER_LOAD_PREFIX = "feeder-load-";

export interface SiteThing {
  title: string;
  types: readonly string[];
  feeder: string | null;
  /** Connector ids of a charge point (`gt:connectors`), else empty. */
  connectors?: readonly string[];
  /** A charge point's rating (`gt:maxPowerW`), W. */
  maxPowerW?: number;
  /** Each connector's rating (`gt:connectorMaxPowerW`, in `gt:connectors` order), W. */
  connectorMaxPowerW?: ReadonlyMap<string, number>;
}

export function siteThingOf(td: JsonObject): SiteThing {
  const type = td["@type"];
  const types = Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : typeof type === "string" ? [type] : [];
  const feeder = td["gt:feeder"];
  const thing: SiteThing = { title: String(td.title), types, feeder: typeof feeder === "string" ? feeder : null };
  const connectors = td["gt:connectors"];
  const max = Number(td["gt:maxPowerW"]);
  if (td["gt:maxPowerW"] !== undefined && Number.isFinite(max) && max > 0) thing.maxPowerW = max;
  if (!Array.isArray(connectors)) return thing;
  const ratings = td["gt:connectorMaxPowerW"];
  if (Array.isArray(ratings) && ratings.length === connectors.length) {
    const m = new Map<string, number>();
    connectors.forEach((c, i) => {
      const w = ratings[i];
      if (typeof c === "string" && typeof w === "number" && Number.isFinite(w) && w > 0) m.set(c, w);
    });
    thing.connectorMaxPowerW = m;
  }
  return { ...thing, connectors: connectors.filter((c): c is string => typeof c === "string") };
}

export interface FeederPlan {
  feeder: string;
  grid_node_id: string;
  load_node_id: string | null;
  /** Titles of the smart meters on the feeder (their readings are summed). */
  meters: string[];
}

export interface DevicePlan {
  /** Title of the site Thing. */
  thing: string;
  node_id: string;
  feeder: string | null;
  /** Multiplies the Thing's `activePower` into demand (−1 for generation-positive devices). */
  sign: 1 | -1;
  /** The node is this connector of the Thing (its power comes from the Thing's `connectors`). */
  connector?: string;
  /** A charge point (or its connector): the node's demand is the request, when there is one. */
  requested?: true;
}

export interface BridgePlan {
  microgrid_id: string;
  feeders: FeederPlan[];
  devices: DevicePlan[];
}

const byNodeId = <T extends { node_id: string }>(a: T, b: T) => (a.node_id < b.node_id ? -1 : a.node_id > b.node_id ? 1 : 0);

export function planBridge(microgrid_id: string, nodes: readonly MicrogridNode[], things: readonly SiteThing[]): BridgePlan {
  const thingByTitle = new Map(things.map((t) => [t.title, t] as const));
  const thingByConnector = new Map(things.flatMap((t) => (t.connectors ?? []).map((c) => [c, t] as const)));
  const loadNodeOf = new Map<string, string>();
  for (const n of nodes) if (n.attached_asset_id?.startsWith(FEEDER_LOAD_PREFIX)) loadNodeOf.set(n.attached_asset_id.slice(FEEDER_LOAD_PREFIX.length), n.node_id);
  const feeders: FeederPlan[] = nodes
    .filter((n) => n.parent_node_id === null && n.node_type === "GRID_CONNECTION" && n.attached_asset_type === "CIRCUIT" && n.attached_asset_id !== null)
    .map((n) => {
      const feeder = n.attached_asset_id as string;
      const meters = things.filter((t) => t.feeder === feeder && t.types.includes(SMART_METER_TYPE)).map((t) => t.title).sort();
      return { feeder, grid_node_id: n.node_id, load_node_id: loadNodeOf.get(feeder) ?? null, meters };
    })
    .sort((a, b) => (a.feeder < b.feeder ? -1 : 1));
  const devices: DevicePlan[] = [];
  for (const n of nodes) {
    if (n.node_type === "GRID_CONNECTION" || n.attached_asset_id === null) continue;
    const owner = thingByTitle.has(n.attached_asset_id) ? undefined : thingByConnector.get(n.attached_asset_id);
    if (owner) {
      devices.push({ thing: owner.title, node_id: n.node_id, feeder: owner.feeder, sign: 1, connector: n.attached_asset_id, requested: true });
      continue;
    }
    const thing = thingByTitle.get(n.attached_asset_id);
    if (!thing || thing.types.includes(SMART_METER_TYPE)) continue;
    const d: DevicePlan = { thing: thing.title, node_id: n.node_id, feeder: thing.feeder, sign: thing.types.some((t) => GENERATION_POSITIVE_TYPES.includes(t)) ? -1 : 1 };
    devices.push(thing.types.includes(CHARGE_POINT_TYPE) ? { ...d, requested: true } : d);
  }
  return { microgrid_id, feeders, devices: devices.sort(byNodeId) };
}

export interface BridgeSample {
  /** Latest `activePowerW` of each smart meter, by title (import positive). */
  meterPowerW: ReadonlyMap<string, number>;
  /** `activePower` of each mapped device Thing, by title, in the device's own convention. */
  devicePowerW: ReadonlyMap<string, number>;
  /** `activePowerW` of each mapped connector, by connector id (consumption positive). */
  connectorPowerW?: ReadonlyMap<string, number>;
  /** `requestedPower` of each charge point, by title (W, the EVs' wish). */
  deviceRequestedW?: ReadonlyMap<string, number>;
  /** `requestedPowerW` of each mapped connector, by connector id. */
  connectorRequestedW?: ReadonlyMap<string, number>;
}

/** Readings for one instant, sorted by node id; parts without data are left out. */
export function bridgeReadings(plan: BridgePlan, sample: BridgeSample, observed_at: string): TelemetryReading[] {
  const out: TelemetryReading[] = [];
  /** Metered demand per device node: what the feeder totals add up. */
  const deviceDemand = new Map<string, number>();
  for (const d of plan.devices) {
    const p = d.connector !== undefined ? sample.connectorPowerW?.get(d.connector) : sample.devicePowerW.get(d.thing);
    if (p === undefined || !Number.isFinite(p)) continue;
    const metered = Math.round(d.sign * p) || 0; // no -0 on the wire
    deviceDemand.set(d.node_id, metered);
    const wish = d.requested ? (d.connector !== undefined ? sample.connectorRequestedW?.get(d.connector) : sample.deviceRequestedW?.get(d.thing)) : undefined;
    const demand = wish !== undefined && Number.isFinite(wish) ? Math.round(wish) || 0 : metered;
    out.push({ node_id: d.node_id, measured_demand_watts: demand, observed_at });
  }
  for (const f of plan.feeders) {
    let load: number | null = null;
    if (f.meters.length > 0 && f.meters.every((m) => Number.isFinite(sample.meterPowerW.get(m)))) {
      load = Math.round(f.meters.reduce((sum, m) => sum + (sample.meterPowerW.get(m) as number), 0)) || 0;
      if (f.load_node_id) out.push({ node_id: f.load_node_id, measured_demand_watts: load, observed_at });
    }
    // a connector's power is already in its charge point's, when that is mapped too
    const mappedThings = new Set(plan.devices.filter((d) => d.connector === undefined).map((d) => d.thing));
    const onFeeder = plan.devices.filter((d) => d.feeder === f.feeder && (d.connector === undefined || !mappedThings.has(d.thing)));
    if (load !== null && onFeeder.every((d) => deviceDemand.has(d.node_id))) {
      const total = onFeeder.reduce((sum, d) => sum + (deviceDemand.get(d.node_id) as number), load);
      out.push({ node_id: f.grid_node_id, measured_demand_watts: total, observed_at });
    }
  }
  return out.sort(byNodeId);
}
