import { errorFactory, type ErrorCatalogue } from "../../errors/coded-error.ts";
import { digest } from "../../microgrid/hash.ts";
import type { ConstraintType, OperatingEnvelope } from "../../microgrid/types.ts";
import type { MicrogridOperatingEnvelopeWritePort } from "../envelope-write-port.ts";
import type { ActivePower, DERControl, DERControlBase, DERProgram, DerProgramsUpdate } from "./messages.ts";

export const CSIP_AUS_ERRORS = {
  CSIP_SITE_UNKNOWN: { status: 404, title: "The CSIP-AUS EndDevice (LFDI) is not mapped to a microgrid node" },
  CSIP_MESSAGE_INVALID: { status: 400, title: "The CSIP-AUS DER programs cannot be translated into operating envelopes" },
} as const satisfies ErrorCatalogue;
const fail = errorFactory(CSIP_AUS_ERRORS);

/** Adapter-side mapping of a CSIP-AUS EndDevice (the site's connection point) onto microgrid_id + node_id. */
export interface CsipSiteMapping {
  /** LFDI of the EndDevice, hex (compared case-insensitively). */
  lfdi: string;
  microgrid_id: string;
  node_id: string;
  origin_control_point_id?: string | null;
}

export interface CsipAusAdapterOptions {
  sites: CsipSiteMapping[];
  now: () => Date;
  /** How far ahead events and the default control are translated, s (default 86 400). */
  horizon_seconds?: number;
}

type Limit = "opModImpLimW" | "opModExpLimW" | "opModGenLimW" | "opModLoadLimW";
const LIMITS: readonly Limit[] = ["opModImpLimW", "opModExpLimW", "opModGenLimW", "opModLoadLimW"];
/**
 * Import and load limits bound consumption, export and generation limits bound generation. An
 * import limit bounds net import (consumption − generation); as a CONSUMPTION_CAP it is applied
 * without counting on generation, the conservative side (D-012); likewise an export limit.
 */
const CONSTRAINT: Record<ConstraintType, readonly Limit[]> = {
  CONSUMPTION_CAP: ["opModImpLimW", "opModLoadLimW"],
  GENERATION_CAP: ["opModExpLimW", "opModGenLimW"],
  NET_CAP: [],
};
const TRANSLATED: readonly ConstraintType[] = ["CONSUMPTION_CAP", "GENERATION_CAP"];
/** Scheduled and Active events apply; Cancelled (2, 3) and Superseded (4) do not. */
const LIVE_STATUS = new Set([0, 1]);

export interface CsipTranslation {
  constraint_type: ConstraintType;
  envelope: OperatingEnvelope;
  duplicate: boolean;
}

/**
 * IEEE 2030.5 CSIP-AUS → MicrogridOperatingEnvelopeWritePort. One update is every DERProgram in
 * force for a site (a poll of its FunctionSetAssignments, or a notification). Over the horizon,
 * each instant takes the event that 2030.5 says wins: the DERControl of the program with the
 * lowest `primacy` value, then the latest `creationTime` (then the greatest mRID, so the result is
 * deterministic); a limit the winning event does not carry, and every instant without an event,
 * takes the DefaultDERControl of the highest-priority program that has that limit. The import and
 * load limits become an OVERRIDE CONSUMPTION_CAP envelope on the mapped node, export and generation
 * limits an OVERRIDE GENERATION_CAP envelope, one block per stretch of equal value. A repeated
 * update is idempotent (same source_ref); a changed one supersedes (withdraws) the envelopes this
 * adapter submitted for the site before; a limit no longer in force is withdrawn.
 * The horizon starts at the current hour, so polls within the hour translate identically (until a
 * stretch is over: it is left out).
 */
export class CsipAusAdapter {
  private readonly sites: Map<string, CsipSiteMapping>;
  private readonly horizon: number;

  constructor(private readonly port: MicrogridOperatingEnvelopeWritePort, private readonly options: CsipAusAdapterOptions) {
    this.sites = new Map(options.sites.map((s) => [s.lfdi.toLowerCase(), s]));
    this.horizon = options.horizon_seconds ?? 86_400;
  }

