import type { Change, Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import { IndexWorker } from "./index-worker.ts";
import { planShardedQuery } from "./shard-plan.ts";
import { ShardedIndex, type ShardStats } from "./sharded-index.ts";
import type { IndexChange } from "./sparql-worker.ts";

export type QueryForm = "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE";

/** The form of a SPARQL request: SELECT/ASK/CONSTRUCT/DESCRIBE, or a 400 for anything else. */
export function queryForm(query: string): QueryForm {
  const body = query
    .replace(/^\s*#.*$/gm, "")
    .replace(/^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*/i, "");
  const word = /^\s*([A-Za-z]+)/.exec(body)?.[1]?.toUpperCase();
  if (word === "SELECT" || word === "ASK" || word === "CONSTRUCT" || word === "DESCRIBE") return word;
  if (word && ["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"].includes(word)) {
    throw fail("SPARQL_FORM_UNSUPPORTED", `${word} is a SPARQL update; the directory answers SELECT, ASK, CONSTRUCT and DESCRIBE only`);
  }
  throw fail("SPARQL_INVALID", "the query does not start with SELECT, ASK, CONSTRUCT or DESCRIBE (after PREFIX/BASE)");
}

/**
 * A device's keep-alive rewrite changes only its registration times: the index keeps the graph it
 * has (its registration quads may lag by one refresh) rather than re-mapping thousands of TDs a second.
 */
function sameButRegistration(a: Entry, b: Entry): boolean {
  if (a.household !== b.household) return false;
  const strip = (e: Entry) => JSON.stringify({ ...e.td, registration: undefined });
  return strip(a) === strip(b);
}

export interface SparqlIndexOptions {
  timeoutMs: number;
  maxResultBytes: number;
  /**
   * Most TDs in one oxigraph store (default 25,000; WebAssembly caps a store at 4 GiB, about 36,000
   * site TDs). A directory with more is indexed in shards of this many (see ShardedIndex).
   */
  shardSize?: number;
  /** Sharded only: a shard is rebuilt once its removed-but-not-freed quads exceed this share of its capacity (default 0.25). */
  shardGarbageShare?: number;
}

export const DEFAULT_SHARD_SIZE = 25_000;

/** Answers kept per index generation: at most this many, and this many bytes in all. */
const CACHE_ENTRIES = 256;
const CACHE_BYTES = 32 * 1024 * 1024;
/**
 * Writes are handed to the workers once the directory has had none for IDLE_MS, and at the latest
 * MAX_LAG_MS after the oldest waiting one (or at once when a query comes). Indexing costs four times
 * the CPU of the durable write itself (oxigraph loads a 400-quad TD in about 2 ms): a burst of
 * registrations is acknowledged at full speed first and indexed right after.
 */
const IDLE_MS = 250;
const MAX_LAG_MS = 10_000;

/**
 * SPARQL over the TDs: each TD is mapped to quads in its own named graph and (re)loaded after every
 * write, in a worker thread. Writes are handed over in batches (the last version of each TD in a
 * batch) when writing pauses, and never wait for the index; a query first hands over what is
 * waiting and is queued behind it, so it sees every write acknowledged before it. Answers are kept
 * until the next change to the index: ensemble queries that clients repeat cost one evaluation per
 * change.
 *
 * Callers who may not see household TDs query a second store that holds only the open TDs, made
 * when the first household TD arrives. (An explicit list of open graphs in one store made oxigraph
 * evaluate every pattern once per graph: a minute per ensemble query at 10,000 TDs.)
 */
export class SparqlIndex {
  private all: IndexWorker | undefined;
  private sharded: ShardedIndex | undefined;
  private open: IndexWorker | undefined;
  private snapshot: () => readonly Entry[] = () => [];
  private readonly households = new Set<string>();
  private queued = new Map<string, { id: string; json?: string; household: boolean }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private firstQueuedAt = 0;
  private lastQueuedAt = 0;
  private generation = 0;
  private readonly answers = new Map<string, string>();
  private answerBytes = 0;

  constructor(private readonly options: SparqlIndexOptions) {}

  /** Indexes what `snapshot` returns now, and again whenever a worker is rebuilt. */
  async start(snapshot: () => readonly Entry[]): Promise<void> {
    this.snapshot = snapshot;
    const entries = snapshot();
    for (const e of entries) if (e.household) this.households.add(e.id);
    if (entries.length > this.shardSize) return void this.shard();
    this.all = new IndexWorker({ name: "all", timeoutMs: this.options.timeoutMs, snapshot: () => this.snapshot().map(changeOf) }).start();
    if (this.households.size > 0) this.openStore();
  }

  onChange = (change: Change): void => {
    if (change.type === "thing_deleted") this.enqueue({ id: change.previous.id, household: false });
    else if (change.type === "thing_created" || !sameButRegistration(change.previous, change.entry)) this.enqueue({ id: change.entry.id, json: change.entry.json, household: change.entry.household });
  };

  /** Sharded: the shards' sizes and garbage (for tests and logs); undefined with one store. */
  shardStats(): ShardStats[] | undefined {
    return this.sharded?.stats();
  }

  async query(query: string, format: string, privileged: boolean): Promise<string> {
    if (!this.all && !this.sharded) throw fail("STORE_FAILED", "the SPARQL index is not running");
    const key = `${privileged ? "p" : "o"} ${format} ${query}`;
    const known = this.answers.get(key);
    if (known !== undefined) return this.checkSize(known);
    this.flush();
    if (this.sharded) {
      const sharded = this.sharded;
      const plan = planShardedQuery(query);
      const generation = this.generation;
      const shardsGeneration = sharded.generation;
      const body = await sharded.query(plan, format, privileged);
      if (generation === this.generation && shardsGeneration === sharded.generation) this.remember(key, body);
      return this.checkSize(body);
    }
    if (!this.all) throw fail("STORE_FAILED", "the SPARQL index is not running");
    const store = privileged || !this.open ? this.all : this.open;
    const generation = this.generation;
    const storeGeneration = store.generation;
    const body = await store.query(query, format);
    if (generation === this.generation && storeGeneration === store.generation) this.remember(key, body);
    return this.checkSize(body);
  }

  async stop(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.queued.clear();
    await Promise.all([this.all?.stop(), this.open?.stop(), this.sharded?.stop()]);
    this.all = undefined;
    this.open = undefined;
    this.sharded = undefined;
  }

  private get shardSize(): number {
    return this.options.shardSize ?? DEFAULT_SHARD_SIZE;
  }

  /** From here on the directory is indexed in shards, filled from the directory as it is now. */
  private shard(): void {
    const single = [this.all, this.open];
    this.all = undefined;
    this.open = undefined;
    // Stopped at once: they may have thousands of TDs still to index. A query waiting on them is asked again.
    for (const worker of single) void worker?.stop(fail("SEARCH_TIMEOUT", "the SPARQL index was split into shards while this query waited; try again"));
    this.sharded = new ShardedIndex({ timeoutMs: this.options.timeoutMs, maxResultBytes: this.options.maxResultBytes, shardSize: this.shardSize, garbageShare: this.options.shardGarbageShare ?? 0.25 }, this.snapshot).start();
  }

  private openStore(): void {
    this.open = new IndexWorker({ name: "open", timeoutMs: this.options.timeoutMs, snapshot: () => this.snapshot().filter((e) => !e.household).map(changeOf) }).start();
  }

  private checkSize(body: string): string {
    if (Buffer.byteLength(body) > this.options.maxResultBytes) throw fail("SEARCH_RESULT_TOO_LARGE", `the answer is larger than ${this.options.maxResultBytes} bytes; narrow the query or use LIMIT`);
    return body;
  }

  private remember(key: string, body: string): void {
    const bytes = key.length + body.length;
    if (bytes > CACHE_BYTES / 8) return;
    this.answers.set(key, body);
    this.answerBytes += bytes;
    for (const [oldKey, oldBody] of this.answers) {
      if (this.answers.size <= CACHE_ENTRIES && this.answerBytes <= CACHE_BYTES) break;
      this.answers.delete(oldKey);
      this.answerBytes -= oldKey.length + oldBody.length;
    }
  }

  private enqueue(change: { id: string; json?: string; household: boolean }): void {
    this.generation++;
    this.answers.clear();
    this.answerBytes = 0;
    if (change.household) this.households.add(change.id);
    else this.households.delete(change.id);
    const now = performance.now();
    if (this.queued.size === 0) this.firstQueuedAt = now;
    this.lastQueuedAt = now;
    this.queued.delete(change.id);
    this.queued.set(change.id, change);
    this.flushTimer ??= this.flushLater(IDLE_MS);
  }

  private flushLater(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.flushTimer = undefined;
      const now = performance.now();
      const idleFor = now - this.lastQueuedAt;
      const lag = now - this.firstQueuedAt;
      if (idleFor >= IDLE_MS || lag >= MAX_LAG_MS) this.flush();
      else this.flushTimer = this.flushLater(Math.min(IDLE_MS - idleFor, MAX_LAG_MS - lag));
    }, ms);
    timer.unref();
    return timer;
  }

  /** Hands the queued changes to the workers (before any query, so that it sees them). */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queued.size === 0 || (!this.all && !this.sharded)) return;
    const changes = [...this.queued.values()];
    this.queued = new Map();
    if (this.sharded) return this.sharded.index(changes);
    // The directory has outgrown one store: shards are filled from it as it is now, these changes included.
    if (this.snapshot().length > this.shardSize) return this.shard();
    if (!this.all) return;
    this.all.index(changes.map(({ id, json }) => ({ id, json })));
    // A new open store starts from the directory as it is now, which has these changes already.
    if (!this.open && this.households.size > 0) this.openStore();
    else this.open?.index(changes.map(({ id, json, household }) => (household ? { id } : { id, json })));
  }
}

function changeOf(entry: Entry): IndexChange {
  return { id: entry.id, json: entry.json };
}
