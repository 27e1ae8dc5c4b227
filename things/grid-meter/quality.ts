/**
 * Quality of the grid-meter reading (seed 003: GOOD / STALE / ERROR). Pure.
 * - ERROR: the latest poll failed (no answer, connection lost, device failure);
 * - STALE: the device reports that its data is not fresh (telemetry dropout: Modbus exception 0B),
 *   or no poll has succeeded within 3 poll periods (missed polls), or none has succeeded yet;
 * - GOOD otherwise.
 * The values served with STALE or ERROR are the last good ones, with their own Timestamp.
 */
import type { Quality } from "../../src/sim/index.ts";

export type PollOutcome = { ok: true; atMs: number } | { ok: false; atMs: number; dropout: boolean };

export interface PollHistory {
  lastGoodMs?: number;
  lastOutcome?: PollOutcome;
}

export const STALE_AFTER_POLLS = 3;

export function gridMeterQuality(history: PollHistory, nowMs: number, pollMs: number): Quality {
  const outcome = history.lastOutcome;
  if (outcome && !outcome.ok) return outcome.dropout ? "STALE" : "ERROR";
  if (history.lastGoodMs === undefined) return "STALE";
  if (nowMs - history.lastGoodMs > STALE_AFTER_POLLS * pollMs) return "STALE";
  return "GOOD";
}
