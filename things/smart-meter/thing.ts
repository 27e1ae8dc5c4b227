/**
 * AMI smart meter (seeds 000/001/003): a reading event every `meterIntervalSeconds` simulated
 * seconds over MQTT, with a sequence number; properties readable over HTTP. Its TD places it in the
 * grid hierarchy and marks it as household data.
 */
import type { MeterPlacement, Protocol } from "../../src/site/site-file.ts";
import type { MeterReading } from "../../src/sim/index.ts";
import type { ThingSpec, HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import { deviceTd, type DeviceContext } from "../common/device-context.ts";

export const METER_PROTOCOLS: Protocol[] = ["mqtt", "http"];

export interface MeterReadingPayload {
  meterId: string;
  sequence: number;
  timestamp: string;
  activePowerW: number;
  energyImportWh: number;
  energyExportWh: number;
  voltageV: number;
  quality: "GOOD" | "STALE" | "ERROR";
}

export function toPayload(r: MeterReading, sequence: number): MeterReadingPayload {
  return {
    meterId: r.id,
    sequence,
    timestamp: r.timestamp,
    activePowerW: round(r.activePowerW, 1),
    energyImportWh: round(r.energyImportWh, 3),
    energyExportWh: round(r.energyExportWh, 3),
    voltageV: round(r.voltageV, 2),
    quality: r.quality,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The meter's Thing; `latest()` gives the last published reading (for the latestReading property). */
export function meterThingSpec(ctx: DeviceContext, meter: MeterPlacement, latest: () => MeterReadingPayload | undefined): ThingSpec {
  const read = () => ctx.sim.meter(meter.id);
  return {
    td: deviceTd(ctx, "smart-meter.tm.json", {
      DEVICE_ID: meter.id,
      REGION: meter.region,
      SUBSTATION: meter.substation,
      FEEDER: meter.feeder,
      PHASE: `L${meter.phase}`,
      INTERVAL_S: ctx.site.meterIntervalSeconds,
    }),
    protocols: METER_PROTOCOLS,
    properties: {
      activePower: { read: () => read().activePowerW },
      energyImport: { read: () => read().energyImportWh },
      energyExport: { read: () => read().energyExportWh },
      voltage: { read: () => read().voltageV },
      latestReading: { read: () => latest() ?? toPayload(read(), 0) },
      timestamp: { read: () => read().timestamp },
      quality: { read: () => read().quality },
    },
  };
}

/**
 * Publishes every meter's reading at its own offset inside the interval, so a fleet does not
 * publish all at once: meter i reads at whole seconds s with s ≡ i (mod interval).
 */
export class MeterFleetPublisher {
  private readonly byOffset: Array<Array<{ meter: MeterPlacement; thing: HostedThing; sequence: number; latest?: MeterReadingPayload }>>;
  private nextSecond: number | undefined;

  constructor(
    private readonly ctx: DeviceContext,
    private readonly intervalSeconds: number,
  ) {
    this.byOffset = Array.from({ length: intervalSeconds }, () => []);
  }

  add(meter: MeterPlacement, thing: HostedThing): () => MeterReadingPayload | undefined {
    const entry: { meter: MeterPlacement; thing: HostedThing; sequence: number; latest?: MeterReadingPayload } = { meter, thing, sequence: 0 };
    this.byOffset[meter.index % this.intervalSeconds]!.push(entry);
    return () => entry.latest;
  }

  /** Entry that finds the latest reading of a meter before its Thing exists. */
  latestOf(meterId: string): MeterReadingPayload | undefined {
    for (const bucket of this.byOffset) for (const e of bucket) if (e.meter.id === meterId) return e.latest;
    return undefined;
  }

  /** Advances the simulator second by second up to `simTimeMs`, publishing the meters due at each. */
  advance(simTimeMs: number): number {
    let published = 0;
    const targetSecond = Math.floor(simTimeMs / 1000);
    let second: number = this.nextSecond ?? Math.ceil(this.ctx.sim.time() / 1000);
    for (; second <= targetSecond; second++) {
      this.ctx.sim.advanceTo(second * 1000);
      for (const entry of this.byOffset[second % this.intervalSeconds]!) {
        const payload = toPayload(this.ctx.sim.meter(entry.meter.id), entry.sequence++);
        entry.latest = payload;
        entry.thing.emitEvent("reading", payload);
        published++;
      }
    }
    this.nextSecond = second;
    return published;
  }
}
