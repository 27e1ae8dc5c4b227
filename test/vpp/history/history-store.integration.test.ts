import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HistoryStore, ROLLUP_MS } from "../../../src/vpp/history/history-store.ts";
import type { HistoryPoint } from "../../../src/vpp/history/series.ts";

const T0 = Date.parse("2026-06-21T19:00:00Z");
const freq = (i: number, value: number, stepMs = 1000): HistoryPoint => ({ name: "grid.frequency", thingId: null, atMs: T0 + i * stepMs, value });

describe("HistoryStore", () => {
  let dir: string;
  let store: HistoryStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gt-history-"));
    store = new HistoryStore(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers min, avg, max and last per bucket from raw samples", async () => {
    await store.append([0, 1, 2, 3, 4, 5].map((i) => freq(i, 60 + i / 100)));
    const a = store.query({ name: "grid.frequency", fromMs: T0, toMs: T0 + 6000, points: 2 });
    expect(a.source).toBe("raw");
    expect(a.bucketMs).toBe(3000);
    expect(a.buckets).toHaveLength(2);
    expect(a.buckets[0]).toMatchObject({ at: "2026-06-21T19:00:00.000Z", n: 3, min: 60, max: 60.02, last: 60.02 });
    expect(a.buckets[0]!.avg).toBeCloseTo(60.01, 10);
    expect(a.buckets[1]).toMatchObject({ n: 3, min: 60.03, max: 60.05, last: 60.05 });
    expect(a.unit).toBe("Hz");
  });

  it("answers wide ranges from the one-minute rollups with the same figures", async () => {
    const points = Array.from({ length: 3 * 3600 }, (_, i) => freq(i, 60 + Math.sin(i / 100) / 10));
    await store.append(points);
    const rolled = store.query({ name: "grid.frequency", fromMs: T0, toMs: T0 + 3 * 3600_000, points: 3 });
    expect(rolled.source).toBe("rollup");
    expect(rolled.buckets).toHaveLength(3);
    const hour = points.slice(0, 3600).map((p) => p.value);
    expect(rolled.buckets[0]!.n).toBe(3600);
    expect(rolled.buckets[0]!.min).toBe(Math.min(...hour));
    expect(rolled.buckets[0]!.max).toBe(Math.max(...hour));
    expect(rolled.buckets[0]!.avg).toBeCloseTo(hour.reduce((s, v) => s + v, 0) / 3600, 9);
    expect(rolled.buckets[0]!.last).toBe(hour[3599]);
  });

  it("keeps one point per series and instant, counted once in the rollup", async () => {
    await store.append([freq(0, 60), freq(0, 61)]);
    await store.append([freq(0, 62)]);
    const raw = store.query({ name: "grid.frequency", fromMs: T0, toMs: T0 + 1000, points: 1 });
    expect(raw.buckets).toEqual([expect.objectContaining({ n: 1, min: 60, max: 60 })]);
    const rolled = store.query({ name: "grid.frequency", fromMs: T0, toMs: T0 + ROLLUP_MS, points: 1 });
    expect(rolled.source).toBe("rollup");
    expect(rolled.buckets[0]!.n).toBe(1);
  });

  it("lists series with unit, group, privacy and span; Thing series apart", async () => {
    await store.append([
      freq(0, 60),
      { name: "battery.soc", thingId: "urn:b1", atMs: T0, value: 50 },
      { name: "battery.soc", thingId: "urn:b2", atMs: T0 + 5000, value: 40 },
      { name: "meter.activePower", thingId: "urn:m1", atMs: T0, value: 900 },
    ]);
    const list = store.series();
    expect(list.map((s) => `${s.name}|${s.thingId}`)).toEqual(["battery.soc|urn:b1", "battery.soc|urn:b2", "grid.frequency|null", "meter.activePower|urn:m1"]);
    expect(list.find((s) => s.name === "meter.activePower")).toMatchObject({ privileged: true, group: "meters", unit: "W" });
    expect(list.find((s) => s.thingId === "urn:b2")).toMatchObject({ firstAt: "2026-06-21T19:00:05.000Z", lastAt: "2026-06-21T19:00:05.000Z", privileged: false });
    expect(store.query({ name: "battery.soc", thingId: "urn:b2", fromMs: T0, toMs: T0 + 10_000, points: 10 }).buckets).toHaveLength(1);
  });

  it("refuses bad points and bad queries", async () => {
    expect(() => store.append([{ ...freq(0, 60), name: "no.such" }])).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
    expect(() => store.append([freq(0, Number.NaN)])).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
    expect(() => store.append([{ ...freq(0, 60), atMs: 1.5 }])).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
    expect(() => store.append([{ ...freq(0, 60), thingId: "" }])).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
    await store.append([freq(0, 60)]);
    const q = { name: "grid.frequency", fromMs: T0, toMs: T0 + 1000, points: 10 };
    expect(() => store.query({ ...q, name: "nope" })).toThrow(expect.objectContaining({ code: "HISTORY_SERIES_NOT_FOUND" }));
    expect(() => store.query({ ...q, name: "battery.soc", thingId: "urn:none" })).toThrow(expect.objectContaining({ code: "HISTORY_SERIES_NOT_FOUND" }));
    expect(() => store.query({ ...q, toMs: T0 })).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
    for (const points of [0, 2001, 1.5]) expect(() => store.query({ ...q, points })).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
  });

  it("is durable across reopen, and samples refuse UPDATE in the file", async () => {
    await store.append([freq(0, 60), freq(1, 60.1)]);
    store.close();
    const db = new Database(join(dir, "history.sqlite"));
    expect(() => db.prepare("UPDATE samples SET value = 0").run()).toThrow(/append-only/);
    db.close();
    store = new HistoryStore(dir);
    expect(store.query({ name: "grid.frequency", fromMs: T0, toMs: T0 + 2000, points: 2 }).buckets.map((b) => b.last)).toEqual([60, 60.1]);
    expect(store.newest()).toBe("2026-06-21T19:00:01.000Z");
    await expect(Promise.resolve().then(() => { store.close(); return store.append([freq(2, 60)]); })).rejects.toMatchObject({ code: "HISTORY_STORE_FAILED" });
  });

  it("drops raw samples after the raw retention and rollups after the retention, on simulated time", async () => {
    store.close();
    store = new HistoryStore(dir, { rawRetentionMs: 3600_000, retentionMs: 2 * 3600_000, pruneEveryMs: 60_000 });
    // One point a minute for three hours.
    await store.append(Array.from({ length: 181 }, (_, i) => freq(i, 60 + i / 1000, 60_000)));
    const end = T0 + 180 * 60_000;
    const all = store.query({ name: "grid.frequency", fromMs: T0, toMs: end + 1, points: 2000 });
    expect(all.source).toBe("rollup");
    expect(Date.parse(all.buckets[0]!.at)).toBeGreaterThanOrEqual(end - 2 * 3600_000 - all.bucketMs);
    expect(all.buckets.reduce((n, b) => n + b.n, 0)).toBeLessThanOrEqual(121);
    const db = new Database(join(dir, "history.sqlite"));
    const oldestRaw = (db.prepare("SELECT min(at) AS m FROM samples").all() as Array<{ m: number }>)[0]!.m;
    db.close();
    expect(oldestRaw).toBeGreaterThanOrEqual(end - 3600_000);
    expect(() => new HistoryStore(join(dir, "x"), { retentionMs: -1 })).toThrow(expect.objectContaining({ code: "HISTORY_BAD_ARGUMENT" }));
  });
});
