/**
 * The README stays true: it opens with the two commands, lists every error code of every
 * catalogue in the tree (`export const X_ERRORS = {…}`), and every CLI flag and environment variable.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/options.ts";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith(".ts")) out.push(full);
  }
  return out;
}

const catalogueFiles = ["src", "registry", "things"].flatMap((d) => sourceFiles(join(root, d))).filter((f) => /^export const [A-Z_]+_ERRORS\b/m.test(readFileSync(f, "utf8")));

describe("README", () => {
  it("opens with the two commands", () => {
    const firstBlock = readme.slice(readme.indexOf("```"), readme.indexOf("```", readme.indexOf("```") + 3));
    expect(firstBlock).toContain("npm ci && npm start");
    expect(firstBlock).toContain("npm ci && npm test");
    expect(readme.indexOf("npm ci && npm start")).toBeLessThan(300);
  });

  it("finds the error catalogues", () => {
    expect(catalogueFiles.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of catalogueFiles) {
    it(`lists every error code of ${relative(root, file)}`, async () => {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const codes = Object.entries(mod)
        .filter(([name]) => /_ERRORS$/.test(name))
        .flatMap(([, catalogue]) => Object.keys(catalogue as object));
      expect(codes.length).toBeGreaterThan(0);
      const missing = codes.filter((code) => !readme.includes("`" + code + "`"));
      expect(missing).toEqual([]);
    });
  }

  it("lists every CLI flag and environment variable", () => {
    const missing = SETTINGS.flatMap((s) => [s.flag, s.env]).filter((name) => !readme.includes("`" + name + "`"));
    expect(missing).toEqual([]);
  });
});
