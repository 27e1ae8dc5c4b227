/** Settings of the VPP servient, with defaults; validated once at start. */
import { DEFAULT_REGULATION, validateRegulationConfig, type RegulationConfig } from "./regulation/frequency.ts";
import { DEFAULT_DISPATCH, type DispatchConfig } from "./dispatch/storage-dispatch.ts";
import { DEFAULT_RATE_LIMIT, type RateLimit } from "./dispatch/high-risk.ts";
import { DEFAULT_INCIDENTS, validateIncidentConfig, type IncidentConfig } from "./workflow/incidents.ts";
import type { Placement } from "./discovery/roles.ts";
import type { Owner } from "./workflow/notifications.ts";
import type { SmtpOptions } from "./workflow/transports/smtp.ts";
import type { SmsWebhookOptions } from "./workflow/transports/sms-webhook.ts";
import { vppError } from "./errors.ts";

export type WriteProtocol = "http" | "modbus";

export interface DroopPush {
  deadbandHz: number;
  droopPercent: number;
}

export interface VppConfig {
  /** Real milliseconds between two control steps. */
  controlPeriodMs: number;
  /** Seed 000: a regulation step is abandoned past this, ms. */
  stepTimeoutMs: number;
  /** Per device call, ms (below the step timeout). */
  deviceTimeoutMs: number;
  regulation: RegulationConfig;
  dispatch: DispatchConfig;
  rateLimit: RateLimit;
  incidents: IncidentConfig;
  scope: Placement;
  /** Protocol battery setpoints are written over. */
  writeProtocol: WriteProtocol;
  /** Push these droop settings to every battery that joins (embedded runtime); undefined: leave them. */
  droop?: DroopPush;
  operatorEmail: string;
  owners: ReadonlyMap<string, Owner>;
  smtp?: SmtpOptions;
  smsWebhook?: SmsWebhookOptions;
  /** Real milliseconds between two weather forecast fetches. */
  forecastEveryMs: number;
  /** How long the time-series history keeps its points, in simulated ms. */
  history: HistoryRetention;
}

export interface HistoryRetention {
  /** One-minute rollups. */
  retentionMs: number;
  /** Raw samples (at most `retentionMs`). */
  rawRetentionMs: number;
}

export const DEFAULT_HISTORY: HistoryRetention = { retentionMs: 8 * 86_400_000, rawRetentionMs: 86_400_000 };

export const DEFAULT_VPP: VppConfig = {
  controlPeriodMs: 1000,
  stepTimeoutMs: 5000,
  deviceTimeoutMs: 2000,
  regulation: DEFAULT_REGULATION,
  dispatch: DEFAULT_DISPATCH,
  rateLimit: DEFAULT_RATE_LIMIT,
  incidents: DEFAULT_INCIDENTS,
  scope: {},
  writeProtocol: "http",
  operatorEmail: "grid-operations@gridthings.invalid",
  owners: new Map(),
  forecastEveryMs: 60_000,
  history: DEFAULT_HISTORY,
};

export function resolveVppConfig(partial: Partial<VppConfig> = {}): VppConfig {
  const c: VppConfig = { ...DEFAULT_VPP, ...partial };
  validateRegulationConfig(c.regulation);
  validateIncidentConfig(c.incidents);
  for (const k of ["controlPeriodMs", "stepTimeoutMs", "deviceTimeoutMs", "forecastEveryMs"] as const) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw vppError("VPP_BAD_ARGUMENT", `${k} must be a positive number of ms, got ${c[k]}`);
  }
  const h = c.history;
  if (!(Number.isFinite(h.retentionMs) && h.retentionMs > 0 && Number.isFinite(h.rawRetentionMs) && h.rawRetentionMs > 0 && h.rawRetentionMs <= h.retentionMs)) {
    throw vppError("VPP_BAD_ARGUMENT", "history needs positive retentionMs and rawRetentionMs, raw at most the rollups'");
  }
  if (c.deviceTimeoutMs >= c.stepTimeoutMs) throw vppError("VPP_BAD_ARGUMENT", "deviceTimeoutMs must be below stepTimeoutMs");
  if (!["http", "modbus"].includes(c.writeProtocol)) throw vppError("VPP_BAD_ARGUMENT", `writeProtocol must be http or modbus, got ${String(c.writeProtocol)}`);
  if (c.droop && !(c.droop.deadbandHz >= 0 && c.droop.deadbandHz <= 0.5 && c.droop.droopPercent >= 0.1 && c.droop.droopPercent <= 20)) {
    throw vppError("VPP_BAD_ARGUMENT", "droop needs deadbandHz 0..0.5 and droopPercent 0.1..20");
  }
  return c;
}
