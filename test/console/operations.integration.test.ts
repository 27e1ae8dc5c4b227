/**
 * The operations view's routes: the public summary, the privileged dispatch audit, and the VPP
 * part's billing meter list and JSON intervals; who may read what, and bad input on each.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { createConsolePart } from "../../src/console/part.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { BillingLedger } from "../../src/vpp/billing/ledger.ts";
import type { IntervalRecord } from "../../src/vpp/billing/types.ts";
import { ObjectMemory } from "../../src/vpp/memory/object-memory.ts";
import { createVppPart } from "../../src/vpp/part.ts";
import type { VppServient } from "../../src/vpp/servient.ts";

const tokens = new TokenTable([
  { token: "op-token", subject: "operator", roles: ["operator"] },
  { token: "pr-token", subject: "support", roles: ["privileged-reader"] },
  { token: "rd-token", subject: "reader", roles: ["reader"] },
  { token: "old-token", subject: "old", roles: ["operator"], expiresAt: "2000-01-01T00:00:00Z" },
]);
const T0 = Date.parse("2026-06-21T00:00:00Z");
const Q = 15 * 60_000;
const BESS = "urn:gridthings:small:bess-north-1";

function row(meterId: string, i: number, revision = 0, estimated = false): IntervalRecord {
  const importMilliWh = revision === 0 ? 100_000 : 5_000;
  return {
    meterId, intervalStartMs: T0 + i * Q, fromMs: T0 + i * Q, intervalEndMs: T0 + (i + 1) * Q, revision, kind: revision === 0 ? "original" : "adjustment",
    importMilliWh, exportMilliWh: 0, estimated, tariffId: "flat", period: "day", importPricePerKwh: 0.2, exportPricePerKwh: 0.05, amount: (importMilliWh / 1e6) * 0.2, recordedAtMs: T0 + (i + 1) * Q,
  };
}

describe("console operations routes and the VPP's billing JSON", () => {
  const dir = mkdtempSync(join(tmpdir(), "console-ops-"));
  const memory = new ObjectMemory(dir);
  const ledger = BillingLedger.open(null);
  const vpp = {
    status: () => ({ simTime: "2026-06-21T19:00:00.000Z" }),
    incidents: () => ({ active: [{ id: "INC-1", kind: "FREQUENCY_EXCURSION", openedAt: "2026-06-21T19:00:00Z", worstValue: 59.95, worstDeviation: -0.05, detail: "frequency" }], archived: [], nominalSinceMs: undefined, counter: 1 }),
    tasks: () => [{ id: "TASK-1", thingId: BESS, code: "E1", message: "fan", team: "Maintenance", createdAt: "2026-06-21T19:00:00Z", status: "open" }],
    outboxEntries: () => [{ key: "k", channel: "sms", to: "+15550100001", subject: "Battery discharged", body: "…", at: "2026-06-21T19:00:00Z", deliveredBy: "outbox", status: "delivered" }],
    objectMemory: () => memory,
    billingLedger: () => ledger,
    reportHtml: () => "<html><body>report</body></html>",
  } as unknown as VppServient;
  let door: FrontDoor;
  let bare: FrontDoor;
  let url: string;
  let bareUrl: string;
  const get = async (path: string, token?: string, base = url) => {
    const r = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await r.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // CSV or HTML
    }
    return { status: r.status, body, type: r.headers.get("content-type") ?? "" };
  };

  beforeAll(async () => {
    const sources = { tokens, vpp: () => vpp, microgrid: () => undefined, site: () => undefined, frontDoor: () => undefined };
    door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createVppPart({ tokens, servient: () => vpp }), createConsolePart(sources)] });
    url = await door.start();
    bare = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ ...sources, vpp: () => undefined })] });
    bareUrl = await bare.start();
    const cmd = (thingId: string, affordance: string, value: unknown, sequence: number, at: string) => ({ thingId, kind: "command" as const, name: affordance, at, body: { kind: "command", thingId, affordance, value, reason: "TRANSIENT_RESPONSE f=59.95", subject: "operator", at, sequence, simTime: "2026-06-21T19:00:00.000Z" } });
    const res = (thingId: string, affordance: string, body: unknown, at: string) => ({ thingId, kind: "command-result" as const, name: affordance, at, body });
    await memory.append([
      cmd(BESS, "target_output_kw", 40, 1, "2026-06-21T19:00:01.000Z"),
      res(BESS, "target_output_kw", { ok: true, sequence: 1 }, "2026-06-21T19:00:01.100Z"),
      cmd(BESS, "target_output_kw", 20, 2, "2026-06-21T19:00:02.000Z"),
      res(BESS, "target_output_kw", { ok: false, sequence: 2, error: "timeout", code: "VPP_DEVICE_WRITE_FAILED" }, "2026-06-21T19:00:02.100Z"),
      res(BESS, "target_output_kw", { ok: false, refused: "VPP_DISPATCH_RATE_LIMITED", value: 10 }, "2026-06-21T19:00:03.000Z"),
      cmd(BESS, "target_output_kw", 5, 3, "2026-06-21T19:00:04.000Z"),
      { thingId: BESS, kind: "state", name: "telemetry", at: "2026-06-21T19:00:04.500Z", body: { socPercent: 50 } },
    ]);
    ledger.commit({
      records: [row("meter-1", 0), row("meter-1", 1, 0, true), row("meter-1", 1, 1, true), row("meter-1", 96), row("meter-2", 0)],
      readings: [],
      anchors: [{ meterId: "meter-1", timeMs: T0, sequence: 1, importMilliWh: 0, exportMilliWh: 0, activePowerW: 0 }, { meterId: "meter-2", timeMs: T0, sequence: 1, importMilliWh: 0, exportMilliWh: 0, activePowerW: 0 }],
    });
  });
  afterAll(async () => {
    await door.stop();
    await bare.stop();
    await memory.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives anyone the aggregate summary, with counts and no names", async () => {
    for (const token of [undefined, "rd-token", "op-token"]) {
      const r = await get("/console/operations/summary", token);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ day: "2026-06-21", incidents: { active: 1, archived: 0 }, tasks: { open: 1, total: 1 }, outbox: { entries: 1, failed: 0 }, billing: { running: true, meters: 2 }, report: "/vpp/report" });
      expect(JSON.stringify(r.body)).not.toMatch(/meter-1|\+1555|bess-north/);
    }
  });

  it("refuses bad summary calls and answers 503 without a VPP", async () => {
    expect((await get("/console/operations/summary?x=1")).body.code).toBe("CONSOLE_BAD_REQUEST");
    for (const token of ["nope", "old-token"]) expect((await get("/console/operations/summary", token)).status).toBe(401);
    const r = await get("/console/operations/summary", undefined, bareUrl);
    expect(r.status).toBe(503);
    expect(r.body.code).toBe("CONSOLE_UNAVAILABLE");
  });

  it("gives the storage dispatch audit to privileged readers and operators only: commands with their results, refusals, newest first", async () => {
    expect((await get("/console/operations/dispatch-audit")).status).toBe(401);
    const reader = await get("/console/operations/dispatch-audit", "rd-token");
    expect(reader.status).toBe(403);
    expect(reader.body.code).toBe("CONSOLE_FORBIDDEN");
    expect((await get("/console/operations/dispatch-audit", "old-token")).status).toBe(401);
    for (const token of ["pr-token", "op-token"]) {
      const r = await get("/console/operations/dispatch-audit", token);
      expect(r.status).toBe(200);
      expect(r.body.commands).toBe(3);
      expect(r.body.rows.map((x: { result: string; value: unknown }) => [x.result, x.value])).toEqual([["pending", 5], ["refused", 10], ["failed", 20], ["ok", 40]]);
      expect(r.body.rows[3]).toMatchObject({ at: "2026-06-21T19:00:01.000Z", thingId: BESS, affordance: "target_output_kw", subject: "operator", sequence: 1, reason: "TRANSIENT_RESPONSE f=59.95", simTime: "2026-06-21T19:00:00.000Z", error: null });
      expect(r.body.rows[2].error).toBe("VPP_DEVICE_WRITE_FAILED: timeout");
      expect(r.body.rows[1].error).toBe("VPP_DISPATCH_RATE_LIMITED");
    }
    const limited = await get("/console/operations/dispatch-audit?limit=1", "op-token");
    expect(limited.body.rows).toHaveLength(1);
    const newest = await get("/console/operations/dispatch-audit?limit=3", "op-token");
    expect(newest.body.commands).toBe(3);
    expect(newest.body.rows.map((x: { result: string; value: unknown }) => [x.result, x.value])).toEqual([["pending", 5], ["refused", 10], ["failed", 20]]);
    const two = await get("/console/operations/dispatch-audit?limit=2", "op-token");
    expect(two.body.commands).toBe(2);
    expect(two.body.rows.map((x: { result: string; value: unknown }) => [x.result, x.value])).toEqual([["pending", 5], ["refused", 10]]);
    const since = await get(`/console/operations/dispatch-audit?since=${encodeURIComponent("2026-06-21T19:00:02.500Z")}`, "op-token");
    expect(since.body.rows.map((x: { value: unknown }) => x.value)).toEqual([5, 10]);
  });

  it("refuses bad dispatch-audit queries", async () => {
    for (const q of ["limit=0", "limit=1001", "limit=abc", "limit=1.5", "limit=-1", "since=yesterday", "since=2026-06-21", "since=2026-06-21T19:00:00", "since=2026-13-40T00:00:00Z", "kind=state", "limit=1&limit=2"]) {
      const r = await get(`/console/operations/dispatch-audit?${q}`, "op-token");
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe("CONSOLE_BAD_REQUEST");
    }
    expect((await get("/console/operations/dispatch-audit", "op-token", bareUrl)).status).toBe(503);
  });

  it("serves one meter's day as JSON to privileged readers and operators only: estimated intervals marked, adjustments shown", async () => {
    for (const path of ["/vpp/billing/meters", "/vpp/billing/meter-1/2026-06-21.json", "/vpp/billing/meter-1/2026-06-21.csv"]) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, "rd-token")).status, path).toBe(403);
    }
    expect((await get("/vpp/billing/meters", "pr-token")).body).toEqual(["meter-1", "meter-2"]);
    const r = await get("/vpp/billing/meter-1/2026-06-21.json", "op-token");
    expect(r.status).toBe(200);
    expect(r.type).toContain("application/json");
    expect(r.body.meterId).toBe("meter-1");
    expect(r.body.intervals.map((i: { intervalStart: string; estimated: boolean; adjustments: number; importWh: number }) => [i.intervalStart, i.estimated, i.adjustments, i.importWh])).toEqual([
      ["2026-06-21T00:00:00.000Z", false, 0, 100],
      ["2026-06-21T00:15:00.000Z", true, 1, 105],
    ]);
    expect(r.body.adjustments).toHaveLength(1);
    expect(r.body.adjustments[0]).toMatchObject({ revision: 1, kind: "adjustment", importMilliWh: 5000, estimated: true });
    expect((await get("/vpp/billing/meter-1/2026-06-22.json", "op-token")).body.intervals).toHaveLength(1);
    expect((await get("/vpp/billing/nobody/2026-06-21.json", "op-token")).body.intervals).toEqual([]);
    const csv = await get("/vpp/billing/meter-1/2026-06-21.csv", "pr-token");
    expect(csv.type).toContain("text/csv");
    expect(String(csv.body).trimEnd().split("\r\n")).toHaveLength(4);
  });

  it("refuses bad billing requests", async () => {
    const rows: Array<[string, number]> = [
      ["/vpp/billing/meter-1/2026-02-30.json", 400],
      ["/vpp/billing/meter-1/2026-06-21.xml", 400],
      ["/vpp/billing/meter-1/21-06-2026.json", 400],
      ["/vpp/billing/meter-1/2026-06-21.json.csv", 400],
      [`/vpp/billing/${encodeURIComponent("m#1")}/2026-06-21.json`, 400],
      [`/vpp/billing/${encodeURIComponent("m 1")}/2026-06-21.json`, 400],
    ];
    for (const [path, status] of rows) expect((await get(path, "op-token")).status, path).toBe(status);
    expect((await get("/vpp/billing/meter-1/2026-06-21.json", "old-token")).status).toBe(401);
  });
});
