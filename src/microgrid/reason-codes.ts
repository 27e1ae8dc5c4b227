import { REASON_CODE_PRECEDENCE, type ReasonCode } from "./types.ts";

const RANK = new Map<string, number>(REASON_CODE_PRECEDENCE.map((c, i) => [c, i]));

/** Distinct codes in the seed's fixed precedence order (D-010, FR-012). */
export function orderReasonCodes(codes: Iterable<ReasonCode>): ReasonCode[] {
  return [...new Set(codes)].sort((a, b) => (RANK.get(a) as number) - (RANK.get(b) as number));
}
