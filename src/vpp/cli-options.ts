/**
 * Options of `gridthings vpp` (and of the VPP inside `gridthings start`), each with its
 * environment variable; a flag wins over its variable. Pure: flags and environment are passed in.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Owner } from "./workflow/notifications.ts";
import { DEFAULT_HISTORY, type VppConfig, type DroopPush, type WriteProtocol } from "./config.ts";
import { DEFAULT_REGULATION } from "./regulation/frequency.ts";
import { vppError } from "./errors.ts";

export interface VppFlag {
  key: keyof VppFlags;
  flag: string;
  arg: string;
  env: string;
  description: string;
}

export interface VppFlags {
  controlMs?: string;
  writeProtocol?: string;
  droop?: string;
  stiffness?: string;
  voltageThreshold?: string;
  operatorEmail?: string;
  smtpUrl?: string;
  smsWebhook?: string;
  tariff?: string;
  metering?: string;
  sharedGroup?: string;
  region?: string;
  feeder?: string;
  historyDays?: string;
  historyRawHours?: string;
}

export const VPP_FLAGS: readonly VppFlag[] = [
  { key: "controlMs", flag: "--control-ms", arg: "<ms>", env: "GRIDTHINGS_VPP_CONTROL_MS", description: "real ms between two regulation steps (default 1000)" },
  { key: "writeProtocol", flag: "--write-protocol", arg: "<http|modbus>", env: "GRIDTHINGS_VPP_WRITE_PROTOCOL", description: "protocol battery setpoints are written over (default http)" },
  { key: "droop", flag: "--droop", arg: "<deadbandHz:droopPercent>", env: "GRIDTHINGS_VPP_DROOP", description: "push droop settings to every battery (embedded runtime), e.g. 0.005:0.1; default: off" },
  { key: "stiffness", flag: "--stiffness", arg: "<W/Hz>", env: "GRIDTHINGS_VPP_STIFFNESS", description: `area frequency response used to size dispatch (default ${DEFAULT_REGULATION.stiffnessWPerHz})` },
  { key: "voltageThreshold", flag: "--voltage-threshold", arg: "<fraction>", env: "GRIDTHINGS_VPP_VOLTAGE_THRESHOLD", description: "voltage deviation that opens an incident, fraction of nominal (default 0.05)" },
  { key: "operatorEmail", flag: "--operator-email", arg: "<address>", env: "GRIDTHINGS_VPP_OPERATOR_EMAIL", description: "grid operations centre address for intervention emails" },
  { key: "smtpUrl", flag: "--smtp-url", arg: "<smtp://host:port?from=addr>", env: "GRIDTHINGS_VPP_SMTP_URL", description: "send emails over SMTP (default: outbox only)" },
  { key: "smsWebhook", flag: "--sms-webhook", arg: "<url>", env: "GRIDTHINGS_VPP_SMS_WEBHOOK", description: "send owner SMS through this webhook (default: outbox only)" },
  { key: "tariff", flag: "--tariff", arg: "<file>", env: "GRIDTHINGS_VPP_TARIFF", description: "time-of-use tariff file (default tds/tariffs/residential-tou.tariff.json)" },
  { key: "metering", flag: "--metering", arg: "<on|off>", env: "GRIDTHINGS_VPP_METERING", description: "ingest the meter stream and bill (default on)" },
  { key: "sharedGroup", flag: "--shared-group", arg: "<name>", env: "GRIDTHINGS_VPP_SHARED_GROUP", description: "MQTT 5 shared subscription group: several VPP workers split the meter stream" },
  { key: "region", flag: "--region", arg: "<id>", env: "GRIDTHINGS_VPP_REGION", description: "only Things of this region" },
  { key: "feeder", flag: "--feeder", arg: "<id>", env: "GRIDTHINGS_VPP_FEEDER", description: "only Things of this feeder" },
  { key: "historyDays", flag: "--history-days", arg: "<days>", env: "GRIDTHINGS_VPP_HISTORY_DAYS", description: "simulated days the history keeps one-minute rollups, 1..3650 (default 8)" },
  { key: "historyRawHours", flag: "--history-raw-hours", arg: "<hours>", env: "GRIDTHINGS_VPP_HISTORY_RAW_HOURS", description: "simulated hours the history keeps raw samples, 1..8760 and within --history-days (default 24)" },
];

export interface ResolvedVppFlags {
  config: Partial<VppConfig>;
  tariffFile: string;
  metering: boolean;
  sharedGroup?: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function bad(flag: string, raw: string, why: string): Error {
  return vppError("VPP_BAD_ARGUMENT", `${flag} ${JSON.stringify(raw)}: ${why}`);
}

export function resolveVppFlags(flags: Readonly<VppFlags>, env: Readonly<Record<string, string | undefined>>): ResolvedVppFlags {
  const get = (f: VppFlag): { raw: string; source: string } | undefined => {
    const v = flags[f.key];
    if (v !== undefined) return { raw: v, source: f.flag };
    const e = env[f.env];
    return e !== undefined && e !== "" ? { raw: e, source: f.env } : undefined;
  };
  const by = (key: keyof VppFlags) => VPP_FLAGS.find((f) => f.key === key) as VppFlag;
  const config: Partial<VppConfig> = {};
  const num = (key: keyof VppFlags, check: (n: number) => boolean, why: string): number | undefined => {
    const v = get(by(key));
    if (!v) return undefined;
    const n = Number(v.raw);
    if (v.raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw bad(v.source, v.raw, why);
    return n;
  };
  const controlMs = num("controlMs", (n) => n >= 10 && n <= 60_000, "must be 10..60000 ms");
  if (controlMs !== undefined) config.controlPeriodMs = controlMs;
  const stiffness = num("stiffness", (n) => n > 0, "must be a positive number of W/Hz");
  if (stiffness !== undefined) config.regulation = { ...DEFAULT_REGULATION, stiffnessWPerHz: stiffness };
  const vt = num("voltageThreshold", (n) => n > 0 && n < 1, "must be a fraction between 0 and 1");
  if (vt !== undefined) config.incidents = { ...(config.incidents ?? { nominalVoltageV: 230, nominalHz: 60, frequencyBandHz: 0.02, nominalHoldMs: 30_000 }), voltageThreshold: vt };
  const wp = get(by("writeProtocol"));
  if (wp) {
    if (wp.raw !== "http" && wp.raw !== "modbus") throw bad(wp.source, wp.raw, "must be http or modbus");
    config.writeProtocol = wp.raw as WriteProtocol;
  }
  const droop = get(by("droop"));
  if (droop) {
    const m = /^([0-9.]+):([0-9.]+)$/.exec(droop.raw);
    const d: DroopPush | undefined = m ? { deadbandHz: Number(m[1]), droopPercent: Number(m[2]) } : undefined;
    if (!d || !(d.deadbandHz >= 0 && d.deadbandHz <= 0.5 && d.droopPercent >= 0.1 && d.droopPercent <= 20)) throw bad(droop.source, droop.raw, "must be deadbandHz:droopPercent with deadband 0..0.5 Hz and droop 0.1..20 %");
    config.droop = d;
  }
  const email = get(by("operatorEmail"));
  if (email) {
    if (!/^[^\s<>@]+@[^\s<>@]+$/.test(email.raw)) throw bad(email.source, email.raw, "must be an email address");
    config.operatorEmail = email.raw;
  }
  const smtp = get(by("smtpUrl"));
  if (smtp) {
    let u: URL;
    try {
      u = new URL(smtp.raw);
    } catch {
      throw bad(smtp.source, smtp.raw, "must be smtp://host:port?from=address or smtps://…");
    }
    const from = u.searchParams.get("from") ?? "";
    if (!["smtp:", "smtps:"].includes(u.protocol) || !/^[^\s<>@]+@[^\s<>@]+$/.test(from)) throw bad(smtp.source, smtp.raw, "must be smtp://host:port?from=address or smtps://…");
    config.smtp = { host: u.hostname, port: Number(u.port || (u.protocol === "smtps:" ? 465 : 25)), from, secure: u.protocol === "smtps:" };
  }
  const sms = get(by("smsWebhook"));
  if (sms) {
    if (!/^https?:\/\/\S+$/.test(sms.raw)) throw bad(sms.source, sms.raw, "must be an http(s) URL");
    config.smsWebhook = { url: sms.raw };
  }
  const region = get(by("region"));
  const feeder = get(by("feeder"));
  if (region || feeder) config.scope = { ...(region ? { region: region.raw } : {}), ...(feeder ? { feeder: feeder.raw } : {}) };
  const historyDays = num("historyDays", (n) => Number.isInteger(n) && n >= 1 && n <= 3650, "must be a whole number of days, 1..3650");
  const rawHours = num("historyRawHours", (n) => Number.isInteger(n) && n >= 1 && n <= 8760, "must be a whole number of hours, 1..8760");
  if (historyDays !== undefined || rawHours !== undefined) {
    const days = historyDays ?? DEFAULT_HISTORY.retentionMs / DAY_MS;
    const hours = rawHours ?? Math.min(DEFAULT_HISTORY.rawRetentionMs, days * DAY_MS) / HOUR_MS;
    if (hours > days * 24) {
      const v = get(by("historyRawHours")) as { raw: string; source: string };
      throw bad(v.source, v.raw, `raw samples cannot be kept longer than the rollups' ${days * 24} hours (--history-days ${days})`);
    }
    config.history = { retentionMs: days * DAY_MS, rawRetentionMs: hours * HOUR_MS };
  }
  const metering = get(by("metering"));
  if (metering && !["on", "off"].includes(metering.raw)) throw bad(metering.source, metering.raw, "must be on or off");
  const group = get(by("sharedGroup"));
  if (group && !/^[A-Za-z0-9_-]{1,64}$/.test(group.raw)) throw bad(group.source, group.raw, "must be 1..64 letters, digits, - or _");
  return {
    config,
    tariffFile: get(by("tariff"))?.raw ?? "tds/tariffs/residential-tou.tariff.json",
    metering: metering?.raw !== "off",
    ...(group ? { sharedGroup: group.raw } : {}),
  };
}

/**
 * Battery owners for seed 004's alerts: the VPP operator's contract list. Read from the site
 * file's `owner` entries (which never appear in a TD); a missing or unreadable file gives none.
 */
export function ownersFromSiteFile(path: string): Map<string, Owner> {
  try {
    const site = JSON.parse(readFileSync(resolve(path), "utf8")) as { batteries?: Array<{ id?: unknown; owner?: Owner }> };
    return new Map((site.batteries ?? []).filter((b) => typeof b.id === "string" && b.owner).map((b) => [b.id as string, b.owner as Owner]));
  } catch {
    return new Map();
  }
}

/** The site's id (names the VPP's Things); "vpp" when the site file cannot be read. */
export function siteIdOf(path: string): string {
  try {
    const id = (JSON.parse(readFileSync(resolve(path), "utf8")) as { id?: unknown }).id;
    return typeof id === "string" && /^[A-Za-z0-9_-]{1,100}$/.test(id) ? id : "vpp";
  } catch {
    return "vpp";
  }
}
