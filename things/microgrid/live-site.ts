/**
 * The live demo: one telemetry feed per microgrid that has something to read on the site, one
 * allocation write-back per microgrid that has charge points on the site (when an operator token is
 * given), and the one-line summary of a completed cycle the CLI prints so `npm start` shows cycles
 * happening.
 */
import type { MicrogridService } from "../../src/microgrid-api/service.ts";
import type { StoredRecord } from "../../src/microgrid-api/storage/storage-port.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { AllocationWriter } from "./allocation-writer.ts";
import { LiveTelemetryFeed } from "./live-telemetry.ts";
import { planBridge, siteThingOf } from "./telemetry-bridge.ts";

export interface LiveSiteOptions {
  service: MicrogridService;
  /** The site's published TDs. */
  tds: readonly JsonObject[];
  mqttUrl: string | null;
  /** Simulated seconds per real second: the feed reads every 5 simulated seconds (at most once a real second). */
  speed: number;
  /** Operator bearer token for writing cycle allocations to the charge points; none: allocations are not applied. */
  operatorToken?: string | null;
  /** A cycle result older than this is replaced by fail-safe limits (ms, default 45 000: three missed 15 s cycles). */
  staleAfterMs?: number;
}

export interface LiveSite {
  feeds: readonly LiveTelemetryFeed[];
  writers: readonly AllocationWriter[];
  stop(): Promise<void>;
}

export function feedIntervalMs(speed: number): number {
  return Math.max(1000, Math.round(5000 / speed));
}

export async function startLiveSite(options: LiveSiteOptions): Promise<LiveSite> {
  const feeds: LiveTelemetryFeed[] = [];
  const writers: AllocationWriter[] = [];
  const stop = async () => {
    for (const w of writers.splice(0)) await w.stop();
    for (const f of feeds.splice(0)) await f.stop();
  };
  try {
    const things = options.tds.map(siteThingOf);
    for (const m of options.service.listMicrogrids()) {
      const plan = planBridge(m.microgrid_id, options.service.topology(m.microgrid_id).nodes, things);
      if (plan.devices.length === 0 && plan.feeders.every((f) => f.meters.length === 0)) continue; // nothing of this microgrid is on the site
      const feed = new LiveTelemetryFeed({ service: options.service, microgrid_id: m.microgrid_id, tds: options.tds, mqttUrl: options.mqttUrl, intervalMs: feedIntervalMs(options.speed), rebalanceOnNewDemand: Boolean(options.operatorToken) });
      feeds.push(feed);
      await feed.start();
      if (options.operatorToken) {
        const writer = new AllocationWriter({ service: options.service, microgrid_id: m.microgrid_id, tds: options.tds, token: options.operatorToken, ...(options.staleAfterMs ? { staleAfterMs: options.staleAfterMs } : {}) });
        writers.push(writer);
        await writer.start();
        if (writer.allocationTargets.length === 0) await (writers.pop() as AllocationWriter).stop(); // no charge point of this microgrid on the site
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { feeds, writers, stop };
}

/**
 * `cycle <at> <microgrid> <outcome> [reason codes] allocated x of y W (<cycle_id>)` for a
 * `microgrid.cycle_completed` record; `cycle <at> <microgrid> deferred: …` for a scheduled cycle
 * that waits for the first telemetry; else undefined.
 */
export function cycleLine(record: StoredRecord): string | undefined {
  if (record.stream === "domain" && record.type === "scheduler.rebalance_deferred") {
    const d = record.payload as { missing_inputs: string[]; deferred_until: string };
    const shown = d.missing_inputs.slice(0, 5).join(", ") + (d.missing_inputs.length > 5 ? ", …" : "");
    return `cycle ${record.at} ${record.microgrid_id} deferred: awaiting the first telemetry of ${d.missing_inputs.length} node(s) (${shown}), at the latest until ${d.deferred_until}`;
  }
  if (record.stream !== "domain" || record.type !== "microgrid.cycle_completed") return undefined;
  const p = record.payload as { cycle_id: string; outcome: string; reason_codes: string[]; allocation_summary?: { allocated_watts?: number; requested_watts?: number } };
  const a = p.allocation_summary ?? {};
  return `cycle ${record.at} ${record.microgrid_id} ${p.outcome} [${p.reason_codes.join(", ")}] allocated ${a.allocated_watts ?? 0} of ${a.requested_watts ?? 0} W (${p.cycle_id})`;
}
