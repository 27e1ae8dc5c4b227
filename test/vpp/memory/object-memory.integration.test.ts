import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ObjectMemory } from "../../../src/vpp/memory/object-memory.ts";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "vpp-memory-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const cmd = (at: string, kw: number) => ({ thingId: "bess-1", kind: "command" as const, name: "target_output_kw", at, body: { value: kw } });

describe("ObjectMemory", () => {
  it("keeps every entry per Thing in order, across a reopen", async () => {
    const dir = fresh();
    const m = new ObjectMemory(dir);
    await m.append([cmd("2026-01-01T00:00:00Z", 10), cmd("2026-01-01T00:00:01Z", 20)]);
    await m.append([{ thingId: "bess-2", kind: "state", name: "telemetry", at: "2026-01-01T00:00:02Z", body: { socPercent: 50 } }]);
    await m.close();
    const again = new ObjectMemory(dir);
    expect(again.query({ thingId: "bess-1" }).map((e) => (e.body as { value: number }).value)).toEqual([10, 20]);
    expect(again.things()).toEqual([{ thingId: "bess-1", entries: 2 }, { thingId: "bess-2", entries: 1 }]);
    expect(again.query({ kind: "state" })).toHaveLength(1);
    expect(again.query({ since: "2026-01-01T00:00:01Z", thingId: "bess-1" })).toHaveLength(1);
    expect(again.query({ afterSeq: 1, limit: 1 })).toHaveLength(1);
    await again.close();
  });

  it("gives the newest N matching entries, oldest first, without reading the rest", async () => {
    const m = new ObjectMemory(fresh());
    await m.append(Array.from({ length: 50 }, (_, i) => cmd(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), i)));
    await m.append([{ thingId: "bess-2", kind: "state", name: "telemetry", at: "2026-01-01T00:01:00Z", body: {} }]);
    const values = (q: Parameters<ObjectMemory["query"]>[0]) => m.query(q).map((e) => (e.body as { value: number }).value);
    expect(values({ kind: "command", newest: true, limit: 3 })).toEqual([47, 48, 49]);
    expect(values({ kind: "command", limit: 3 })).toEqual([0, 1, 2]);
    expect(values({ kind: "command", newest: true, limit: 3, until: "2026-01-01T00:00:10Z" })).toEqual([8, 9, 10]);
    expect(values({ kind: "command", newest: true, limit: 100, since: "2026-01-01T00:00:45Z" })).toEqual([45, 46, 47, 48, 49]);
    const plan = m["db"].prepare("EXPLAIN QUERY PLAN SELECT seq FROM history WHERE kind = ? ORDER BY seq DESC LIMIT 3").all("command") as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(" ")).toMatch(/USING (COVERING )?INDEX history_kind/);
    await m.close();
  });

  it("is idempotent: the same entry twice is stored once", async () => {
    const m = new ObjectMemory(fresh());
    await Promise.all([m.append([cmd("2026-01-01T00:00:00Z", 10)]), m.append([cmd("2026-01-01T00:00:00Z", 10)])]);
    expect(m.query()).toHaveLength(1);
    await m.close();
  });

  it("is append-only in the file: UPDATE and DELETE are refused", async () => {
    const dir = fresh();
    const m = new ObjectMemory(dir);
    await m.append([cmd("2026-01-01T00:00:00Z", 10)]);
    await m.close();
    const db = new Database(join(dir, "object-memory.sqlite"));
    expect(() => db.exec("DELETE FROM history")).toThrow(/append-only/);
    expect(() => db.exec("UPDATE history SET body = '1'")).toThrow(/append-only/);
    db.close();
  });

  it("refuses malformed entries and queries with VPP_BAD_ARGUMENT, writing nothing", async () => {
    const m = new ObjectMemory(fresh());
    expect(() => m.append([{ ...cmd("2026-01-01T00:00:00Z", 1), thingId: "" }])).toThrow(expect.objectContaining({ code: "VPP_BAD_ARGUMENT" }));
    expect(() => m.append([{ ...cmd("not a time", 1) }])).toThrow(expect.objectContaining({ code: "VPP_BAD_ARGUMENT" }));
    expect(() => m.append([{ ...cmd("2026-01-01T00:00:00Z", 1), kind: "gossip" as never }])).toThrow(/kind/);
    expect(() => m.query({ limit: 0 })).toThrow(/limit/);
    expect(() => m.query({ since: "yesterday" })).toThrow(/instant/);
    expect(m.query()).toEqual([]);
    await m.close();
    await expect(m.append([cmd("2026-01-01T00:00:00Z", 1)])).rejects.toMatchObject({ code: "VPP_MEMORY_FAILED" });
  });
});
