/**
 * Meters known from their TDs (found in the directory): topic root → placement. The subscription
 * is derived from the reading event's MQTT forms, not assumed: every topic must be
 * `<meter>/events/reading` on one broker for one wildcard (or shared) subscription to cover them.
 */
import { meteringError } from "../metering/errors.ts";
import type { MeterPlacementInfo } from "../metering/types.ts";

export type Td = Record<string, unknown>;

export interface MeterEntry extends MeterPlacementInfo {
  /** The Thing's id in the directory (urn). */
  readonly thingId: string;
  /** Exact MQTT topic of its reading event. */
  readonly topic: string;
  /** `mqtt://host:port` of the broker the form names. */
  readonly brokerUrl: string;
}

/** The fixed shape every reading topic must have; the wildcard subscription stands for it. */
export const READING_TOPIC = /^([^/+#$][^/+#]*)\/events\/reading$/;
export const READING_WILDCARD = "+/events/reading";

function term(td: Td, name: string): string | undefined {
  const v = td[name];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** The meter entry of a smart-meter TD, or undefined if the TD is not a meter. Throws on a meter TD it cannot use. */
export function meterFromTd(td: Td): MeterEntry | undefined {
  const types = Array.isArray(td["@type"]) ? td["@type"] : [td["@type"]];
  const reading = (td.events as Record<string, { forms?: Array<Record<string, unknown>> }> | undefined)?.reading;
  if (!types.includes("gt:SmartMeter") && !types.includes("saref:Meter")) return undefined;
  if (!reading) return undefined;
  const thingId = typeof td.id === "string" ? td.id : String(td.title);
  const region = term(td, "gt:region");
  const substation = term(td, "gt:substation");
  const feeder = term(td, "gt:feeder");
  if (!region || !substation || !feeder) throw meteringError("METER_BAD_ARGUMENT", `meter TD ${thingId} lacks gt:region, gt:substation or gt:feeder`);
  const form = (reading.forms ?? []).find((f) => typeof f.href === "string" && /^mqtts?:\/\//.test(f.href));
  if (!form) throw meteringError("METER_TOPIC_UNSUPPORTED", `meter TD ${thingId} offers its reading event over no MQTT form`);
  const url = new URL(form.href as string);
  const topic = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const match = READING_TOPIC.exec(topic);
  if (!match) throw meteringError("METER_TOPIC_UNSUPPORTED", `meter TD ${thingId}: topic ${topic} is not <meter>/events/reading`);
  return { id: match[1]!, thingId, region, substation, feeder, topic, brokerUrl: `${url.protocol}//${url.host}` };
}

export class MeterRegistry {
  private readonly byId = new Map<string, MeterEntry>();
  private readonly idByThing = new Map<string, string>();

  /** Adds or updates the meters among `tds`; returns the entries taken. Non-meter TDs are skipped. */
  upsertTds(tds: readonly Td[]): MeterEntry[] {
    const entries: MeterEntry[] = [];
    for (const td of tds) {
      const entry = meterFromTd(td);
      if (entry) entries.push(entry);
    }
    for (const e of entries) {
      this.byId.set(e.id, e);
      this.idByThing.set(e.thingId, e.id);
    }
    return entries;
  }

  /** Removes a meter by its topic id or its Thing id; returns the topic id removed. */
  remove(idOrThingId: string): string | undefined {
    const id = this.byId.has(idOrThingId) ? idOrThingId : this.idByThing.get(idOrThingId);
    if (id === undefined) return undefined;
    const entry = this.byId.get(id)!;
    this.byId.delete(id);
    this.idByThing.delete(entry.thingId);
    return id;
  }

  get(id: string): MeterEntry | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): MeterEntry[] {
    return [...this.byId.values()];
  }

  /** The one broker all meters publish to (a pipeline serves one broker). */
  brokerUrl(): string | undefined {
    const urls = new Set([...this.byId.values()].map((e) => e.brokerUrl));
    if (urls.size > 1) throw meteringError("METER_BROKER_MIXED", `meters publish to several brokers: ${[...urls].join(", ")}`);
    return urls.values().next().value;
  }
}

/** The subscription for the stream: the wildcard, or its MQTT 5 shared form for a worker group. */
export function readingSubscription(sharedGroup?: string): string {
  if (sharedGroup === undefined) return READING_WILDCARD;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(sharedGroup)) throw meteringError("METER_BAD_ARGUMENT", `shared subscription group must be letters, digits, _ or -: ${JSON.stringify(sharedGroup)}`);
  return `$share/${sharedGroup}/${READING_WILDCARD}`;
}
