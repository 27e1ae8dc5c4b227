// Where a registration's time goes, without HTTP: validation, enrichment, store, RDF mapping.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Directory } from "../../registry/directory.ts";
import { tdToNQuads } from "../../registry/search/td-to-nquads.ts";
import { SqliteThingStore } from "../../registry/storage/sqlite-store.ts";
import { TdValidator } from "../../registry/td/validator.ts";
import { generateTd } from "./generate-td.ts";

const n = Number(process.argv[2] ?? 5000);
const tds = Array.from({ length: n }, (_, i) => generateTd(i));
const validator = new TdValidator();
const time = (label: string, fn: () => void) => {
  const t = performance.now();
  fn();
  const ms = performance.now() - t;
  process.stdout.write(`${label}: ${((ms * 1000) / n).toFixed(1)} µs per TD\n`);
};
time("JSON.parse", () => tds.forEach((td) => JSON.parse(JSON.stringify(td))));
time("validate", () => tds.forEach((td) => validator.validate(td)));
time("tdToNQuads", () => tds.forEach((td, i) => tdToNQuads(td, `t${i}`)));
const dir = mkdtempSync(join(tmpdir(), "gt-prof-"));
const store = new SqliteThingStore(dir);
const directory = new Directory({ store, validator, policy: {}, now: () => new Date() });
await directory.load();
const t = performance.now();
await Promise.all(tds.map((td) => directory.put(td.id as string, td)));
process.stdout.write(`directory.put (validate+enrich+durable store, all concurrent): ${(n / ((performance.now() - t) / 1000)).toFixed(0)} TDs/s\n`);
await store.close();
rmSync(dir, { recursive: true, force: true });