  async applyDerPrograms(update: DerProgramsUpdate): Promise<{ translations: CsipTranslation[]; withdrawn: string[] }> {
    if (typeof update?.lfdi !== "string" || update.lfdi.length === 0) throw invalid("lfdi", "LFDI_REQUIRED");
    const site = this.sites.get(update.lfdi.toLowerCase());
    if (!site) throw fail("CSIP_SITE_UNKNOWN", `EndDevice ${update.lfdi} is not mapped`, { lfdi: update.lfdi });
    validatePrograms(update.programs);
    const from = Math.floor(this.options.now().getTime() / 3_600_000) * 3600;
    const to = from + this.horizon;
    // a stretch already over is not an envelope (the microgrid refuses a window in the past)
    const nowS = this.options.now().getTime() / 1000;
    const stretches = resolve(update.programs, from, to).filter((x) => x.to > nowS);
    const lfdi = site.lfdi.toLowerCase();
    const translations: CsipTranslation[] = [];
    const withdrawn: string[] = [];
    for (const type of TRANSLATED) {
      const blocks = blocksFor(stretches, CONSTRAINT[type]);
      const prefix = `csip-aus:${lfdi}:${type}:`;
      let keep: string | null = null;
      if (blocks.length > 0) {
        const result = await this.port.submitEnvelope({
          microgrid_id: site.microgrid_id,
          node_id: site.node_id,
          origin_control_point_id: site.origin_control_point_id ?? null,
          envelope_type: "OVERRIDE",
          constraint_type: type,
          effective_from: (blocks[0] as Block).block_from,
          effective_to: (blocks.at(-1) as Block).block_to,
          source_ref: prefix + digest(JSON.stringify(blocks)),
          blocks,
        });
        if (result.envelope.status === "REJECTED") {
          throw fail("CSIP_MESSAGE_INVALID", `envelope rejected: ${result.envelope.rejection_reason}`, { lfdi: update.lfdi, envelope_id: result.envelope.envelope_id, violated_rule: result.envelope.rejection_reason });
        }
        keep = result.envelope.envelope_id;
        translations.push({ constraint_type: type, envelope: result.envelope, duplicate: result.duplicate });
      }
      for (const e of this.port.envelopesOf(site.microgrid_id, site.node_id)) {
        if (e.envelope_id !== keep && e.source_ref.startsWith(prefix)) {
          await this.port.withdrawEnvelope(e.envelope_id, `csip-aus:${lfdi}`);
          withdrawn.push(e.envelope_id);
        }
      }
    }
    return { translations, withdrawn };
  }
}

interface Stretch {
  from: number;
  to: number;
  values: Partial<Record<Limit, number>>;
}
type Block = { block_from: string; block_to: string; max_limit_watts: number; target_watts: null };

