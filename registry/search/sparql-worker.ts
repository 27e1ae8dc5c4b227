// The SPARQL worker: owns the oxigraph store and maps TDs to quads, so neither indexing nor a long
// query costs the directory's event loop. Messages are handled in order: a query sees every write
// sent before it.
import { parentPort } from "node:worker_threads";
import oxigraph from "oxigraph";
import { graphIri, tdToNQuads } from "./td-to-nquads.ts";

export type WorkerMessage =
  | { op: "load"; id: string; json: string; household: boolean }
  | { op: "drop"; id: string }
  | { op: "query"; qid: number; query: string; format: string; privileged: boolean };

const store = new oxigraph.Store();
const household = new Set<string>();
const graphs = new Set<string>();
let openGraphs: ReturnType<typeof oxigraph.namedNode>[] | undefined;
let blankSeq = 0;

function openGraphTerms() {
  openGraphs ??= [...graphs].filter((g) => !household.has(g)).map((g) => oxigraph.namedNode(g.slice(1, -1)));
  return openGraphs;
}

function drop(graph: string): void {
  if (!graphs.has(graph)) return;
  store.update(`DROP SILENT GRAPH ${graph}`);
  graphs.delete(graph);
  household.delete(graph);
  openGraphs = undefined;
}

function handle(m: WorkerMessage): void {
  if (m.op === "load") {
    const graph = graphIri(m.id);
    drop(graph);
    store.load(tdToNQuads(JSON.parse(m.json) as Record<string, unknown>, `t${blankSeq++}`), { format: "application/n-quads", lenient: true, no_transaction: true });
    graphs.add(graph);
    if (m.household) household.add(graph);
    openGraphs = undefined;
    return;
  }
  if (m.op === "drop") return drop(graphIri(m.id));
  parentPort?.postMessage({ qid: m.qid, started: true });
  try {
    const dataset = m.privileged || household.size === 0 ? { use_default_graph_as_union: true } : { default_graph: openGraphTerms(), named_graphs: openGraphTerms() };
    const body = store.query(m.query, { results_format: m.format, ...dataset });
    parentPort?.postMessage({ qid: m.qid, ok: true, body: String(body) });
  } catch (e) {
    parentPort?.postMessage({ qid: m.qid, ok: false, message: e instanceof Error ? e.message : String(e) });
  }
}

parentPort?.on("message", (m: WorkerMessage) => {
  try {
    handle(m);
  } catch (e) {
    // A TD that cannot be indexed must not stop the index; the directory logs on its side.
    parentPort?.postMessage({ qid: -1, ok: false, message: `${m.op}: ${e instanceof Error ? e.message : String(e)}` });
  }
});
