import { Worker } from "node:worker_threads";
import { logger } from "../../src/log/logger.ts";
import { fail } from "../errors.ts";
import type { IndexChange, WorkerMessage, WorkerOptions, WorkerReply } from "./sparql-worker.ts";

const log = logger("registry.sparql");

/** TDs per message to the worker. */
const CHUNK = 500;

interface Pending {
  resolve: (body: string) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Posted again to a rebuilt worker while it has not started running. */
  message: WorkerMessage;
  running?: boolean;
}

export interface IndexWorkerOptions {
  /** For the logs: which TDs this store holds. */
  name: string;
  timeoutMs: number;
  /** Every TD this store holds, as of now: indexed at start and whenever the worker is rebuilt. */
  snapshot: () => IndexChange[];
  /** For shards: blank node labels of their own, and garbage estimates. */
  worker?: WorkerOptions;
  /** With worker.trackGarbage: the estimate after each batch. */
  onGarbage?: (quads: number) => void;
}

/**
 * One oxigraph store in its own worker thread. Messages are handled in order, so a query answers
 * over every change posted before it. A query running past the time limit gets the worker
 * terminated and a fresh one built from the snapshot: no query can take the directory down.
 */
export class IndexWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextQid = 1;
  private stopped = false;
  /** Why the store takes no more TDs (oxigraph's WebAssembly memory is full), once it happened. */
  broken: string | undefined;
  /** Bumped whenever the worker is rebuilt, so that answers from before are not kept. */
  generation = 0;

  constructor(private readonly options: IndexWorkerOptions) {}

  /** Starts the worker and indexes the snapshot. */
  start(): this {
    if (!this.worker && !this.stopped) this.spawn();
    return this;
  }

  index(changes: IndexChange[]): void {
    for (let i = 0; i < changes.length; i += CHUNK) this.post({ op: "index", changes: changes.slice(i, i + CHUNK) });
  }

  query(query: string, format: string): Promise<string> {
    if (!this.worker) return Promise.reject(fail("STORE_FAILED", "the SPARQL index is not running"));
    if (this.broken) return Promise.reject(fail("STORE_FAILED", this.broken));
    const qid = this.nextQid++;
    const { timeoutMs } = this.options;
    return new Promise<string>((resolve, reject) => {
      // Waiting behind a burst of indexing is bounded too, but only a running query gets the worker restarted.
      const waitLimit = Math.max(timeoutMs * 6, 30_000);
      const timer = setTimeout(() => {
        this.pending.delete(qid);
        reject(fail("SEARCH_TIMEOUT", `the SPARQL index is still catching up with recent writes after ${waitLimit} ms; try again`));
      }, waitLimit);
      const message: WorkerMessage = { op: "query", qid, query, format };
      this.pending.set(qid, { resolve, reject, timer, message });
      this.post(message);
    });
  }

  /** Resolves once the worker has handled everything posted before (no time limit: a rebuild takes a while). */
  ready(): Promise<void> {
    return this.untimed({ op: "ping", qid: 0 }).then(() => undefined);
  }

  /** Re-serialises an N-Triples graph in `format`, in the worker. */
  convert(ntriples: string, format: string): Promise<string> {
    return this.untimed({ op: "convert", qid: 0, ntriples, format });
  }

  private untimed(message: Extract<WorkerMessage, { op: "ping" | "convert" }>): Promise<string> {
    if (!this.worker) return Promise.reject(fail("STORE_FAILED", "the SPARQL index is not running"));
    const qid = this.nextQid++;
    return new Promise<string>((resolve, reject) => {
      const posted = { ...message, qid };
      this.pending.set(qid, { resolve, reject, timer: undefined, message: posted });
      this.post(posted);
    });
  }

  /** Stops the worker; queries still waiting get `reason` (by default: the directory is stopping). */
  async stop(reason: Error = fail("STORE_FAILED", "the directory is stopping")): Promise<void> {
    this.stopped = true;
    this.rejectAll(reason);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(qid: number): void {
    const p = this.pending.get(qid);
    if (!p) return;
    p.running = true;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.pending.delete(qid);
      p.reject(fail("SEARCH_TIMEOUT", `the SPARQL query ran longer than ${this.options.timeoutMs} ms and was stopped`));
      log.warn({ timeoutMs: this.options.timeoutMs, store: this.options.name }, "SPARQL query timed out; restarting the index");
      this.restart();
    }, this.options.timeoutMs);
  }

  private post(message: WorkerMessage): void {
    this.worker?.postMessage(message);
  }

  private spawn(): void {
    const worker = new Worker(new URL("./sparql-worker-boot.mjs", import.meta.url), { workerData: this.options.worker ?? {} });
    worker.unref();
    worker.on("message", (m: WorkerReply) => {
      // A replaced worker's last messages are not this one's answers.
      if (this.worker === worker) this.reply(m);
    });
    worker.on("error", (e) => {
      if (this.worker !== worker) return;
      log.error({ err: e, store: this.options.name }, "SPARQL worker failed; restarting");
      this.restart();
    });
    this.worker = worker;
    this.index(this.options.snapshot());
  }

  private reply(m: WorkerReply): void {
    if (m.started) return this.started(m.qid);
    if (m.garbage !== undefined) return this.options.onGarbage?.(m.garbage);
    if (m.broken && !this.broken) {
      this.broken = m.message;
      log.error({ reason: m.message, store: this.options.name }, "the SPARQL index cannot take more TDs; SPARQL search is off until the directory restarts with fewer TDs or SPARQL off");
    }
    if (m.qid === -1) return void (m.broken || log.warn({ reason: m.message, store: this.options.name }, "a TD could not be indexed for SPARQL"));
    const p = this.pending.get(m.qid);
    if (!p) return;
    this.pending.delete(m.qid);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.body as string);
    else if (m.broken) p.reject(fail("STORE_FAILED", m.message));
    else p.reject(fail("SPARQL_INVALID", m.message));
  }

  private rejectAll(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  private restart(): void {
    if (this.stopped) return;
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    // The query that was running fails; the ones waiting behind it are asked again of the rebuilt
    // worker (after its snapshot, so they still see every write before them).
    const waiting = [...this.pending.entries()].filter(([, p]) => !p.running);
    for (const [qid, p] of this.pending) {
      if (!p.running) continue;
      clearTimeout(p.timer);
      this.pending.delete(qid);
      p.reject(fail("SEARCH_TIMEOUT", "the SPARQL index was restarted while this query ran"));
    }
    this.generation++;
    this.broken = undefined;
    this.spawn();
    for (const [, p] of waiting) this.post(p.message);
  }
}
