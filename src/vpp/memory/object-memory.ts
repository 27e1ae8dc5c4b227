/**
 * Object memory (seed 001): every command sent and every state change observed, per Thing, in an
 * append-only history that can be queried. SQLite (WAL, synchronous=FULL): `append` resolves once
 * the entries are on disk, so a command is recorded before it is sent and an observation before
 * it is acknowledged. Entries carry an idempotency key: appending the same entry twice is a no-op.
 * Triggers refuse UPDATE and DELETE, so the history is append-only in the file too.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { GroupCommit } from "../../storage/group-commit.ts";
import { vppError } from "../errors.ts";

export type MemoryKind = "command" | "command-result" | "state" | "event" | "membership";

export interface MemoryEntry {
  thingId: string;
  kind: MemoryKind;
  /** The affordance or topic: `target_output_kw`, `telemetry`, `criticalHardwareError`, `joined`… */
  name: string;
  /** ISO 8601 instant the command was sent or the change observed. */
  at: string;
  body: unknown;
  /** Idempotency key; default thingId|kind|name|at. */
  key?: string;
}

export interface StoredEntry extends Omit<MemoryEntry, "key"> {
  seq: number;
  key: string;
}

export interface MemoryQuery {
  thingId?: string;
  kind?: MemoryKind;
  name?: string;
  /** ISO 8601, inclusive. */
  since?: string;
  until?: string;
  /** Entries after this sequence number (paging). */
  afterSeq?: number;
  limit?: number;
  /** The newest `limit` entries that match, instead of the oldest (still returned oldest first). */
  newest?: boolean;
}

const KINDS: readonly MemoryKind[] = ["command", "command-result", "state", "event", "membership"];

export class ObjectMemory {
  private readonly db: Database;
  private readonly writer: GroupCommit<StoredEntry>;
  private closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      this.db = new Database(join(dataDir, "object-memory.sqlite"));
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS history (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          key TEXT NOT NULL UNIQUE,
          thing_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          name TEXT NOT NULL,
          at TEXT NOT NULL,
          body TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS history_thing ON history (thing_id, seq);
        CREATE INDEX IF NOT EXISTS history_kind ON history (kind, seq);
        CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history BEGIN SELECT RAISE(ABORT, 'object memory is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history BEGIN SELECT RAISE(ABORT, 'object memory is append-only'); END;
      `);
    } catch (e) {
      throw vppError("VPP_MEMORY_FAILED", `cannot open the object memory in ${dataDir}: ${(e as Error).message}`);
    }
    const insert = this.db.prepare("INSERT OR IGNORE INTO history (key, thing_id, kind, name, at, body) VALUES (?, ?, ?, ?, ?, ?)");
    const commit = this.db.transaction((entries: StoredEntry[]) => {
      for (const e of entries) insert.run(e.key, e.thingId, e.kind, e.name, e.at, JSON.stringify(e.body ?? null));
    });
    this.writer = new GroupCommit<StoredEntry>(
      (entries) => {
        try {
          commit(entries);
        } catch (e) {
          throw vppError("VPP_MEMORY_FAILED", `append failed: ${(e as Error).message}`);
        }
      },
      () => vppError("VPP_MEMORY_FAILED", "the object memory is closed"),
    );
  }

  /** Appends entries; resolves once they are durable. Throws VPP_BAD_ARGUMENT on a malformed entry (nothing is written). */
  append(entries: readonly MemoryEntry[]): Promise<void> {
    const checked = entries.map((e) => {
      if (typeof e.thingId !== "string" || e.thingId === "" || e.thingId.length > 500) throw vppError("VPP_BAD_ARGUMENT", "a memory entry needs a thingId of 1..500 characters");
      if (!KINDS.includes(e.kind)) throw vppError("VPP_BAD_ARGUMENT", `memory entry kind must be one of ${KINDS.join(", ")}`);
      if (typeof e.name !== "string" || e.name === "") throw vppError("VPP_BAD_ARGUMENT", "a memory entry needs a name");
      if (typeof e.at !== "string" || Number.isNaN(Date.parse(e.at))) throw vppError("VPP_BAD_ARGUMENT", `memory entry time ${JSON.stringify(e.at)} is not an instant`);
      return { ...e, seq: 0, key: e.key ?? `${e.thingId}|${e.kind}|${e.name}|${e.at}` } as StoredEntry;
    });
    return this.writer.push(checked);
  }

  query(q: MemoryQuery = {}): StoredEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.thingId !== undefined) (where.push("thing_id = ?"), args.push(q.thingId));
    if (q.kind !== undefined) {
      if (!KINDS.includes(q.kind)) throw vppError("VPP_BAD_ARGUMENT", `kind must be one of ${KINDS.join(", ")}`);
      where.push("kind = ?"), args.push(q.kind);
    }
    if (q.name !== undefined) (where.push("name = ?"), args.push(q.name));
    for (const [field, op, value] of [["since", ">=", q.since], ["until", "<=", q.until]] as const) {
      if (value === undefined) continue;
      if (Number.isNaN(Date.parse(value))) throw vppError("VPP_BAD_ARGUMENT", `${field} ${JSON.stringify(value)} is not an instant`);
      where.push(`at ${op} ?`), args.push(new Date(value).toISOString());
    }
    if (q.afterSeq !== undefined) (where.push("seq > ?"), args.push(q.afterSeq));
    const limit = q.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw vppError("VPP_BAD_ARGUMENT", "limit must be a whole number 1..100000");
    const sql = `SELECT seq, key, thing_id, kind, name, at, body FROM history ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${q.newest ? "DESC" : ""} LIMIT ${limit}`;
    const rows = this.db.prepare(sql).all(...args) as Array<{ seq: number; key: string; thing_id: string; kind: MemoryKind; name: string; at: string; body: string }>;
    if (q.newest) rows.reverse();
    return rows.map((r) => ({ seq: r.seq, key: r.key, thingId: r.thing_id, kind: r.kind, name: r.name, at: r.at, body: JSON.parse(r.body) as unknown }));
  }

  /** Thing ids with a history, and how many entries each has. */
  things(): Array<{ thingId: string; entries: number }> {
    return (this.db.prepare("SELECT thing_id, COUNT(*) AS n FROM history GROUP BY thing_id ORDER BY thing_id").all() as Array<{ thing_id: string; n: number }>).map((r) => ({ thingId: r.thing_id, entries: r.n }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.close();
    this.closed = true;
    this.db.close();
  }
}
