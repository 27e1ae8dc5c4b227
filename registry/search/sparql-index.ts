import { Worker } from "node:worker_threads";
import { logger } from "../../src/log/logger.ts";
import type { Change, Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import type { WorkerMessage } from "./sparql-worker.ts";

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

/**
 * SPARQL over the TDs: each TD is mapped to quads in its own named graph and (re)loaded on every
 * write, in a worker thread. A query that runs past the time limit gets the worker terminated and
 * a fresh one rebuilt from the directory, so no query can take the directory down.
 */
export class SparqlIndex {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextQid = 1;
  private snapshot: () => readonly Entry[] = () => [];
  private stopped = false;

  constructor(private readonly options: SparqlIndexOptions) {}

  /** Indexes what `snapshot` returns now, and again whenever the worker is rebuilt. */
  async start(snapshot: () => readonly Entry[]): Promise<void> {
    this.snapshot = snapshot;
    this.spawn(snapshot());
  }

  onChange = (change: Change): void => {
    if (change.type === "thing_deleted") this.post({ op: "drop", id: change.previous.id });
    else if (change.type === "thing_created" || !sameButRegistration(change.previous, change.entry)) this.load(change.entry);
  };

  async query(query: string, format: string, privileged: boolean): Promise<string> {
    if (!this.worker) throw fail("STORE_FAILED", "the SPARQL index is not running");
    const qid = this.nextQid++;
    const { timeoutMs } = this.options;
    return new Promise<string>((resolve, reject) => {
      // Waiting behind a burst of indexing is bounded too, but only a running query gets the worker restarted.
      const waitLimit = Math.max(timeoutMs * 6, 30_000);
      const timer = setTimeout(() => {
        this.pending.delete(qid);
        reject(fail("SEARCH_TIMEOUT", `the SPARQL index is still catching up with recent writes after ${waitLimit} ms; try again`));
      }, waitLimit);
      this.pending.set(qid, { resolve, reject, timer });
      this.post({ op: "query", qid, query, format, privileged });
    }).then((body) => {
      if (Buffer.byteLength(body) > this.options.maxResultBytes) throw fail("SEARCH_RESULT_TOO_LARGE", `the answer is larger than ${this.options.maxResultBytes} bytes; narrow the query or use LIMIT`);
      return body;
    });
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
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private load(entry: Entry): void {
    this.post({ op: "load", id: entry.id, json: entry.json, household: entry.household });
  }

  private post(message: WorkerMessage): void {
    this.worker?.postMessage(message);
  }

  private spawn(entries: readonly Entry[]): void {
    const worker = new Worker(new URL("./sparql-worker-boot.mjs", import.meta.url));
    worker.unref();
    worker.on("message", (m: { qid: number; started?: boolean; ok?: boolean; body?: string; message?: string }) => {
      if (m.started) return this.started(m.qid);
      if (m.qid === -1) return void log.warn({ reason: m.message }, "a TD could not be indexed for SPARQL");
      const p = this.pending.get(m.qid);
      if (!p) return;
      this.pending.delete(m.qid);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.body as string);
      else p.reject(fail("SPARQL_INVALID", m.message));
    });
    worker.on("error", (e) => {
      log.error({ err: e }, "SPARQL worker failed; restarting");
      this.restart();
    });
    this.worker = worker;
    for (const entry of entries) this.load(entry);
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
    this.spawn(this.snapshot());
  }
}
