/**
 * The directory's storage port. The directory keeps every TD parsed in memory; the store only has
 * to make writes durable and give them back at start-up.
 */
export interface StoredThing {
  readonly id: string;
  /** The Enriched TD, serialised. */
  readonly json: string;
}

export interface ThingStore {
  /** Every stored TD, in any order. */
  loadAll(): StoredThing[];
  /** Resolves once the write is durable (on disk, fsynced). */
  put(thing: StoredThing): Promise<void>;
  /** Resolves once the removal is durable. */
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}
