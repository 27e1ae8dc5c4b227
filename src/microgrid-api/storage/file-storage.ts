import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Low } from "lowdb";
import type { AuthoredState, StoredTelemetry, StreamName, StreamRecord } from "../../microgrid/state.ts";
import { DurableJsonFile } from "../../storage/durable-json-file.ts";
import type { MicrogridStorage, StoredRecord } from "./storage-port.ts";

/**
 * Authored state in lowdb (`microgrid.json`, fsynced), streams in SQLite (`microgrid-events.db`,
 * WAL with synchronous=FULL so a committed append is durable). Triggers refuse UPDATE and DELETE:
 * the streams are append-only by construction, not by convention. The latest reading per node is
 * a small upserted table in the same database (live state, not a stream: one row per node).
 */
export class FileStorage implements MicrogridStorage {
  private readonly low: Low<AuthoredState | null>;
  private readonly db: Database;
  private readonly insert: ReturnType<Database["prepare"]>;
  private readonly lastId: ReturnType<Database["prepare"]>;
  private readonly upsertTelemetry: ReturnType<Database["prepare"]>;
  private writes: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.low = new Low<AuthoredState | null>(new DurableJsonFile<AuthoredState | null>(join(dataDir, "microgrid.json")), null);
    this.db = new Database(join(dataDir, "microgrid-events.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        type TEXT NOT NULL,
        microgrid_id TEXT,
        at TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS records_stream ON records (stream, microgrid_id, seq);
      CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'append-only stream'); END;
      CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'append-only stream'); END;
      CREATE TABLE IF NOT EXISTS latest_telemetry (
        microgrid_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        measured_demand_watts REAL NOT NULL,
        observed_at TEXT NOT NULL,
        PRIMARY KEY (microgrid_id, node_id)
      );
    `);
    // normalised UTC instants compare as strings: an older reading never replaces a newer one
    this.upsertTelemetry = this.db.prepare(`
      INSERT INTO latest_telemetry (microgrid_id, node_id, measured_demand_watts, observed_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (microgrid_id, node_id) DO UPDATE SET measured_demand_watts = excluded.measured_demand_watts, observed_at = excluded.observed_at
      WHERE excluded.observed_at >= latest_telemetry.observed_at`);
    this.insert = this.db.prepare("INSERT INTO records (stream, type, microgrid_id, at, payload) VALUES (?, ?, ?, ?, ?)");
    this.lastId = this.db.prepare("SELECT last_insert_rowid() AS seq");
  }

  async loadState(): Promise<AuthoredState | null> {
    await this.low.read();
    return this.low.data;
  }

  /** Writes are serialised: the last state written is the last state saved. */
  saveState(state: AuthoredState): Promise<void> {
    const snapshot = structuredClone(state);
    const next = this.writes.then(async () => {
      this.low.data = snapshot;
      await this.low.write();
    });
    this.writes = next.catch(() => undefined); // one failed write must not fail every later one
    return next;
  }

  append(records: readonly StreamRecord[]): StoredRecord[] {
    const tx = this.db.transaction((rs: readonly StreamRecord[]) =>
      rs.map((r) => {
        this.insert.run(r.stream, r.type, r.microgrid_id, r.at, JSON.stringify(r.payload));
        return { ...r, seq: Number((this.lastId.all()[0] as { seq: number }).seq) };
      }),
    );
    return tx(records);
  }

  read(stream: StreamName, options: { last?: number; microgrid_id?: string } = {}): StoredRecord[] {
    const where = options.microgrid_id === undefined ? "stream = ?" : "stream = ? AND microgrid_id = ?";
    const args: unknown[] = options.microgrid_id === undefined ? [stream] : [stream, options.microgrid_id];
    const sql = options.last === undefined
      ? `SELECT * FROM records WHERE ${where} ORDER BY seq`
      : `SELECT * FROM (SELECT * FROM records WHERE ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq`;
    if (options.last !== undefined) args.push(options.last);
    const rows = this.db.prepare(sql).all(...args) as Array<{ seq: number; stream: StreamName; type: string; microgrid_id: string | null; at: string; payload: string }>;
    return rows.map((r) => ({ seq: r.seq, stream: r.stream, type: r.type, microgrid_id: r.microgrid_id, at: r.at, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  saveTelemetry(readings: readonly StoredTelemetry[]): void {
    const tx = this.db.transaction((rs: readonly StoredTelemetry[]) => {
      for (const r of rs) this.upsertTelemetry.run(r.microgrid_id, r.node_id, r.measured_demand_watts, r.observed_at);
    });
    tx(readings);
  }

  loadTelemetry(): StoredTelemetry[] {
    return this.db.prepare("SELECT microgrid_id, node_id, measured_demand_watts, observed_at FROM latest_telemetry ORDER BY microgrid_id, node_id").all() as StoredTelemetry[];
  }

  async close(): Promise<void> {
    await this.writes;
    this.db.close();
  }
}
