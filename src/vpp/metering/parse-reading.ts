import type { ParsedReading, RejectReason } from "./types.ts";
import { parseIsoInstant } from "./iso-instant.ts";

export type ParseResult = { ok: true; reading: ParsedReading } | { ok: false; reason: RejectReason; detail: string; meterId?: string };

const QUALITIES = new Set(["GOOD", "STALE", "ERROR"]);

function bad(reason: RejectReason, detail: string, meterId?: string): ParseResult {
  return meterId === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, meterId };
}

/**
 * Turns one reading payload (bytes or text of the smart meter's `reading` event) into a typed
 * reading, or says why not. Pure; never throws.
 */
export function parseReading(payload: Uint8Array | string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === "string" ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch {
    return bad("MALFORMED", "payload is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return bad("MALFORMED", "payload is not a JSON object");
  const o = value as Record<string, unknown>;
  const meterId = o.meterId;
  if (typeof meterId !== "string" || meterId.length === 0) return bad("MALFORMED", "meterId missing or not a string");
  for (const field of ["sequence", "activePowerW", "energyImportWh", "energyExportWh", "voltageV"] as const) {
    const v = o[field];
    if (v === undefined) return bad("MALFORMED", `${field} missing`, meterId);
    if (typeof v !== "number" || !Number.isFinite(v)) return bad("NOT_A_NUMBER", `${field} is not a finite number: ${JSON.stringify(v)}`, meterId);
  }
  const sequence = o.sequence as number;
  if (!Number.isSafeInteger(sequence) || sequence < 0) return bad("NOT_A_NUMBER", `sequence is not a non-negative integer: ${sequence}`, meterId);
  const energyImportWh = o.energyImportWh as number;
  const energyExportWh = o.energyExportWh as number;
  if (energyImportWh < 0 || energyExportWh < 0) return bad("ROLLBACK", "a cumulative register is negative", meterId);
  const timestamp = o.timestamp;
  // An ISO 8601 instant with a zone (Z or ±hh:mm): a bare local time is ambiguous and refused.
  const timeMs = typeof timestamp === "string" ? parseIsoInstant(timestamp) : Number.NaN;
  if (!Number.isFinite(timeMs)) return bad("BAD_TIMESTAMP", `timestamp is not an ISO 8601 instant with a zone: ${JSON.stringify(timestamp)}`, meterId);
  const quality = o.quality ?? "GOOD";
  if (typeof quality !== "string" || !QUALITIES.has(quality)) return bad("MALFORMED", `quality is not GOOD, STALE or ERROR: ${JSON.stringify(quality)}`, meterId);
  return {
    ok: true,
    reading: {
      meterId,
      sequence,
      timeMs,
      activePowerW: o.activePowerW as number,
      importMilliWh: Math.round(energyImportWh * 1000),
      exportMilliWh: Math.round(energyExportWh * 1000),
      voltageV: o.voltageV as number,
      deviceQuality: quality as ParsedReading["deviceQuality"],
    },
  };
}