function invalid(path: string, rule: string, extra: Record<string, unknown> = {}) {
  return fail("CSIP_MESSAGE_INVALID", `${path}: ${rule}`, { path, violated_rule: rule, ...extra });
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

export function wattsOf(p: ActivePower): number {
  return p.value * 10 ** p.multiplier;
}

function validateBase(base: unknown, path: string): void {
  if (typeof base !== "object" || base === null || Array.isArray(base)) throw invalid(path, "DER_CONTROL_BASE_IS_OBJECT");
  for (const limit of LIMITS) {
    const p = (base as DERControlBase)[limit];
    if (p === undefined) continue;
    // PowerOfTenMultiplierType −9…9; ActivePower.value Int16
    if (!isInt(p?.multiplier, -9, 9) || !isInt(p?.value, -32768, 32767)) throw invalid(`${path}.${limit}`, "ACTIVE_POWER_IS_MULTIPLIER_AND_INT16_VALUE");
    if (wattsOf(p) < 0) throw invalid(`${path}.${limit}`, "LIMIT_NOT_NEGATIVE");
  }
}

function validatePrograms(programs: unknown): asserts programs is DERProgram[] {
  if (!Array.isArray(programs)) throw invalid("programs", "PROGRAMS_IS_ARRAY");
  const ids = new Set<string>();
  for (const [i, p] of (programs as DERProgram[]).entries()) {
    const path = `programs[${i}]`;
    if (typeof p?.mRID !== "string" || p.mRID.length === 0) throw invalid(`${path}.mRID`, "MRID_REQUIRED");
    if (ids.has(p.mRID)) throw invalid(`${path}.mRID`, "PROGRAM_MRID_UNIQUE", { mRID: p.mRID });
    ids.add(p.mRID);
    if (!isInt(p.primacy, 0, 255)) throw invalid(`${path}.primacy`, "PRIMACY_IS_UINT8");
    if (p.DefaultDERControl !== undefined && p.DefaultDERControl !== null) validateBase(p.DefaultDERControl.DERControlBase, `${path}.DefaultDERControl.DERControlBase`);
    if (!Array.isArray(p.DERControlList)) throw invalid(`${path}.DERControlList`, "CONTROL_LIST_IS_ARRAY");
    for (const [j, c] of p.DERControlList.entries()) {
      const cp = `${path}.DERControlList[${j}]`;
      if (typeof c?.mRID !== "string" || c.mRID.length === 0) throw invalid(`${cp}.mRID`, "MRID_REQUIRED");
      if (!isInt(c.creationTime, 0, Number.MAX_SAFE_INTEGER)) throw invalid(`${cp}.creationTime`, "TIME_IS_UNIX_SECONDS");
      if (!isInt(c.EventStatus?.currentStatus, 0, 4)) throw invalid(`${cp}.EventStatus.currentStatus`, "CURRENT_STATUS_0_TO_4");
      if (!isInt(c.interval?.start, 0, Number.MAX_SAFE_INTEGER)) throw invalid(`${cp}.interval.start`, "TIME_IS_UNIX_SECONDS");
      if (!isInt(c.interval?.duration, 1, 4_294_967_295)) throw invalid(`${cp}.interval.duration`, "DURATION_IS_POSITIVE_SECONDS");
      validateBase(c.DERControlBase, `${cp}.DERControlBase`);
    }
  }
}

/** Which control wins at each instant of [from, to), as stretches of constant values. */
function resolve(programs: readonly DERProgram[], from: number, to: number): Stretch[] {
  const events: Array<{ c: DERControl; primacy: number }> = [];
  for (const p of programs) {
    for (const c of p.DERControlList) {
      if (!LIVE_STATUS.has(c.EventStatus.currentStatus)) continue;
      if (c.interval.start + c.interval.duration <= from || c.interval.start >= to) continue;
      events.push({ c, primacy: p.primacy });
    }
  }
  const byPriority = [...programs].sort((a, b) => a.primacy - b.primacy || (a.mRID < b.mRID ? -1 : 1));
  const defaults: Partial<Record<Limit, number>> = {};
  for (const limit of LIMITS) {
    const p = byPriority.find((x) => x.DefaultDERControl?.DERControlBase?.[limit] !== undefined);
    if (p) defaults[limit] = wattsOf(p.DefaultDERControl?.DERControlBase[limit] as ActivePower);
  }
  const cuts = new Set([from, to]);
  for (const { c } of events) {
    cuts.add(Math.max(from, c.interval.start));
    cuts.add(Math.min(to, c.interval.start + c.interval.duration));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Stretch[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k] as number;
    const b = points[k + 1] as number;
    let win: { c: DERControl; primacy: number } | undefined;
    for (const e of events) {
      if (e.c.interval.start > a || e.c.interval.start + e.c.interval.duration < b) continue;
      if (!win || e.primacy < win.primacy || (e.primacy === win.primacy && (e.c.creationTime > win.c.creationTime || (e.c.creationTime === win.c.creationTime && e.c.mRID > win.c.mRID)))) win = e;
    }
    const values: Partial<Record<Limit, number>> = {};
    for (const limit of LIMITS) {
      const own = win?.c.DERControlBase[limit];
      const v = own !== undefined ? wattsOf(own) : defaults[limit];
      if (v !== undefined) values[limit] = v;
    }
    const last = out.at(-1);
    if (last && last.to === a && JSON.stringify(last.values) === JSON.stringify(values)) last.to = b;
    else out.push({ from: a, to: b, values });
  }
  return out;
}

/** Blocks of one constraint: the strictest of its limits per stretch; stretches without one are gaps. */
function blocksFor(stretches: readonly Stretch[], limits: readonly Limit[]): Block[] {
  const out: Block[] = [];
  for (const s of stretches) {
    const vs = limits.map((l) => s.values[l]).filter((v): v is number => v !== undefined);
    if (vs.length === 0) continue;
    const w = Math.round(Math.min(...vs));
    const last = out.at(-1);
    const fromIso = new Date(s.from * 1000).toISOString();
    if (last && last.block_to === fromIso && last.max_limit_watts === w) last.block_to = new Date(s.to * 1000).toISOString();
    else out.push({ block_from: fromIso, block_to: new Date(s.to * 1000).toISOString(), max_limit_watts: w, target_watts: null });
  }
  return out;
}
