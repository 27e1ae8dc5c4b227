import { errorFactory, type ErrorCatalogue } from "../../errors/coded-error.ts";
import { digest } from "../../microgrid/hash.ts";
import type { ConstraintType, EnvelopeType, OperatingEnvelope } from "../../microgrid/types.ts";
import type { MicrogridOperatingEnvelopeWritePort } from "../envelope-write-port.ts";
import type { OscpForecastedBlock, OscpForecastType, OscpHeartbeat, UpdateGroupCapacityForecast } from "./messages.ts";

export const OSCP_ERRORS = {
  OSCP_GROUP_UNKNOWN: { status: 404, title: "The OSCP capacity group is not mapped to a microgrid node" },
  OSCP_MESSAGE_INVALID: { status: 400, title: "The OSCP message cannot be translated into an operating envelope" },
} as const satisfies ErrorCatalogue;
const fail = errorFactory(OSCP_ERRORS);

/** Adapter-side mapping of an OSCP capacity group onto microgrid_id + node_id (kept out of the microgrid). */
export interface OscpGroupMapping {
  group_id: string;
  microgrid_id: string;
  node_id: string;
  origin_control_point_id?: string | null;
  /** For forecasts in amperes: phase-to-neutral voltage, V (default 230). */
  nominal_voltage_v?: number;
}

export interface OscpAdapterOptions {
  groups: OscpGroupMapping[];
  now: () => Date;
  /** Without offline_mode_at, a source with no message for this long is stale (default 900 s). */
  stale_after_seconds?: number;
}

const TRANSLATION: Record<Exclude<OscpForecastType, "OPTIMUM">, { envelope_type: EnvelopeType; constraint_type: ConstraintType }> = {
  CONSUMPTION: { envelope_type: "FORECAST", constraint_type: "CONSUMPTION_CAP" },
  GENERATION: { envelope_type: "FORECAST", constraint_type: "GENERATION_CAP" },
  FALLBACK_CONSUMPTION: { envelope_type: "FALLBACK", constraint_type: "CONSUMPTION_CAP" },
  FALLBACK_GENERATION: { envelope_type: "FALLBACK", constraint_type: "GENERATION_CAP" },
};

const PHASES: Record<OscpForecastedBlock["phase"], number> = { UNKNOWN: 1, ONE: 1, TWO: 2, THREE: 3, ALL: 3 };

/**
 * OSCP 2.0 Capacity Provider → MicrogridOperatingEnvelopeWritePort. A capacity forecast becomes a
 * FORECAST (or FALLBACK) envelope on the mapped node, each forecasted block a block with
 * target_watts = max_limit_watts; a newer forecast of the same group and type supersedes (withdraws)
 * the older one. Heartbeats feed forecast-source health: offline_mode_at is the instant the source
 * goes OFFLINE, after which fallback envelopes and then the circuit fail-safe capacity apply.
 * OPTIMUM forecasts are advice, not bounds: acknowledged and not enforced.
 */
export class OscpCapacityAdapter {
  private readonly groups: Map<string, OscpGroupMapping>;
  private readonly stale: number;

  constructor(private readonly port: MicrogridOperatingEnvelopeWritePort, private readonly options: OscpAdapterOptions) {
    this.groups = new Map(options.groups.map((g) => [g.group_id, g]));
    this.stale = options.stale_after_seconds ?? 900;
  }

  private group(group_id: string): OscpGroupMapping {
    const g = this.groups.get(group_id);
    if (!g) throw fail("OSCP_GROUP_UNKNOWN", `group ${group_id} is not mapped`, { group_id });
    return g;
  }

  /** Power in W of one block (energy units over the block's duration become average power). */
  private watts(b: OscpForecastedBlock, g: OscpGroupMapping): number {
    const hours = (Date.parse(b.end_time) - Date.parse(b.start_time)) / 3_600_000;
    switch (b.unit) {
      case "W":
        return b.capacity;
      case "KW":
        return b.capacity * 1000;
      case "A":
        return b.capacity * (g.nominal_voltage_v ?? 230) * PHASES[b.phase];
      case "WH":
        return b.capacity / hours;
      case "KWH":
        return (b.capacity * 1000) / hours;
    }
  }

  async updateGroupCapacityForecast(msg: UpdateGroupCapacityForecast): Promise<{ ignored: boolean; envelope: OperatingEnvelope | null; superseded: string[]; duplicate: boolean }> {
    const g = this.group(msg.group_id);
    const now = this.options.now().toISOString();
    await this.port.reportForecastSource(g.microgrid_id, g.node_id, { last_heartbeat_at: now, stale_after_seconds: this.stale });
    if (msg.type === "OPTIMUM") return { ignored: true, envelope: null, superseded: [], duplicate: false };
    const t = TRANSLATION[msg.type];
    const blocks = [...msg.forecasted_blocks].sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));
    for (const b of blocks) {
      if (!(Date.parse(b.end_time) > Date.parse(b.start_time))) throw fail("OSCP_MESSAGE_INVALID", "a forecasted block ends before it starts", { group_id: msg.group_id });
    }
    const prefix = `oscp:${msg.group_id}:${msg.type}:`;
    const source_ref = prefix + digest(JSON.stringify(blocks));
    const result = await this.port.submitEnvelope({
      microgrid_id: g.microgrid_id,
      node_id: g.node_id,
      origin_control_point_id: g.origin_control_point_id ?? null,
      envelope_type: t.envelope_type,
      constraint_type: t.constraint_type,
      effective_from: (blocks[0] as OscpForecastedBlock).start_time,
      effective_to: blocks.map((b) => b.end_time).sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1) as string,
      source_ref,
      blocks: blocks.map((b) => {
        const w = Math.max(0, Math.round(this.watts(b, g)));
        return { block_from: b.start_time, block_to: b.end_time, max_limit_watts: w, target_watts: w };
      }),
    });
    if (result.envelope.status === "REJECTED") {
      throw fail("OSCP_MESSAGE_INVALID", `forecast rejected: ${result.envelope.rejection_reason}`, { group_id: msg.group_id, envelope_id: result.envelope.envelope_id, violated_rule: result.envelope.rejection_reason });
    }
    const superseded: string[] = [];
    if (!result.duplicate) {
      for (const e of this.port.envelopesOf(g.microgrid_id, g.node_id)) {
        if (e.envelope_id !== result.envelope.envelope_id && e.source_ref.startsWith(prefix)) {
          await this.port.withdrawEnvelope(e.envelope_id, `oscp:${msg.group_id}`);
          superseded.push(e.envelope_id);
        }
      }
    }
    return { ignored: false, envelope: result.envelope, superseded, duplicate: result.duplicate };
  }

  /** A heartbeat from the Capacity Provider covers every group it serves (all mapped groups). */
  async heartbeat(msg: OscpHeartbeat): Promise<void> {
    const now = this.options.now().toISOString();
    for (const g of [...this.groups.values()].sort((a, b) => (a.group_id < b.group_id ? -1 : 1))) {
      await this.port.reportForecastSource(g.microgrid_id, g.node_id, { last_heartbeat_at: now, offline_at: msg.offline_mode_at, stale_after_seconds: this.stale });
    }
  }
}
