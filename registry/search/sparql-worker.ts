// The SPARQL worker: owns the oxigraph store and maps TDs to quads, so neither indexing nor a long
// query costs the directory's event loop. Messages are handled in order: a query sees every write
// sent before it.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import oxigraph from "oxigraph";
import { graphIri, tdToNQuads } from "./td-to-nquads.ts";

/** One TD to (re)index, or to drop when `json` is absent. */
export interface IndexChange {
  id: string;
  json?: string;
}

export type WorkerMessage = { op: "index"; changes: IndexChange[] } | { op: "query"; qid: number; query: string; format: string };

/** What the worker posts back: query answers (qid > 0), progress and failures (qid -1). */
export interface WorkerReply {
  qid: number;
  started?: boolean;
  ok?: boolean;
  body?: string;
  message?: string;
  /** The store cannot take more (WebAssembly memory exhausted); it answers no query any more. */
  broken?: boolean;
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

function drop(graph: string): void {
  if (!graphs.has(graph)) return;
  store.update(`DROP SILENT GRAPH ${graph}`);
  graphs.delete(graph);
}

function blankPrefixOf(graph: string): string {
  let prefix = blankPrefixes.get(graph);
  if (prefix === undefined) {
    prefix = `t${blankPrefixes.size}`;
    blankPrefixes.set(graph, prefix);
  }
  return prefix;
}

function index(change: IndexChange): void {
  const graph = graphIri(change.id);
  drop(graph);
  if (change.json === undefined) return;
  store.load(tdToNQuads(JSON.parse(change.json) as Record<string, unknown>, blankPrefixOf(graph)), { format: "application/n-quads", lenient: true, no_transaction: true });
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

parentPort?.on("message", (m: WorkerMessage) => {
  if (m.op === "index") indexAll(m.changes);
  else query(m);
});
