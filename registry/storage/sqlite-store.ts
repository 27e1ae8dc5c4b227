import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { StoredThing, ThingStore } from "./port.ts";
import { WriterLock } from "./writer-lock.ts";
import { fail } from "../errors.ts";

type Op = { kind: "put"; thing: StoredThing } | { kind: "delete"; id: string };
interface Pending {
  op: Op;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The default store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
 * before it returns and a kill -9 leaves the last committed state. One row per TD: a write costs
 * one row whatever the directory's size. Writes that arrive in the same event-loop turn share one
 * transaction (group commit), which is what lifts durable registration to thousands per second.
 */
export class SqliteThingStore implements ThingStore {
  private readonly db: Database;
  private readonly lock: WriterLock;
  private readonly upsert;
  private readonly remove;
  private readonly commit: (ops: Op[]) => void;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.lock = WriterLock.acquire(dataDir);
    try {
      const file = join(dataDir, "directory.sqlite");
      this.db = new Database(file);
      // Household TDs are in here: only the directory's user may read the file (SQLite gives the
      // -wal and -shm files the same mode).
      chmodSync(file, 0o600);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("locking_mode = EXCLUSIVE");
      this.db.exec("CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY, json TEXT NOT NULL)");
    } catch (e) {
      this.lock.release();
      throw fail("STORE_FAILED", `cannot open the store in ${dataDir}: ${(e as Error).message}`);
    }
    this.upsert = this.db.prepare("INSERT INTO things (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json");
    this.remove = this.db.prepare("DELETE FROM things WHERE id = ?");
    this.commit = this.db.transaction((ops: Op[]) => {
      for (const op of ops) {
        if (op.kind === "put") this.upsert.run(op.thing.id, op.thing.json);
        else this.remove.run(op.id);
      }
    });
  }

  loadAll(): StoredThing[] {
    return this.db.prepare("SELECT id, json FROM things").all() as StoredThing[];
  }

  put(thing: StoredThing): Promise<void> {
    return this.enqueue({ kind: "put", thing });
  }

  delete(id: string): Promise<void> {
    return this.enqueue({ kind: "delete", id });
  }

  private enqueue(op: Op): Promise<void> {
    if (this.closed) return Promise.reject(fail("STORE_FAILED", "the store is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.commit(batch.map((p) => p.op));
      for (const p of batch) p.resolve();
    } catch (e) {
      const error = fail("STORE_FAILED", `write failed: ${(e as Error).message}`);
      for (const p of batch) p.reject(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
    this.lock.release();
  }
}
