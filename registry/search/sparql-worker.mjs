// The SPARQL worker: owns the oxigraph store, so a long query blocks this thread, never the
// directory's. Messages are handled in order; a query sees every write sent before it.
import { parentPort } from "node:worker_threads";
import oxigraph from "oxigraph";

const store = new oxigraph.Store();
const household = new Set();
const graphs = new Set();
let openGraphs;

function openGraphTerms() {
  openGraphs ??= [...graphs].filter((g) => !household.has(g)).map((g) => oxigraph.namedNode(g.slice(1, -1)));
  return openGraphs;
}

function drop(graph) {
  if (!graphs.has(graph)) return;
  store.update(`DROP SILENT GRAPH ${graph}`);
  graphs.delete(graph);
  household.delete(graph);
  openGraphs = undefined;
}

parentPort.on("message", (m) => {
  if (m.op === "load") {
    drop(m.graph);
    store.load(m.nquads, { format: "application/n-quads", lenient: true });
    graphs.add(m.graph);
    if (m.household) household.add(m.graph);
    openGraphs = undefined;
    return;
  }
  if (m.op === "drop") return drop(m.graph);
  if (m.op === "query") {
    try {
      const dataset =
        m.privileged || household.size === 0
          ? { use_default_graph_as_union: true }
          : { default_graph: openGraphTerms(), named_graphs: openGraphTerms() };
      const body = store.query(m.query, { results_format: m.format, ...dataset });
      parentPort.postMessage({ qid: m.qid, ok: true, body: String(body) });
    } catch (e) {
      parentPort.postMessage({ qid: m.qid, ok: false, message: String(e && e.message ? e.message : e) });
    }
  }
});
