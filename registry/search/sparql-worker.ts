// The SPARQL worker: owns the oxigraph store and maps TDs to quads, so neither indexing nor a long
// query costs the directory's event loop. Messages are handled in order: a query sees every write
// sent before it.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import oxigraph from "oxigraph";
import { graphIri, tdToNQuads } from "./td-to-nquads.ts";

/** One TD to (re)index, or to drop when `json` is absent. */
export interface IndexChange {
  id: string;
  json?: string;
}

export type WorkerMessage =
  | { op: "index"; changes: IndexChange[] }
  | { op: "query"; qid: number; query: string; format: string }
  /** Answers once every message before it is handled (a rebuilt shard is ready). */
  | { op: "ping"; qid: number }
  /** Re-serialises an N-Triples graph (merged shard answers) in another RDF format. */
  | { op: "convert"; qid: number; ntriples: string; format: string };

/** What a worker is started with (all optional: the single store needs none). */
export interface WorkerOptions {
  /** Starts every blank node label: shards get different ones, so merged answers never mix two TDs' nodes. */
  blankTag?: string;
  /** Estimate the quads removed but not freed, and report them after each batch. */
  trackGarbage?: boolean;
}

/** What the worker posts back: query answers (qid > 0), progress and failures (qid -1). */
export interface WorkerReply {
  qid: number;
  started?: boolean;
  ok?: boolean;
  body?: string;
  message?: string;
  /** The store cannot take more (WebAssembly memory exhausted); it answers no query any more. */
  broken?: boolean;
  /** After an index batch, with trackGarbage: quads removed but still held by oxigraph (an estimate from above). */
  garbage?: number;
}

// Indexing is background work: at a lower CPU priority than the directory's own thread (Linux: a
// thread's nice value is its own), a registration burst is not slowed down by the index catching
// up. Queries wait for the index in order anyway, so they stay consistent.
export const INDEX_NICE = 10;
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, INDEX_NICE);
} catch {
  // Not Linux, or not allowed: the worker runs at the process's priority.
}

// Every query runs over the union of the TDs' graphs: a store holds only TDs its callers may see.
const store = new oxigraph.Store();
const graphs = new Set<string>();
// One blank node prefix per TD id, kept across re-indexing: oxigraph's memory store never frees a
// removed quad, but re-adding an identical quad revives it, so an update whose affordances did not
// change costs no memory. (Fresh labels on every update grew the store without bound.)
const blankPrefixes = new Map<string, string>();
let broken: string | undefined;
const options = (workerData ?? {}) as WorkerOptions;
const blankTag = options.blankTag ?? "";
// With trackGarbage: a 32-bit hash of each line of every TD's quads. A quad of the old version that
// the new one does not have stays allocated in oxigraph; one that comes back later is revived, so
// the count errs high (a rebuild a little early), never low.
const quadHashes = new Map<string, Uint32Array>();
let garbage = 0;

function hashLines(nquads: string): Uint32Array {
  const lines = nquads.split("\n");
  const out = new Uint32Array(lines.length);
  lines.forEach((line, i) => {
    let h = 0x811c9dc5;
    for (let k = 0; k < line.length; k++) h = Math.imul(h ^ line.charCodeAt(k), 0x01000193);
    out[i] = h >>> 0;
  });
  return out;
}

function countGarbage(graph: string, nquads: string | undefined): void {
  const old = quadHashes.get(graph);
  const next = nquads === undefined ? undefined : hashLines(nquads);
  if (old) {
    const kept = new Set(next);
    for (const h of old) if (!kept.has(h)) garbage++;
  }
  if (next) quadHashes.set(graph, next);
  else quadHashes.delete(graph);
}

function drop(graph: string): void {
  if (!graphs.has(graph)) return;
  store.update(`DROP SILENT GRAPH ${graph}`);
  graphs.delete(graph);
}

function blankPrefixOf(graph: string): string {
  let prefix = blankPrefixes.get(graph);
  if (prefix === undefined) {
    prefix = `${blankTag}t${blankPrefixes.size}`;
    blankPrefixes.set(graph, prefix);
  }
  return prefix;
}

function index(change: IndexChange): void {
  const graph = graphIri(change.id);
  drop(graph);
  if (change.json === undefined) {
    if (options.trackGarbage) countGarbage(graph, undefined);
    return;
  }
  const nquads = tdToNQuads(JSON.parse(change.json) as Record<string, unknown>, blankPrefixOf(graph));
  if (options.trackGarbage) countGarbage(graph, nquads);
  store.load(nquads, { format: "application/n-quads", lenient: true, no_transaction: true });
  graphs.add(graph);
}

/** A trap inside oxigraph (out of memory is the one seen) leaves its store unusable. */
function isTrap(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /memory/i.test(e.message));
}

function indexAll(changes: IndexChange[]): void {
  for (const change of changes) {
    if (broken) return;
    try {
      index(change);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (isTrap(e)) {
        broken = `the SPARQL index stopped at ${graphs.size} TDs: oxigraph failed (${message}); its WebAssembly memory is limited to 4 GiB`;
        parentPort?.postMessage({ qid: -1, ok: false, broken: true, message: broken } satisfies WorkerReply);
        return;
      }
      // A TD that cannot be indexed must not stop the index; the directory logs on its side.
      parentPort?.postMessage({ qid: -1, ok: false, message: `${change.id}: ${message}` } satisfies WorkerReply);
    }
  }
}

function query(m: Extract<WorkerMessage, { op: "query" }>): void {
  if (broken) return void parentPort?.postMessage({ qid: m.qid, ok: false, broken: true, message: broken } satisfies WorkerReply);
  parentPort?.postMessage({ qid: m.qid, started: true } satisfies WorkerReply);
  try {
    const body = store.query(m.query, { results_format: m.format, use_default_graph_as_union: true });
    parentPort?.postMessage({ qid: m.qid, ok: true, body: String(body) } satisfies WorkerReply);
  } catch (e) {
    parentPort?.postMessage({ qid: m.qid, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
  }
}

function convert(m: Extract<WorkerMessage, { op: "convert" }>): void {
  try {
    const graph = new oxigraph.Store();
    graph.load(m.ntriples, { format: "application/n-triples", lenient: true, no_transaction: true });
    parentPort?.postMessage({ qid: m.qid, ok: true, body: graph.dump({ format: m.format, from_graph_name: oxigraph.defaultGraph() }) } satisfies WorkerReply);
  } catch (e) {
    parentPort?.postMessage({ qid: m.qid, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
  }
}

parentPort?.on("message", (m: WorkerMessage) => {
  if (m.op === "index") {
    indexAll(m.changes);
    if (options.trackGarbage) parentPort?.postMessage({ qid: -1, garbage } satisfies WorkerReply);
  } else if (m.op === "ping") parentPort?.postMessage({ qid: m.qid, ok: true, body: "" } satisfies WorkerReply);
  else if (m.op === "convert") convert(m);
  else query(m);
});
