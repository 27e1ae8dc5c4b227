/**
 * The storage dispatch audit from the VPP's object memory: each high-risk command (recorded
 * before it was sent) with the result recorded after it, matched by Thing, affordance and the
 * command's sequence number; a command refused before sending has only a result. Pure.
 */
import type { StoredEntry } from "../../vpp/memory/object-memory.ts";

export type DispatchResult = "ok" | "failed" | "refused" | "pending";

export interface DispatchAuditRow {
  at: string;
  thingId: string;
  affordance: string;
  value: unknown;
  reason: string | null;
  subject: string | null;
  sequence: number | null;
  simTime: string | null;
  result: DispatchResult;
  /** The failure or refusal code and message, when there is one. */
  error: string | null;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const int = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);

/** Rows newest first, at most `limit`. */
export function dispatchAudit(commands: readonly StoredEntry[], results: readonly StoredEntry[], limit: number): DispatchAuditRow[] {
  const resultOf = new Map<string, StoredEntry>();
  const rows: DispatchAuditRow[] = [];
  for (const r of results) {
    const b = obj(r.body);
    const seq = int(b.sequence);
    if (seq !== null) resultOf.set(`${r.thingId}|${r.name}|${seq}`, r);
    else if (b.refused !== undefined) {
      rows.push({ at: r.at, thingId: r.thingId, affordance: r.name, value: b.value ?? null, reason: null, subject: null, sequence: null, simTime: null, result: "refused", error: str(b.refused) });
    }
  }
  for (const c of commands) {
    const b = obj(c.body);
    const seq = int(b.sequence);
    const r = seq !== null ? resultOf.get(`${c.thingId}|${c.name}|${seq}`) : undefined;
    const rb = obj(r?.body);
    rows.push({
      at: c.at,
      thingId: c.thingId,
      affordance: str(b.affordance) ?? c.name,
      value: b.value ?? null,
      reason: str(b.reason),
      subject: str(b.subject),
      sequence: seq,
      simTime: str(b.simTime),
      result: !r ? "pending" : rb.ok === true ? "ok" : "failed",
      error: r && rb.ok !== true ? [str(rb.code), str(rb.error)].filter(Boolean).join(": ") || null : null,
    });
  }
  return rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}
