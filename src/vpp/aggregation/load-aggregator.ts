/**
 * Demand summed by feeder, substation and region from each meter's latest valid reading (pure).
 * A meter whose latest reading is older than `staleAfterMs` is counted as stale, not summed.
 */
import type { MeterPlacementInfo } from "../metering/types.ts";
import type { AggregationLevel, GroupTotal, LoadAggregate, MeterView } from "./types.ts";

interface Latest {
  readonly placement: MeterPlacementInfo;
  powerW: number;
  timeMs: number;
}

interface Acc {
  level: AggregationLevel;
  key: string;
  region?: string;
  substation?: string;
  feeder?: string;
  importW: number;
  exportW: number;
  meters: number;
  stale: number;
  newest: number;
}

export class LoadAggregator {
  private readonly meters = new Map<string, Latest>();

  constructor(private readonly staleAfterMs: number) {}

  /** Adds or moves a meter (placement from its TD). Keeps its latest reading. */
  place(placement: MeterPlacementInfo): void {
    const old = this.meters.get(placement.id);
    this.meters.set(placement.id, { placement, powerW: old?.powerW ?? 0, timeMs: old?.timeMs ?? Number.NEGATIVE_INFINITY });
  }

  remove(meterId: string): void {
    this.meters.delete(meterId);
  }

  has(meterId: string): boolean {
    return this.meters.has(meterId);
  }

  get size(): number {
    return this.meters.size;
  }

  /** A valid reading; an older one than the latest (late data) does not replace it. */
  update(meterId: string, activePowerW: number, timeMs: number): void {
    const m = this.meters.get(meterId);
    if (!m || timeMs < m.timeMs) return;
    m.powerW = activePowerW;
    m.timeMs = timeMs;
  }

  snapshot(nowMs: number): LoadAggregate {
    const total = acc("total", "all");
    const regions = new Map<string, Acc>();
    const substations = new Map<string, Acc>();
    const feeders = new Map<string, Acc>();
    for (const m of this.meters.values()) {
      const p = m.placement;
      const rKey = p.region;
      const sKey = `${p.region}/${p.substation}`;
      const fKey = `${sKey}/${p.feeder}`;
      const groups = [
        total,
        get(regions, rKey, () => ({ ...acc("region", rKey), region: p.region })),
        get(substations, sKey, () => ({ ...acc("substation", sKey), region: p.region, substation: p.substation })),
        get(feeders, fKey, () => ({ ...acc("feeder", fKey), region: p.region, substation: p.substation, feeder: p.feeder })),
      ];
      const fresh = nowMs - m.timeMs <= this.staleAfterMs;
      for (const g of groups) {
        if (!fresh) {
          g.stale++;
          continue;
        }
        g.meters++;
        if (m.powerW >= 0) g.importW += m.powerW;
        else g.exportW -= m.powerW;
        if (m.timeMs > g.newest) g.newest = m.timeMs;
      }
    }
    const list = (map: Map<string, Acc>) => [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(done);
    return { at: new Date(nowMs).toISOString(), total: done(total), regions: list(regions), substations: list(substations), feeders: list(feeders) };
  }

  meterView(meterId: string, nowMs: number): MeterView | undefined {
    const m = this.meters.get(meterId);
    if (!m) return undefined;
    const seen = Number.isFinite(m.timeMs);
    return {
      meterId,
      region: m.placement.region,
      substation: m.placement.substation,
      feeder: m.placement.feeder,
      activePowerW: seen ? m.powerW : null,
      readingAt: seen ? new Date(m.timeMs).toISOString() : null,
      fresh: seen && nowMs - m.timeMs <= this.staleAfterMs,
    };
  }

  meterViews(nowMs: number): MeterView[] {
    return [...this.meters.keys()].sort().map((id) => this.meterView(id, nowMs)!);
  }
}

function acc(level: AggregationLevel, key: string): Acc {
  return { level, key, importW: 0, exportW: 0, meters: 0, stale: 0, newest: Number.NEGATIVE_INFINITY };
}

function get(map: Map<string, Acc>, key: string, make: () => Acc): Acc {
  let a = map.get(key);
  if (!a) {
    a = make();
    map.set(key, a);
  }
  return a;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function done(a: Acc): GroupTotal {
  return {
    level: a.level,
    key: a.key,
    ...(a.region !== undefined ? { region: a.region } : {}),
    ...(a.substation !== undefined ? { substation: a.substation } : {}),
    ...(a.feeder !== undefined ? { feeder: a.feeder } : {}),
    demandW: round1(a.importW - a.exportW),
    importW: round1(a.importW),
    exportW: round1(a.exportW),
    meters: a.meters,
    stale: a.stale,
    newestReadingAt: Number.isFinite(a.newest) ? new Date(a.newest).toISOString() : null,
  };
}
