// What SPARQL indexing costs per TD: RDF mapping and oxigraph loading, without HTTP.
import oxigraph from "oxigraph";
import { tdToNQuads } from "../../registry/search/td-to-nquads.ts";
import { generateTd } from "./generate-td.ts";

const n = Number(process.argv[2] ?? 2000);
const tds = Array.from({ length: n }, (_, i) => generateTd(i));
let t = performance.now();
const nq = tds.map((td, i) => tdToNQuads(td, `t${i}`));
const map = performance.now() - t;
const quads = nq.reduce((s, x) => s + x.split("\n").length - 1, 0);
const store = new oxigraph.Store();
t = performance.now();
for (const x of nq) store.load(x, { format: "application/n-quads", lenient: true });
const load = performance.now() - t;
const store2 = new oxigraph.Store();
t = performance.now();
for (const x of nq) store2.load(x, { format: "application/n-quads", lenient: true, no_transaction: true } as never);
const load2 = performance.now() - t;
process.stdout.write(`${quads / n} quads per TD; map ${((map * 1000) / n).toFixed(0)} µs/TD; load ${((load * 1000) / n).toFixed(0)} µs/TD; load without transaction ${((load2 * 1000) / n).toFixed(0)} µs/TD\n`);
for (const batch of [10, 100, 1000]) {
  const s = new oxigraph.Store();
  t = performance.now();
  for (let i = 0; i < nq.length; i += batch) s.load(nq.slice(i, i + batch).join(""), { format: "application/n-quads", lenient: true, no_transaction: true } as never);
  process.stdout.write(`batch ${batch}: ${(((performance.now() - t) * 1000) / n).toFixed(0)} µs/TD\n`);
}
const s3 = new oxigraph.Store();
const parsed = nq.slice(0, 200).map((x) => oxigraph.parse(x, { format: "application/n-quads" }));
t = performance.now();
for (const qs of parsed) for (const q of qs) s3.add(q);
process.stdout.write(`add(): ${(((performance.now() - t) * 1000) / 200).toFixed(0)} µs/TD\n`);
