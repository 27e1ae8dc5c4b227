/**
 * Time-of-use tariffs (`tds/tariffs/*.tariff.json`): periods by weekday and local time of day with
 * prices per kWh. Validated with clear errors; pure lookups.
 */
import { meteringError } from "../metering/errors.ts";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface TariffPeriod {
  readonly name: string;
  readonly days: readonly Weekday[];
  /** Local time "HH:MM", inclusive. */
  readonly from: string;
  /** Local time "HH:MM", exclusive; "24:00" is the end of the day. */
  readonly to: string;
  readonly importPricePerKwh: number;
  readonly exportPricePerKwh: number;
}

export interface TariffFile {
  readonly id: string;
  readonly currency: string;
  /** IANA time zone the periods are written in. */
  readonly timezone: string;
  readonly intervalMinutes: 15;
  /** Prices when no period applies. */
  readonly default: { readonly name: string; readonly importPricePerKwh: number; readonly exportPricePerKwh: number };
  readonly periods: readonly TariffPeriod[];
}

export interface PricedPeriod {
  readonly name: string;
  readonly importPricePerKwh: number;
  readonly exportPricePerKwh: number;
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutesOf(text: unknown, where: string, problems: string[]): number | undefined {
  if (typeof text !== "string" || !HHMM.test(text)) {
    problems.push(`${where} must be "HH:MM", got ${JSON.stringify(text)}`);
    return undefined;
  }
  const [h, m] = text.split(":").map(Number) as [number, number];
  const minutes = h * 60 + m;
  if (minutes > 1440) problems.push(`${where} is past 24:00`);
  else if (minutes % 15 !== 0) problems.push(`${where} (${text}) is not on a 15-minute boundary`);
  return minutes;
}

function price(value: unknown, where: string, problems: string[]): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) problems.push(`${where} must be a non-negative number, got ${JSON.stringify(value)}`);
}

function name(value: unknown, where: string, problems: string[]): void {
  if (typeof value !== "string" || !/^[A-Za-z0-9_.-]{1,40}$/.test(value)) problems.push(`${where} must be a short name (letters, digits, _ . -), got ${JSON.stringify(value)}`);
}

/** Checks a parsed tariff file; throws TARIFF_INVALID listing every problem found. */
export function parseTariff(value: unknown, source = "tariff"): Tariff {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw meteringError("TARIFF_INVALID", `${source}: not a JSON object`);
  const o = value as Record<string, unknown>;
  const known = new Set(["$schema", "id", "description", "currency", "timezone", "intervalMinutes", "default", "periods"]);
  for (const key of Object.keys(o)) if (!known.has(key)) problems.push(`unknown field ${key}`);
  name(o.id, "id", problems);
  if (typeof o.currency !== "string" || !/^[A-Z]{3}$/.test(o.currency)) problems.push(`currency must be an ISO 4217 code, got ${JSON.stringify(o.currency)}`);
  if (typeof o.timezone !== "string") problems.push("timezone missing");
  else {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: o.timezone });
    } catch {
      problems.push(`timezone ${o.timezone} is not an IANA time zone`);
    }
  }
  if (o.intervalMinutes !== 15) problems.push(`intervalMinutes must be 15, got ${JSON.stringify(o.intervalMinutes)}`);
  const d = o.default as Record<string, unknown> | undefined;
  if (typeof d !== "object" || d === null) problems.push("default (prices when no period applies) missing");
  else {
    name(d.name, "default.name", problems);
    price(d.importPricePerKwh, "default.importPricePerKwh", problems);
    price(d.exportPricePerKwh, "default.exportPricePerKwh", problems);
  }
  if (!Array.isArray(o.periods)) problems.push("periods must be an array");
  const spans: Array<{ day: Weekday; from: number; to: number; name: string }> = [];
  for (const [i, raw] of (Array.isArray(o.periods) ? o.periods : []).entries()) {
    const where = `periods[${i}]`;
    if (typeof raw !== "object" || raw === null) {
      problems.push(`${where} is not an object`);
      continue;
    }
    const p = raw as Record<string, unknown>;
    name(p.name, `${where}.name`, problems);
    price(p.importPricePerKwh, `${where}.importPricePerKwh`, problems);
    price(p.exportPricePerKwh, `${where}.exportPricePerKwh`, problems);
    const from = minutesOf(p.from, `${where}.from`, problems);
    const to = minutesOf(p.to, `${where}.to`, problems);
    if (from !== undefined && to !== undefined && from >= to) problems.push(`${where}: from ${String(p.from)} is not before to ${String(p.to)} (split a period that crosses midnight in two)`);
    if (!Array.isArray(p.days) || p.days.length === 0) problems.push(`${where}.days must list weekdays (${WEEKDAYS.join(", ")})`);
    else
      for (const day of p.days) {
        if (!WEEKDAYS.includes(day as Weekday)) problems.push(`${where}.days: ${JSON.stringify(day)} is not one of ${WEEKDAYS.join(", ")}`);
        else if (from !== undefined && to !== undefined) spans.push({ day: day as Weekday, from, to, name: String(p.name) });
      }
  }
  for (let i = 0; i < spans.length; i++)
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.day === b.day && a.from < b.to && b.from < a.to) problems.push(`periods ${a.name} and ${b.name} overlap on ${a.day}`);
    }
  if (problems.length > 0) throw meteringError("TARIFF_INVALID", `${source}: ${problems.join("; ")}`, { problems });
  return new Tariff(o as unknown as TariffFile);
}

export class Tariff {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, PricedPeriod>();

  constructor(readonly file: TariffFile) {
    this.format = new Intl.DateTimeFormat("en-US", { timeZone: file.timezone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  get id(): string {
    return this.file.id;
  }

  get currency(): string {
    return this.file.currency;
  }

  /** The period (and prices) in force at an instant. */
  periodAt(timeMs: number): PricedPeriod {
    const cached = this.cache.get(timeMs);
    if (cached) return cached;
    let weekday = "";
    let minutes = 0;
    for (const part of this.format.formatToParts(new Date(timeMs))) {
      if (part.type === "weekday") weekday = part.value.toLowerCase().slice(0, 3);
      else if (part.type === "hour") minutes += Number(part.value) * 60;
      else if (part.type === "minute") minutes += Number(part.value);
    }
    const found = this.file.periods.find((p) => p.days.includes(weekday as Weekday) && toMinutes(p.from) <= minutes && minutes < toMinutes(p.to));
    const period: PricedPeriod = found
      ? { name: found.name, importPricePerKwh: found.importPricePerKwh, exportPricePerKwh: found.exportPricePerKwh }
      : { ...this.file.default };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(timeMs, period);
    return period;
  }
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** A flat tariff for callers that bill without a file (tests, `npm start` without --tariff). */
export function flatTariff(pricePerKwh = 0.15, exportPricePerKwh = 0.05): Tariff {
  return parseTariff({ id: "flat", currency: "USD", timezone: "UTC", intervalMinutes: 15, default: { name: "flat", importPricePerKwh: pricePerKwh, exportPricePerKwh }, periods: [] });
}
