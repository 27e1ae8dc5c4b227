/**
 * The console's one live sampler per process: once a period it composes a snapshot from the VPP
 * servient (status, battery telemetry, forecast, load aggregates) and the few Thing properties the
 * VPP does not keep (the grid meter's per-phase `channels`, each plant's `telemetry`), read through
 * the TDs' HTTP forms; it keeps the recent frequency window and fans every snapshot out to the
 * pages that listen. Lifecycle: `start()` schedules, `stop()` clears the timer and the listeners.
 */
import { logger } from "../../log/logger.ts";
import type { Td } from "../../discovery/index.ts";
import { roleOf } from "../../vpp/discovery/roles.ts";
import type { VppServient } from "../../vpp/servient.ts";
import { mapLimit } from "../../vpp/concurrency.ts";
import { FrequencyHistory, type FrequencyPoint } from "./history.ts";
import { composeSnapshot, type LiveSnapshot } from "./snapshot.ts";
import { httpReadHref } from "./td-forms.ts";
import { titleOf, type ThingIndex } from "./thing-index.ts";

const log = logger("console.live");

/** What the sampler needs of the VPP servient. */
export type LiveVppSource = Pick<VppServient, "status" | "batteryStates" | "forecastView" | "config">;

export interface LiveSamplerOptions {
  vpp: () => LiveVppSource | undefined;
  things: ThingIndex;
  /** Default 1000 ms. */
  periodMs?: number;
  /** Frequency points kept for new pages (default 600: ten minutes at one a second). */
  windowPoints?: number;
  /** Per Thing read (default 2 s). */
  readTimeoutMs?: number;
  now?: () => number;
}

export type SnapshotListener = (snapshot: LiveSnapshot) => void;

export class LiveSampler {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private seq = 0;
  private latest: LiveSnapshot | undefined;
  private readonly history: FrequencyHistory;
  private readonly listeners = new Set<SnapshotListener>();
  private readonly now: () => number;
  /** The directory's last answer failed: said once, not every second. */
  private directoryDown = false;

  constructor(private readonly options: LiveSamplerOptions) {
    this.history = new FrequencyHistory(options.windowPoints ?? 600);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.periodMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  subscribe(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  last(): LiveSnapshot | undefined {
    return this.latest;
  }

  /** The recent frequency window (after `afterSeq` when a page reconnects), at most `maxPoints`. */
  window(afterSeq?: number, maxPoints?: number): FrequencyPoint[] {
    const points = this.history.since(afterSeq);
    return maxPoints === undefined ? points : points.slice(Math.max(0, points.length - maxPoints));
  }

  /** One sample, composed and fanned out; skipped while the previous one is still reading. */
  async tick(): Promise<LiveSnapshot | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const snapshot = await this.sample();
      if (!snapshot) return undefined;
      this.latest = snapshot;
      const f = snapshot.grid?.frequencyHz;
      if (typeof f === "number" && snapshot.simTime) this.history.add({ seq: snapshot.seq, t: Date.parse(snapshot.simTime), frequencyHz: f, rocofHzPerS: snapshot.grid?.rocofHzPerS ?? null });
      for (const l of this.listeners) {
        try {
          l(snapshot);
        } catch (e) {
          log.warn({ err: e }, "a live listener failed");
        }
      }
      return snapshot;
    } catch (e) {
      log.warn({ err: e }, "live sample failed");
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  private async sample(): Promise<LiveSnapshot | undefined> {
    const vpp = this.options.vpp();
    if (!vpp) return undefined;
    let tds: Td[] = [];
    try {
      tds = (await this.options.things.all()) ?? [];
      if (this.directoryDown) log.info("the directory lists the Things again");
      this.directoryDown = false;
    } catch (e) {
      if (!this.directoryDown) log.warn({ err: e }, "the directory did not list the Things; sampling the VPP alone until it answers");
      this.directoryDown = true;
    }
    const gridTd = tds.find((td) => roleOf(td) === "grid-meter");
    const plantTds = tds.filter((td) => roleOf(td) === "pv" || roleOf(td) === "wind");
    let failed = false;
    const read = async (td: Td | undefined, property: string): Promise<unknown> => {
      const href = td ? httpReadHref(td, property) : undefined;
      if (!href) return undefined;
      try {
        const r = await fetch(href, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(this.options.readTimeoutMs ?? 2000) });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return await r.json();
      } catch (e) {
        failed = true;
        log.debug({ err: e, href }, "live read failed");
        return undefined;
      }
    };
    const [channels, plants] = await Promise.all([
      read(gridTd, "channels"),
      mapLimit(plantTds, 16, async (td) => ({ id: String(td.id), title: titleOf(td), kind: roleOf(td) as "pv" | "wind", telemetry: await read(td, "telemetry") })),
    ]);
    if (failed) this.options.things.invalidate();
    const titles: Record<string, string> = {};
    for (const td of tds) if (typeof td.id === "string") titles[td.id] = titleOf(td);
    return composeSnapshot({
      seq: ++this.seq,
      sampledAt: new Date(this.now()).toISOString(),
      nominalHz: vpp.config.regulation.nominalHz,
      bandHz: vpp.config.regulation.deadbandHz,
      status: vpp.status(),
      batteryStates: vpp.batteryStates(),
      channels,
      plants,
      forecast: vpp.forecastView().points,
      titles,
    });
  }
}
