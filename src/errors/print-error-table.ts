/**
 * Prints the README's error-code tables from every catalogue in the tree (`export const X_ERRORS`).
 * Run: npm run docs:errors. test/docs/readme.test.ts checks the README lists every code.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else if (entry.endsWith(".ts")) out.push(full);
  }
  return out;
}

const catalogues = ["src", "registry", "things"].flatMap((d) => files(join(root, d))).filter((f) => /^export const [A-Z_]+_ERRORS\b/m.test(readFileSync(f, "utf8")));
for (const file of catalogues) {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, Record<string, { status: number; title: string }>>;
  for (const [name, catalogue] of Object.entries(mod)) {
    if (!/_ERRORS$/.test(name)) continue;
    process.stdout.write(`\n**${name}** (\`${relative(root, file)}\`)\n\n| code | status | meaning |\n| --- | --- | --- |\n`);
    for (const [code, spec] of Object.entries(catalogue)) process.stdout.write(`| \`${code}\` | ${spec.status} | ${spec.title} |\n`);
  }
}
