import { Worker } from "node:worker_threads";
import { logger } from "../../src/log/logger.ts";
import type { Change, Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import type { IndexChange, WorkerMessage, WorkerReply } from "./sparql-worker.ts";

const log = logger("registry.sparql");

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

interface Pending {
  resolve: (body: string) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface SparqlIndexOptions {
  timeoutMs: number;
  maxResultBytes: number;
}

/** Answers kept per index generation: at most this many, and this many bytes in all. */
const CACHE_ENTRIES = 256;
const CACHE_BYTES = 32 * 1024 * 1024;
/** TDs per message to the worker. */
const CHUNK = 500;
/**
 * Writes are handed to the worker once the directory has had none for IDLE_MS, and at the latest
 * MAX_LAG_MS after the oldest waiting one (or at once when a query comes). Indexing costs four times
 * the CPU of the durable write itself (oxigraph loads a 400-quad TD in about 2 ms): a burst of
 * registrations is acknowledged at full speed first and indexed right after.
 */
const IDLE_MS = 100;
const MAX_LAG_MS = 10_000;

/**
 * SPARQL over the TDs: each TD is mapped to quads in its own named graph and (re)loaded after every
 * write, in a worker thread. Writes are handed over in batches (the last version of each TD in a
 * batch) when writing pauses, and never wait for the index; a query first hands over what is
 * waiting and is queued behind it, so it sees every write acknowledged before it. Answers are kept until the next change to the index: ensemble queries that
 * clients repeat cost one evaluation per change. A query that runs past the time limit gets the
 * worker terminated and a fresh one rebuilt from the directory, so no query can take the directory
 * down.
 */
export class SparqlIndex {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextQid = 1;
  private snapshot: () => readonly Entry[] = () => [];
  private stopped = false;
  private queued = new Map<string, IndexChange>();
  private flushTimer: NodeJS.Timeout | undefined;
  private firstQueuedAt = 0;
  private lastQueuedAt = 0;
  private generation = 0;
  private readonly answers = new Map<string, string>();
  private answerBytes = 0;
  private broken: string | undefined;

  constructor(private readonly options: SparqlIndexOptions) {}

  /** Indexes what `snapshot` returns now, and again whenever the worker is rebuilt. */
  async start(snapshot: () => readonly Entry[]): Promise<void> {
    this.snapshot = snapshot;
    this.spawn(snapshot());
  }

  onChange = (change: Change): void => {
    if (change.type === "thing_deleted") this.enqueue({ id: change.previous.id });
    else if (change.type === "thing_created" || !sameButRegistration(change.previous, change.entry)) this.enqueue(changeOf(change.entry));
  };

  async query(query: string, format: string, privileged: boolean): Promise<string> {
    if (!this.worker) throw fail("STORE_FAILED", "the SPARQL index is not running");
    if (this.broken) throw fail("STORE_FAILED", this.broken);
    const key = `${privileged ? "p" : "o"} ${format} ${query}`;
    const known = this.answers.get(key);
    if (known !== undefined) return this.checkSize(known);
    this.flush();
    const qid = this.nextQid++;
    const generation = this.generation;
    const { timeoutMs } = this.options;
    const body = await new Promise<string>((resolve, reject) => {
      // Waiting behind a burst of indexing is bounded too, but only a running query gets the worker restarted.
      const waitLimit = Math.max(timeoutMs * 6, 30_000);
      const timer = setTimeout(() => {
        this.pending.delete(qid);
        reject(fail("SEARCH_TIMEOUT", `the SPARQL index is still catching up with recent writes after ${waitLimit} ms; try again`));
      }, waitLimit);
      this.pending.set(qid, { resolve, reject, timer });
      this.post({ op: "query", qid, query, format, privileged });
    });
    if (generation === this.generation) this.remember(key, body);
    return this.checkSize(body);
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

  private invalidate(): void {
    this.generation++;
    this.answers.clear();
    this.answerBytes = 0;
  }

  private enqueue(change: IndexChange): void {
    this.invalidate();
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

  /** Hands the queued changes to the worker (before any query, so that it sees them). */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queued.size === 0) return;
    const changes = [...this.queued.values()];
    this.queued = new Map();
    this.postChanges(changes);
  }

  private started(qid: number): void {
    const p = this.pending.get(qid);
    if (!p) return;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.pending.delete(qid);
      p.reject(fail("SEARCH_TIMEOUT", `the SPARQL query ran longer than ${this.options.timeoutMs} ms and was stopped`));
      log.warn({ timeoutMs: this.options.timeoutMs }, "SPARQL query timed out; restarting the index");
      this.restart();
    }, this.options.timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(fail("STORE_FAILED", "the directory is stopping"));
    }
    this.pending.clear();
    this.queued.clear();
    clearTimeout(this.flushTimer);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private postChanges(changes: IndexChange[]): void {
    for (let i = 0; i < changes.length; i += CHUNK) this.post({ op: "index", changes: changes.slice(i, i + CHUNK) });
  }

  private post(message: WorkerMessage): void {
    this.worker?.postMessage(message);
  }

  private spawn(entries: readonly Entry[]): void {
    const worker = new Worker(new URL("./sparql-worker-boot.mjs", import.meta.url));
    worker.unref();
    worker.on("message", (m: WorkerReply) => {
      if (m.started) return this.started(m.qid);
      if (m.broken && !this.broken) {
        this.broken = m.message;
        log.error({ reason: m.message }, "the SPARQL index cannot take more TDs; SPARQL search is off until the directory restarts with fewer TDs or SPARQL off");
      }
      if (m.qid === -1) return void (m.broken || log.warn({ reason: m.message }, "a TD could not be indexed for SPARQL"));
      const p = this.pending.get(m.qid);
      if (!p) return;
      this.pending.delete(m.qid);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.body as string);
      else if (m.broken) p.reject(fail("STORE_FAILED", m.message));
      else p.reject(fail("SPARQL_INVALID", m.message));
    });
    worker.on("error", (e) => {
      log.error({ err: e }, "SPARQL worker failed; restarting");
      this.restart();
    });
    this.worker = worker;
    // Everything the new worker indexes is in the snapshot: changes queued before it are in there too.
    this.queued.clear();
    this.postChanges(entries.map(changeOf));
  }

  private restart(): void {
    if (this.stopped) return;
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(fail("SEARCH_TIMEOUT", "the SPARQL index was restarted while this query waited"));
    }
    this.pending.clear();
    this.invalidate();
    this.broken = undefined;
    this.spawn(this.snapshot());
  }
}

function changeOf(entry: Entry): IndexChange {
  return { id: entry.id, json: entry.json, household: entry.household };
}
