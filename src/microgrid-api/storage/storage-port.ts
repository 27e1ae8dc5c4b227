import type { AuthoredState, StoredTelemetry, StreamName, StreamRecord } from "../../microgrid/state.ts";

/** A record as stored: the stream's sequence number makes order and replay explicit. */
export interface StoredRecord extends StreamRecord {
  seq: number;
}

/**
 * The microgrid's storage port: one authored-state document and append-only streams. `append`
 * returns only once the records are durable (they are acknowledged after it).
 */
export interface MicrogridStorage {
  loadState(): Promise<AuthoredState | null>;
  saveState(state: AuthoredState): Promise<void>;
  append(records: readonly StreamRecord[]): StoredRecord[];
  /** Records of one stream in append order; `last` keeps only the newest n. */
  read(stream: StreamName, options?: { last?: number; microgrid_id?: string }): StoredRecord[];
  /** Keeps the latest reading per (microgrid, node), never replacing a newer one; durable on return. */
  saveTelemetry(readings: readonly StoredTelemetry[]): void;
  /** The latest reading per (microgrid, node), sorted by microgrid and node. */
  loadTelemetry(): StoredTelemetry[];
  close(): Promise<void> | void;
}

/** For tests and the simulator: nothing leaves memory. */
export class InMemoryStorage implements MicrogridStorage {
  private state: AuthoredState | null = null;
  private readonly records: StoredRecord[] = [];
  private readonly telemetry = new Map<string, StoredTelemetry>();

  async loadState(): Promise<AuthoredState | null> {
    return this.state ? structuredClone(this.state) : null;
  }

  async saveState(state: AuthoredState): Promise<void> {
    this.state = structuredClone(state);
  }

  append(records: readonly StreamRecord[]): StoredRecord[] {
    const out = records.map((r) => ({ ...structuredClone(r), seq: this.records.length + 1 }));
    for (const r of out) this.records.push(r);
    return out;
  }

  read(stream: StreamName, options: { last?: number; microgrid_id?: string } = {}): StoredRecord[] {
    const all = this.records.filter((r) => r.stream === stream && (options.microgrid_id === undefined || r.microgrid_id === options.microgrid_id));
    return options.last === undefined ? all : all.slice(-options.last);
  }

  saveTelemetry(readings: readonly StoredTelemetry[]): void {
    for (const r of readings) {
      const key = `${r.microgrid_id}\u0000${r.node_id}`;
      const cur = this.telemetry.get(key);
      if (!cur || cur.observed_at <= r.observed_at) this.telemetry.set(key, { ...r });
    }
  }

  loadTelemetry(): StoredTelemetry[] {
    return [...this.telemetry.values()].map((r) => ({ ...r })).sort((a, b) => (a.microgrid_id + "\u0000" + a.node_id < b.microgrid_id + "\u0000" + b.node_id ? -1 : 1));
  }

  close(): void {}
}
