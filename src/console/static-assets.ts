import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** Every file under `dir`, keyed by its `/`-separated path: a fixed set, so no path from a URL ever reaches the file system. */
export function loadAssetTable(dir: string): Map<string, Asset> {
  const table = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (TYPES[extname(name)]) table.set(relative(dir, file).split(sep).join("/"), { body: readFileSync(file), type: TYPES[extname(name)] as string });
    }
  };
  walk(dir);
  return table;
}

export const CONSOLE_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), "assets");

/** Modules the pages share with server-side code, served beside the assets. */
const SHARED_MODULES: Record<string, string> = {
  "sse-parse.js": join(dirname(fileURLToPath(import.meta.url)), "..", "http", "sse-parse.js"),
};

/** The console's assets plus the shared modules. */
export function loadConsoleAssets(): Map<string, Asset> {
  const table = loadAssetTable(CONSOLE_ASSETS_DIR);
  for (const [name, file] of Object.entries(SHARED_MODULES)) table.set(name, { body: readFileSync(file), type: TYPES[".js"] as string });
  return table;
}

/** uPlot's ES module and stylesheet, served from node_modules: no build step. */
export function loadVendorTable(): Map<string, Asset> {
  const dist = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.esm.js"));
  return new Map([
    ["uPlot.esm.js", { body: readFileSync(join(dist, "uPlot.esm.js")), type: TYPES[".js"] as string }],
    ["uPlot.min.css", { body: readFileSync(join(dist, "uPlot.min.css")), type: TYPES[".css"] as string }],
  ]);
}
