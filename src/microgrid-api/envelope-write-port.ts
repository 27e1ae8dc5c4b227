import type { ForecastSourceHealth, OperatingEnvelope, OperatingEnvelopeSubmission } from "../microgrid/types.ts";

/**
 * MicrogridOperatingEnvelopeWritePort (seed 002): the internal boundary through which protocol
 * adapters (OSCP, CSIP-AUS, …) and the legacy TOU path submit protocol-agnostic envelopes keyed by
 * microgrid_id + node_id. Nothing protocol-specific crosses it.
 */
export interface MicrogridOperatingEnvelopeWritePort {
  submitEnvelope(submission: OperatingEnvelopeSubmission): Promise<{ envelope: OperatingEnvelope; duplicate: boolean }>;
  withdrawEnvelope(envelope_id: string, withdrawn_by: string): Promise<OperatingEnvelope>;
  /** Health of the primary forecast source of a node (heartbeats, declared offline instant). */
  reportForecastSource(
    microgrid_id: string,
    node_id: string,
    health: { last_heartbeat_at?: string | null; offline_at?: string | null; stale_after_seconds?: number },
  ): Promise<ForecastSourceHealth>;
  /** Live envelopes of a node, for adapters that replace what they submitted earlier. */
  envelopesOf(microgrid_id: string, node_id: string): OperatingEnvelope[];
}
