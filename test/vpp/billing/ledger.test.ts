import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BillingLedger, dayRange } from "../../../src/vpp/billing/ledger.ts";
import { CSV_HEADER } from "../../../src/vpp/billing/csv.ts";
import type { IntervalRecord } from "../../../src/vpp/billing/types.ts";

const T0 = Date.parse("2026-06-01T00:00:00Z");
const Q = 900_000;

function row(i: number, revision = 0, importMilliWh = 1000 * (i + 1), meterId = "m1"): IntervalRecord {
  return {
    meterId,
    intervalStartMs: T0 + i * Q,
    fromMs: T0 + i * Q,
    intervalEndMs: T0 + (i + 1) * Q,
    revision,
    kind: revision === 0 ? "original" : "adjustment",
    importMilliWh,
    exportMilliWh: 0,
    estimated: revision > 0,
    tariffId: "flat",
    period: "flat, \"quoted\"",
    importPricePerKwh: 0.15,
    exportPricePerKwh: 0.05,
    amount: (importMilliWh / 1e6) * 0.15,
    recordedAtMs: T0 + (i + 1) * Q,
  };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("billing ledger", () => {
  it("sums originals and adjustments per interval, idempotently, and survives a reopen", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridthings-ledger-"));
    dirs.push(dir);
    const ledger = BillingLedger.open(dir);
    const batch = { records: [row(0), row(1), row(1, 1, -250)], readings: [{ meterId: "m1", timeMs: T0, sequence: 0, importMilliWh: 0, exportMilliWh: 0, activePowerW: 1 }], anchors: [{ meterId: "m1", timeMs: T0, sequence: 0, importMilliWh: 0, exportMilliWh: 0, activePowerW: 1 }] };
    ledger.commit(batch);
    ledger.commit(batch); // a redelivered batch is a no-op
    ledger.close();
    const again = BillingLedger.open(dir);
    try {
      expect(again.rowCount()).toEqual({ intervals: 3, readings: 1 });
      const intervals = again.intervals("m1", T0, T0 + 86_400_000);
      expect(intervals.map((i) => [i.intervalStart, i.importWh, i.adjustments, i.estimated])).toEqual([
        ["2026-06-01T00:00:00.000Z", 1, 0, false],
        ["2026-06-01T00:15:00.000Z", 1.75, 1, true],
      ]);
      expect(again.totals("m1").importMilliWh).toBe(2750);
      expect(again.meters()).toEqual(["m1"]);
      const restored = again.restoreState(3_600_000);
      expect(restored[0]!.billing.intervals.find((i) => i.intervalStartMs === T0 + Q)).toMatchObject({ importMilliWh: 1750, revision: 1, estimated: true });
    } finally {
      again.close();
    }
  });

  it("write() is visible at once and durable after sync(); many readings go in 50 per statement, in any order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridthings-ledger-"));
    dirs.push(dir);
    const ledger = BillingLedger.open(dir);
    // 123 readings of 3 meters, interleaved as the stream delivers them: 2 statements of 50, 23 alone.
    const readings = Array.from({ length: 123 }, (_, i) => ({ meterId: `m${i % 3}`, timeMs: T0 + Math.floor(i / 3) * 15_000, sequence: Math.floor(i / 3), importMilliWh: i, exportMilliWh: 0, activePowerW: 1 }));
    ledger.write({ records: [row(0)], readings, anchors: [] });
    expect(ledger.rowCount()).toEqual({ intervals: 1, readings: 123 });
    await ledger.sync();
    ledger.write({ records: [], readings: readings.slice(0, 60), anchors: [] }); // redelivered: no-op
    await ledger.sync();
    ledger.close();
    const again = BillingLedger.open(dir);
    try {
      expect(again.rowCount()).toEqual({ intervals: 1, readings: 123 });
    } finally {
      again.close();
    }
    await expect(BillingLedger.open(null).sync()).resolves.toBeUndefined();
  });

  const readingsFrom = (from: number, count: number) =>
    Array.from({ length: count }, (_, k) => ({ meterId: `m${(from + k) % 5}`, timeMs: T0 + (from + k) * 1000, sequence: from + k, importMilliWh: from + k, exportMilliWh: 0, activePowerW: 1 }));
  const freshLedgerDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridthings-ledger-"));
    dirs.push(dir);
    return dir;
  };
  /** Writes batches of 100 readings until a checkpoint starts; returns how many were written. */
  const writeUntilCheckpoint = async (ledger: BillingLedger, from = 0) => {
    let n = from;
    while (!ledger.checkpointing) {
      ledger.write({ records: [], readings: readingsFrom(n, 100), anchors: [] });
      await ledger.sync();
      n += 100;
      if (n - from > 100_000) throw new Error("no checkpoint started");
    }
    return n;
  };

  it("checkpoints off the event loop once the WAL passes its limit: the WAL is truncated and every row is kept", async () => {
    const dir = await freshLedgerDir();
    const ledger = BillingLedger.open(dir, { checkpointWalBytes: 64 * 1024 });
    const written = await writeUntilCheckpoint(ledger);
    expect(statSync(join(dir, "billing.sqlite-wal")).size).toBeGreaterThanOrEqual(64 * 1024);
    await ledger.checkpointing;
    expect(ledger.checkpointing).toBeUndefined();
    expect(statSync(join(dir, "billing.sqlite-wal")).size).toBe(0);
    expect(ledger.checkpointStats).toEqual({ started: 1, finishedInline: 0 });
    ledger.write({ records: [row(0)], readings: readingsFrom(written, 10), anchors: [] });
    await ledger.sync();
    expect(ledger.rowCount()).toEqual({ intervals: 1, readings: written + 10 });
    ledger.close();
    const again = BillingLedger.open(dir);
    try {
      expect(again.rowCount()).toEqual({ intervals: 1, readings: written + 10 });
    } finally {
      again.close();
    }
  });

  it("a write during a checkpoint finishes the checkpoint first, in order, and loses nothing", async () => {
    const dir = await freshLedgerDir();
    const ledger = BillingLedger.open(dir, { checkpointWalBytes: 64 * 1024 });
    const written = await writeUntilCheckpoint(ledger);
    const pending = ledger.checkpointing;
    ledger.write({ records: [], readings: readingsFrom(written, 50), anchors: [] }); // not waiting
    expect(ledger.checkpointStats.finishedInline).toBe(1);
    await expect(pending).resolves.toBeUndefined();
    await ledger.sync();
    const after = await writeUntilCheckpoint(ledger, written + 50);
    await ledger.checkpointing;
    expect(ledger.checkpointStats.started).toBe(2);
    ledger.close();
    const db = new Database(join(dir, "billing.sqlite"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect((db.prepare("SELECT COUNT(*) AS n FROM readings").get() as { n: number }).n).toBe(after);
    } finally {
      db.close();
    }
  });

  it("refuses a checkpoint limit that is not a whole number of bytes of at least 4096", () => {
    for (const bad of [0, 100, 4096.5, Number.NaN]) {
      expect(() => BillingLedger.open(null, { checkpointWalBytes: bad }), String(bad)).toThrow(expect.objectContaining({ code: "BILLING_BAD_ARGUMENT" }));
    }
  });

  it("kill -9 while writing and checkpointing loses no reading that sync() acknowledged, and leaves an intact file", async () => {
    const dir = await freshLedgerDir();
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "ledger-writer-child.ts"), dir], { stdio: ["ignore", "pipe", "pipe"] });
    let acked = 0;
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        if (lines.length > 0) acked = Number(lines.at(-1));
        if (acked >= 20_000) resolve(); // about 12 checkpoints of 64 KiB
      });
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const again = BillingLedger.open(dir);
    try {
      expect(again.rowCount().readings).toBeGreaterThanOrEqual(acked);
    } finally {
      again.close();
    }
    const db = new Database(join(dir, "billing.sqlite"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }
  }, 60_000);

  it("a second process (here: a second open) cannot write the same ledger", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridthings-ledger-"));
    dirs.push(dir);
    const first = BillingLedger.open(dir);
    try {
      expect(() => BillingLedger.open(dir)).toThrow(expect.objectContaining({ code: "BILLING_STORE_LOCKED" }));
    } finally {
      first.close();
    }
  });

  it("exports one CSV line per row of a UTC day, quoted where needed", () => {
    const ledger = BillingLedger.open(null);
    try {
      ledger.commit({ records: [row(0), row(95), row(96), row(1, 1, 5)], readings: [], anchors: [] });
      const csv = ledger.exportCsv("m1", "2026-06-01");
      const lines = csv.trimEnd().split("\r\n");
      expect(lines[0]).toBe(CSV_HEADER);
      expect(lines).toHaveLength(4); // rows 0, 1 (adjustment), 95; row 96 is the next day
      expect(lines[1]).toBe('m1,2026-06-01T00:00:00.000Z,2026-06-01T00:15:00.000Z,2026-06-01T00:00:00.000Z,0,original,1.000,0.000,false,flat,"flat, ""quoted""",0.15,0.05,0.000150');
      expect(lines[2]).toContain(",1,adjustment,0.005,");
      expect(ledger.exportCsv("m1", "2026-06-03").trimEnd()).toBe(CSV_HEADER);
      expect(ledger.exportCsv("nobody", "2026-06-01").trimEnd()).toBe(CSV_HEADER);
    } finally {
      ledger.close();
    }
  });

  const badExports: Array<[string, unknown, unknown]> = [
    ["day not a date", "m1", "yesterday"],
    ["day in another format", "m1", "01/06/2026"],
    ["impossible day", "m1", "2026-02-30"],
    ["day a number", "m1", 20260601],
    ["meter id empty", "", "2026-06-01"],
    ["meter id with a wildcard", "m/#", "2026-06-01"],
    ["meter id not a string", 42, "2026-06-01"],
  ];
  for (const [name, meter, day] of badExports) {
    it(`CSV export refuses: ${name}`, () => {
      const ledger = BillingLedger.open(null);
      try {
        expect(() => ledger.exportCsv(meter as string, day as string)).toThrow(expect.objectContaining({ code: "BILLING_BAD_ARGUMENT" }));
      } finally {
        ledger.close();
      }
    });
  }

  it("queries refuse bad ranges; a closed ledger refuses writes", () => {
    const ledger = BillingLedger.open(null);
    expect(() => ledger.intervals("m1", "not a time", T0)).toThrow(expect.objectContaining({ code: "BILLING_BAD_ARGUMENT" }));
    expect(() => ledger.records("m1", T0 + 1, T0)).toThrow(/to is before from/);
    ledger.close();
    expect(() => ledger.commit({ records: [row(0)], readings: [], anchors: [] })).toThrow(expect.objectContaining({ code: "BILLING_STORE_FAILED" }));
    expect(dayRange("2024-02-29")[1] - dayRange("2024-02-29")[0]).toBe(86_400_000);
  });

  it("cannot open a ledger where no directory can be made", () => {
    // a path under a regular file
    expect(() => BillingLedger.open(join(import.meta.filename, "sub"))).toThrow(expect.objectContaining({ code: "BILLING_STORE_FAILED" }));
  });
});
