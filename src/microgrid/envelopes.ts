import type { EnvelopeStatus, OperatingEnvelope, OperatingEnvelopeBlock, OperatingEnvelopeSubmission } from "./types.ts";

const ms = (iso: string): number => Date.parse(iso);

/** Normalises timestamps to UTC ISO with milliseconds so equal instants compare and serialise equal. */
export function utc(iso: string): string {
  return new Date(iso).toISOString();
}

export function isIsoInstant(value: unknown): value is string {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Envelope validity rules. Returns the first violated rule or null. The target node is checked by
 * the engine (it needs the topology).
 */
export function envelopeRuleViolation(s: OperatingEnvelopeSubmission): { rule: string; details: Record<string, unknown> } | null {
  if (!isIsoInstant(s.effective_from) || !isIsoInstant(s.effective_to)) return { rule: "WINDOW_IS_UTC_INSTANTS", details: {} };
  if (ms(s.effective_from) >= ms(s.effective_to)) return { rule: "WINDOW_FROM_BEFORE_TO", details: { effective_from: s.effective_from, effective_to: s.effective_to } };
  if (typeof s.source_ref !== "string" || s.source_ref.length === 0) return { rule: "SOURCE_REF_REQUIRED", details: {} };
  if (s.blocks.length === 0) return { rule: "AT_LEAST_ONE_BLOCK", details: {} };
  let previousTo = -Infinity;
  for (const [i, b] of s.blocks.entries()) {
    if (!isIsoInstant(b.block_from) || !isIsoInstant(b.block_to)) return { rule: "BLOCK_IS_UTC_INSTANTS", details: { block: i } };
    const from = ms(b.block_from);
    const to = ms(b.block_to);
    if (from >= to) return { rule: "BLOCK_FROM_BEFORE_TO", details: { block: i } };
    if (from < ms(s.effective_from) || to > ms(s.effective_to)) return { rule: "BLOCK_INSIDE_WINDOW", details: { block: i } };
    if (from < previousTo) return { rule: "BLOCKS_ORDERED_WITHOUT_OVERLAP", details: { block: i } };
    previousTo = to;
    const values = [b.min_limit_watts, b.max_limit_watts, b.target_watts];
    if (values.every((v) => v === null || v === undefined)) return { rule: "BLOCK_HAS_A_VALUE", details: { block: i } };
    for (const v of values) {
      if (v !== null && v !== undefined && (!Number.isInteger(v) || v < 0)) return { rule: "BLOCK_VALUES_NON_NEGATIVE_WATTS", details: { block: i } };
    }
    const min = b.min_limit_watts ?? null;
    const max = b.max_limit_watts ?? null;
    if (min !== null && max !== null && min > max) return { rule: "BLOCK_MIN_NOT_ABOVE_MAX", details: { block: i } };
  }
  return null;
}

export function toEnvelope(
  s: OperatingEnvelopeSubmission,
  envelope_id: string,
  received_at: string,
  status: EnvelopeStatus,
  rejection_reason: string | null,
): OperatingEnvelope {
  const valid = rejection_reason === null;
  return {
    envelope_id,
    microgrid_id: s.microgrid_id,
    origin_control_point_id: s.origin_control_point_id ?? null,
    node_id: s.node_id,
    envelope_type: s.envelope_type,
    constraint_type: s.constraint_type,
    effective_from: valid ? utc(s.effective_from) : s.effective_from,
    effective_to: valid ? utc(s.effective_to) : s.effective_to,
    source_ref: s.source_ref,
    status,
    received_at,
    blocks: s.blocks.map((b) => ({
      envelope_id,
      block_from: valid ? utc(b.block_from) : b.block_from,
      block_to: valid ? utc(b.block_to) : b.block_to,
      min_limit_watts: b.min_limit_watts ?? null,
      max_limit_watts: b.max_limit_watts ?? null,
      target_watts: b.target_watts ?? null,
    })),
    rejection_reason,
  };
}

/** Content equality for source_ref idempotency (ids and timestamps of receipt excluded). */
export function sameSubmission(e: OperatingEnvelope, s: OperatingEnvelopeSubmission): boolean {
  const other = toEnvelope(s, e.envelope_id, e.received_at, e.status, e.rejection_reason);
  return JSON.stringify({ ...other, status: null }) === JSON.stringify({ ...e, status: null });
}

/** Lifecycle state at instant t for a scheduler evaluation: terminal states stay, others follow the window. */
export function lifecycleStatusAt(e: OperatingEnvelope, t: number): EnvelopeStatus {
  if (e.status === "WITHDRAWN" || e.status === "REJECTED" || e.status === "EXPIRED") return e.status;
  if (t >= ms(e.effective_to)) return "EXPIRED";
  if (t >= ms(e.effective_from)) return "ACTIVE";
  return "PENDING";
}

/** Whether the envelope applies at t by its window (the rebalance-time guard reads this, never the stored status alone). */
export function appliesAt(e: OperatingEnvelope, t: number): boolean {
  return e.status !== "WITHDRAWN" && e.status !== "REJECTED" && t >= ms(e.effective_from) && t < ms(e.effective_to);
}

export function activeBlockAt(e: OperatingEnvelope, t: number): OperatingEnvelopeBlock | null {
  if (!appliesAt(e, t)) return null;
  for (const b of e.blocks) if (t >= ms(b.block_from) && t < ms(b.block_to)) return b;
  return null;
}

/** The enforceable bound of a block: max_limit_watts, else target_watts. */
export function blockLimit(b: OperatingEnvelopeBlock): number | null {
  return b.max_limit_watts ?? b.target_watts;
}

/** The circuit-facing value of a block: target_watts (the seed's projection rule), else max_limit_watts. */
export function blockProjectionValue(b: OperatingEnvelopeBlock): number | null {
  return b.target_watts ?? b.max_limit_watts;
}

/** Every instant at which this envelope's lifecycle or active value can change. */
export function boundaries(e: OperatingEnvelope): number[] {
  const out = new Set<number>([ms(e.effective_from), ms(e.effective_to)]);
  for (const b of e.blocks) {
    out.add(ms(b.block_from));
    out.add(ms(b.block_to));
  }
  return [...out].sort((a, b) => a - b);
}

/** The first boundary strictly after t among live envelopes, or null. */
export function nextBoundaryAfter(envelopes: Iterable<OperatingEnvelope>, t: number): number | null {
  let best: number | null = null;
  for (const e of envelopes) {
    if (e.status === "WITHDRAWN" || e.status === "REJECTED" || e.status === "EXPIRED") continue;
    for (const b of boundaries(e)) {
      if (b > t && (best === null || b < best)) best = b;
    }
  }
  return best;
}
