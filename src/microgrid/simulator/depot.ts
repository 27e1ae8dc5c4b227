import { MicrogridEngine } from "../engine.ts";
import type { FeederCircuit, MicrogridNode, TelemetryReading } from "../types.ts";

export const SIM_MICROGRID = "mg-sim";
export const SIM_DEPOT = "depot-sim";
export const SIM_START = "2030-06-01T08:00:00.000Z";

/** A deterministic clock the scenarios move by hand. */
export class SimClock {
  private t = Date.parse(SIM_START);
  now = (): Date => new Date(this.t);
  at(iso: string): void {
    this.t = Date.parse(iso);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
  iso(offsetSeconds = 0): string {
    return new Date(this.t + offsetSeconds * 1000).toISOString();
  }
}

export interface DepotShape {
  feeders: number;
  chargePointsPerFeeder: number;
  /** Adds a PV node under the first grid connection and a BESS under the last. */
  withSources: boolean;
}

function n(node_id: string, parent: string | null, node_type: MicrogridNode["node_type"], order: number, asset: string | null): MicrogridNode {
  return {
    node_id, microgrid_id: SIM_MICROGRID, parent_node_id: parent, name: node_id, node_type,
    attached_asset_type: node_type === "VIRTUAL" ? null : node_type === "GRID_CONNECTION" ? "CIRCUIT" : (node_type as MicrogridNode["attached_asset_type"]),
    attached_asset_id: node_type === "VIRTUAL" ? null : asset ?? node_id, status: "ACTIVE", display_order: order,
  };
}

/** Feeder k: gc-fk ─ bus-fk ─ cp-fk-1..m, plus base load load-fk; PV under f1, BESS under the last feeder. */
export function depotTopology(shape: DepotShape): { nodes: MicrogridNode[]; feeders: FeederCircuit[] } {
  const nodes: MicrogridNode[] = [];
  const feeders: FeederCircuit[] = [];
  for (let f = 1; f <= shape.feeders; f++) {
    const circuit = `feeder-${f}`;
    feeders.push({ circuit_id: circuit, name: `Feeder ${f}`, default_capacity_watts: 200_000, fail_safe_capacity_watts: 60_000, gap_policy: "CIRCUIT_DEFAULT" });
    nodes.push(n(`gc-${circuit}`, null, "GRID_CONNECTION", f, circuit));
    nodes.push(n(`bus-f${f}`, `gc-${circuit}`, "CIRCUIT", 1, null));
    for (let c = 1; c <= shape.chargePointsPerFeeder; c++) nodes.push(n(`cp-f${f}-${c}`, `bus-f${f}`, "CHARGE_POINT", c, null));
    nodes.push(n(`load-f${f}`, `gc-${circuit}`, "CIRCUIT", 2, null));
  }
  if (shape.withSources) {
    nodes.push(n("pv-1", "gc-feeder-1", "POWER_SOURCE", 3, null));
    nodes.push(n("bess-1", `gc-feeder-${shape.feeders}`, "POWER_SOURCE", 3, null));
  }
  return { nodes, feeders };
}

export function counterIds(): (kind: string) => string {
  let i = 0;
  return (kind) => `${kind}-${String(++i).padStart(4, "0")}`;
}

/** A fresh engine with the depot loaded; its outbox is drained. */
export function simDepot(shape: DepotShape = { feeders: 2, chargePointsPerFeeder: 3, withSources: true }, clock = new SimClock()) {
  const engine = new MicrogridEngine({ now: clock.now, newId: counterIds(), freshness_threshold_seconds: 60 });
  const { nodes, feeders } = depotTopology(shape);
  engine.writeTopology(SIM_MICROGRID, { version: 0, depot_id: SIM_DEPOT, nodes, updated_by: "simulator" });
  engine.resync(SIM_DEPOT, feeders, "simulator");
  engine.drain();
  return { engine, clock, nodes, feeders };
}

/** Nominal demand per leaf: charge points 11 kW, base load 20 kW, PV −15 kW, BESS idle. */
export function nominalDemand(node: MicrogridNode): number {
  if (node.node_type === "CHARGE_POINT") return 11_000;
  if (node.node_id === "pv-1") return -15_000;
  if (node.node_id === "bess-1") return 0;
  return 20_000;
}

/** Telemetry degradation patterns (FR-017): stale nodes keep an old timestamp, missing nodes send nothing. */
export interface Degradation {
  stale?: Record<string, number>;
  missing?: string[];
  override?: Record<string, number>;
}

export function telemetry(nodes: readonly MicrogridNode[], clock: SimClock, d: Degradation = {}): TelemetryReading[] {
  const parents = new Set(nodes.map((x) => x.parent_node_id));
  const out: TelemetryReading[] = [];
  for (const node of nodes) {
    if (parents.has(node.node_id) || node.node_type === "GRID_CONNECTION") continue;
    if (d.missing?.includes(node.node_id)) continue;
    const age = d.stale?.[node.node_id] ?? 5;
    out.push({ node_id: node.node_id, measured_demand_watts: d.override?.[node.node_id] ?? nominalDemand(node), observed_at: clock.iso(-age) });
  }
  return out;
}
