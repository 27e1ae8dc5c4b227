/** IEEE 2030.5 CSIP-AUS import/export limits → OVERRIDE envelopes through the write port. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CsipAusAdapter } from "../../../src/microgrid-api/csip-aus/csip-aus-adapter.ts";
import type { DERControl, DERControlBase, DERProgram } from "../../../src/microgrid-api/csip-aus/messages.ts";
import type { MicrogridDefinition } from "../../../src/microgrid-api/seed-data.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";

const DEF = JSON.parse(readFileSync(new URL("../../../tds/microgrid/demo-depot.microgrid.json", import.meta.url), "utf8")) as MicrogridDefinition;
const MG = DEF.microgrid_id;
const LFDI = "3E4F45AB31EDFE5B67E343E5E4562E31984E23E5";
const T0 = Date.parse("2026-05-01T10:20:00Z");
const H = Date.parse("2026-05-01T10:00:00Z") / 1000; // the current hour, unix s
const iso = (s: number) => new Date(s * 1000).toISOString();

async function setup(horizon_seconds = 4 * 3600) {
  const clock = { t: T0 };
  const now = () => new Date(clock.t);
  let n = 0;
  const service = await MicrogridService.open({ storage: new InMemoryStorage(), now, newId: (k) => `${k}-${++n}`, definitions: [DEF] });
  const adapter = new CsipAusAdapter(service, { sites: [{ lfdi: LFDI, microgrid_id: MG, node_id: "gc-f-n1a" }], now, horizon_seconds });
  return { clock, service, adapter };
}

const kw = (value: number) => ({ multiplier: 3, value });
const control = (mRID: string, start: number, duration: number, base: DERControlBase, extra: Partial<DERControl> = {}): DERControl => ({
  mRID, creationTime: H - 3600, EventStatus: { currentStatus: 0 }, interval: { start, duration }, DERControlBase: base, ...extra,
});
const program = (mRID: string, primacy: number, controls: DERControl[], defaults?: DERControlBase): DERProgram => ({
  mRID, primacy, DERControlList: controls, ...(defaults ? { DefaultDERControl: { mRID: `${mRID}-default`, DERControlBase: defaults } } : {}),
});
const blocks = (r: Awaited<ReturnType<CsipAusAdapter["applyDerPrograms"]>>, type: string) =>
  r.translations.find((t) => t.constraint_type === type)?.envelope.blocks.map((b) => [b.block_from.slice(11, 16), b.block_to.slice(11, 16), b.max_limit_watts]);

describe("CSIP-AUS adapter", () => {
  it("an import limit becomes an OVERRIDE CONSUMPTION_CAP envelope, an export limit a GENERATION_CAP one (ActivePower × 10^multiplier)", async () => {
    const { adapter, service } = await setup();
    const r = await adapter.applyDerPrograms({ lfdi: LFDI, programs: [program("p1", 1, [control("c1", H, 3600, { opModImpLimW: kw(150), opModExpLimW: { multiplier: 0, value: 5000 } })])] });
    expect(blocks(r, "CONSUMPTION_CAP")).toEqual([["10:00", "11:00", 150000]]);
    expect(blocks(r, "GENERATION_CAP")).toEqual([["10:00", "11:00", 5000]]);
    expect(r.translations[0]?.envelope).toMatchObject({ envelope_type: "OVERRIDE", node_id: "gc-f-n1a", microgrid_id: MG });
    await service.evaluateLifecycle();
    expect(service.activeEnvelopes(MG).map((e) => e.constraint_type).sort()).toEqual(["CONSUMPTION_CAP", "GENERATION_CAP"]);
    // the strictest active value wins at the node: the 150 kW import limit is below the 400 kW cap
    expect((await service.getEffectiveCircuitCapacity("f-n1a")).effective_capacity_watts).toBe(150000);
    // nothing protocol-specific in the microgrid: only the opaque source_ref names CSIP-AUS
    expect(JSON.stringify(r.translations[0]?.envelope)).not.toMatch(/mRID|primacy|opMod/);
  });

  it.each<[string, DERProgram[], Array<[string, string, number]>]>([
    // 2030.5 primacy, not "strictest": the primacy-1 program's 50 kW wins over primacy 2's 20 kW where they overlap
    ["lower primacy value wins", [program("p2", 2, [control("b", H, 7200, { opModImpLimW: kw(20) })]), program("p1", 1, [control("a", H + 3600, 3600, { opModImpLimW: kw(50) })])], [["10:00", "11:00", 20000], ["11:00", "12:00", 50000]]],
    // within one program the event created last wins
    ["later creationTime wins", [program("p1", 1, [control("old", H, 7200, { opModImpLimW: kw(30) }, { creationTime: H - 100 }), control("new", H + 1800, 1800, { opModImpLimW: kw(60) }, { creationTime: H - 50 })])], [["10:00", "10:30", 30000], ["10:30", "11:00", 60000], ["11:00", "12:00", 30000]]],
    // the default control fills every instant without an event, to the horizon
    ["default fills the gaps", [program("p1", 1, [control("e", H + 3600, 1800, { opModImpLimW: kw(40) })], { opModImpLimW: kw(100) })], [["10:00", "11:00", 100000], ["11:00", "11:30", 40000], ["11:30", "14:00", 100000]]],
    // an event without an import limit leaves the default's import limit in force
    ["event without the limit", [program("p1", 1, [control("e", H, 3600, { opModExpLimW: kw(1) })], { opModImpLimW: kw(100) })], [["10:00", "14:00", 100000]]],
    // the default of the highest-priority program that has the limit
    ["default by primacy", [program("p2", 2, [], { opModImpLimW: kw(80) }), program("p1", 1, [], { opModImpLimW: kw(90) })], [["10:00", "14:00", 90000]]],
    // the load limit is a consumption bound too: the stricter of import and load per stretch
    ["import and load", [program("p1", 1, [control("e", H, 3600, { opModImpLimW: kw(70), opModLoadLimW: kw(60) })])], [["10:00", "11:00", 60000]]],
    // cancelled (2, 3) and superseded (4) events do not apply; neither do events outside the horizon or already over
    [
      "not live or out of window",
      [program("p1", 1, [
        control("c2", H, 3600, { opModImpLimW: kw(1) }, { EventStatus: { currentStatus: 2 } }),
        control("c3", H, 3600, { opModImpLimW: kw(1) }, { EventStatus: { currentStatus: 3 } }),
        control("c4", H, 3600, { opModImpLimW: kw(1) }, { EventStatus: { currentStatus: 4 } }),
        control("past", H - 7200, 3600, { opModImpLimW: kw(1) }),
        control("far", H + 5 * 3600, 3600, { opModImpLimW: kw(1) }),
        control("over", H, 900, { opModImpLimW: kw(2) }), // 10:00–10:15, over at 10:20
        control("live", H + 600, 1800, { opModImpLimW: kw(33) }, { EventStatus: { currentStatus: 1 } }),
      ])],
      [["10:15", "10:40", 33000]],
    ],
  ])("%s", async (_name, programs, expected) => {
    const { adapter } = await setup();
    expect(blocks(await adapter.applyDerPrograms({ lfdi: LFDI, programs }), "CONSUMPTION_CAP")).toEqual(expected);
  });

  it("is idempotent within the hour and whatever the program order; a changed update supersedes; a limit no longer in force is withdrawn", async () => {
    const { adapter, service, clock } = await setup();
    const programs = [program("p1", 1, [control("a", H, 3600, { opModImpLimW: kw(50), opModExpLimW: kw(5) })]), program("p2", 2, [], { opModImpLimW: kw(100) })];
    const a = await adapter.applyDerPrograms({ lfdi: LFDI, programs });
    clock.t += 20 * 60_000;
    const b = await adapter.applyDerPrograms({ lfdi: LFDI.toLowerCase(), programs: [...programs].reverse() });
    expect(b.translations.map((t) => t.duplicate)).toEqual([true, true]);
    expect(b.translations.map((t) => t.envelope.envelope_id)).toEqual(a.translations.map((t) => t.envelope.envelope_id));
    expect(b.withdrawn).toEqual([]);
    const c = await adapter.applyDerPrograms({ lfdi: LFDI, programs: [program("p1", 1, [control("a", H, 3600, { opModImpLimW: kw(45) })])] });
    const [oldImport, oldExport] = a.translations.map((t) => t.envelope.envelope_id);
    expect(c.withdrawn.sort()).toEqual([oldImport, oldExport].sort()); // import superseded, export no longer in force
    expect(service.envelopes(MG, { status: "WITHDRAWN" }).map((e) => e.envelope_id).sort()).toEqual([oldImport, oldExport].sort());
    const d = await adapter.applyDerPrograms({ lfdi: LFDI, programs: [] });
    expect(d.translations).toEqual([]);
    expect(d.withdrawn).toEqual([c.translations[0]?.envelope.envelope_id]);
  });

  it("refuses an unknown site and malformed programs with the path and rule; nothing is submitted", async () => {
    const { adapter, service } = await setup();
    await expect(adapter.applyDerPrograms({ lfdi: "00", programs: [] })).rejects.toMatchObject({ code: "CSIP_SITE_UNKNOWN", status: 404 });
    const ok = () => control("c", H, 3600, { opModImpLimW: kw(50) });
    const rows: Array<[string, unknown, string]> = [
      ["no lfdi", { programs: [] }, "LFDI_REQUIRED"],
      ["programs not a list", { lfdi: LFDI, programs: {} }, "PROGRAMS_IS_ARRAY"],
      ["primacy above 255", { lfdi: LFDI, programs: [program("p", 256, [ok()])] }, "PRIMACY_IS_UINT8"],
      ["primacy not an integer", { lfdi: LFDI, programs: [program("p", 1.5, [ok()])] }, "PRIMACY_IS_UINT8"],
      ["program without mRID", { lfdi: LFDI, programs: [program("", 1, [ok()])] }, "MRID_REQUIRED"],
      ["duplicate program", { lfdi: LFDI, programs: [program("p", 1, []), program("p", 2, [])] }, "PROGRAM_MRID_UNIQUE"],
      ["control list missing", { lfdi: LFDI, programs: [{ mRID: "p", primacy: 1 }] }, "CONTROL_LIST_IS_ARRAY"],
      ["multiplier out of range", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 60, { opModImpLimW: { multiplier: 10, value: 1 } })])] }, "ACTIVE_POWER_IS_MULTIPLIER_AND_INT16_VALUE"],
      ["value beyond Int16", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 60, { opModImpLimW: { multiplier: 0, value: 40000 } })])] }, "ACTIVE_POWER_IS_MULTIPLIER_AND_INT16_VALUE"],
      ["value as a string", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 60, { opModImpLimW: { multiplier: 0, value: "5" } as never })])] }, "ACTIVE_POWER_IS_MULTIPLIER_AND_INT16_VALUE"],
      ["negative limit", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 60, { opModExpLimW: kw(-1) })])] }, "LIMIT_NOT_NEGATIVE"],
      ["negative default", { lfdi: LFDI, programs: [program("p", 1, [], { opModImpLimW: kw(-5) })] }, "LIMIT_NOT_NEGATIVE"],
      ["zero duration", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 0, { opModImpLimW: kw(1) })])] }, "DURATION_IS_POSITIVE_SECONDS"],
      ["start not unix seconds", { lfdi: LFDI, programs: [program("p", 1, [control("c", -5, 60, { opModImpLimW: kw(1) })])] }, "TIME_IS_UNIX_SECONDS"],
      ["unknown event status", { lfdi: LFDI, programs: [program("p", 1, [control("c", H, 60, {}, { EventStatus: { currentStatus: 5 as never } })])] }, "CURRENT_STATUS_0_TO_4"],
      ["no DERControlBase", { lfdi: LFDI, programs: [program("p", 1, [{ ...ok(), DERControlBase: null as never }])] }, "DER_CONTROL_BASE_IS_OBJECT"],
    ];
    for (const [name, update, rule] of rows) {
      await expect(adapter.applyDerPrograms(update as never), name).rejects.toMatchObject({ code: "CSIP_MESSAGE_INVALID", status: 400, details: expect.objectContaining({ violated_rule: rule }) });
    }
    expect(service.envelopes(MG)).toEqual([]);
  });

  it("translates the same update to the same envelopes on every run (deterministic source_ref)", async () => {
    const programs = [program("p1", 1, [control("a", H + 900, 900, { opModImpLimW: kw(25) })], { opModImpLimW: kw(75), opModExpLimW: kw(10) })];
    const refs = async () => {
      const { adapter } = await setup();
      return (await adapter.applyDerPrograms({ lfdi: LFDI, programs })).translations.map((t) => [t.envelope.source_ref, t.envelope.effective_from, t.envelope.effective_to]);
    };
    const first = await refs();
    expect(await refs()).toEqual(first);
    expect(first[0]?.[1]).toBe(iso(H + 900)); // 10:00–10:15 (default) is over at 10:20
    expect(first[0]?.[2]).toBe(iso(H + 4 * 3600));
  });
});
