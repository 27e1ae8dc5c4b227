import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { SqliteThingStore } from "../../../registry/storage/sqlite-store.ts";

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gt-store-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SqliteThingStore", () => {
  test("keeps every write across close and reopen, and applies deletes", async () => {
    const dir = freshDir();
    const a = new SqliteThingStore(dir);
    await Promise.all([a.put({ id: "urn:a", json: '{"id":"urn:a"}' }), a.put({ id: "urn:b", json: '{"id":"urn:b"}' })]);
    await a.put({ id: "urn:a", json: '{"id":"urn:a","v":2}' });
    await a.delete("urn:b");
    await a.close();
    const b = new SqliteThingStore(dir);
    expect(b.loadAll()).toEqual([{ id: "urn:a", json: '{"id":"urn:a","v":2}' }]);
    await b.close();
  });

  test("a second writer on the same data directory fails with STORE_LOCKED naming the owner", async () => {
    const dir = freshDir();
    const a = new SqliteThingStore(dir);
    expect(() => new SqliteThingStore(dir)).toThrow(expect.objectContaining({ code: "STORE_LOCKED", message: expect.stringContaining(String(process.pid)) }));
    await a.close();
    const b = new SqliteThingStore(dir);
    await b.close();
  });

  test("a lock file left by a dead process is taken over", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, "directory.lock"), "999999999\n");
    const store = new SqliteThingStore(dir);
    await store.close();
  });

  test("writes after close are refused", async () => {
    const store = new SqliteThingStore(freshDir());
    await store.close();
    await expect(store.put({ id: "urn:x", json: "{}" })).rejects.toMatchObject({ code: "STORE_FAILED" });
  });

  test("kill -9 while writing loses no acknowledged write and leaves a readable store", async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "writer-child.ts"), dir], { stdio: ["ignore", "pipe", "pipe"] });
    const acked: string[] = [];
    let buffer = "";
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code) => (acked.length < 200 ? reject(new Error(`child exited early (${code})`)) : undefined));
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        acked.push(...lines);
        if (acked.length >= 200) resolve();
      });
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const store = new SqliteThingStore(dir);
    const stored = new Map(store.loadAll().map((t) => [t.id, t.json]));
    await store.close();
    for (const id of acked) expect(stored.has(id), id).toBe(true);
    for (const json of stored.values()) expect(() => JSON.parse(json)).not.toThrow();
  });
});

describe("SqliteThingStore file mode", () => {
  test("the store file is readable by its user only (it holds household TDs)", async () => {
    const dir = freshDir();
    const store = new SqliteThingStore(dir);
    await store.put({ id: "urn:m", json: "{}" });
    const { statSync } = await import("node:fs");
    expect(statSync(join(dir, "directory.sqlite")).mode & 0o077).toBe(0);
    await store.close();
  });
});
