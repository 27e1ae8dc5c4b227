import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject, ModelLoader } from "./instantiate.ts";

/** The `tds/` folder of the installation. */
export const TDS_DIR = fileURLToPath(new URL("../../tds/", import.meta.url));
export const MODELS_DIR = join(TDS_DIR, "models");

/** Loads models by path relative to `tds/models/`, caching parsed files. */
export function modelLoader(root = MODELS_DIR): ModelLoader {
  const cache = new Map<string, JsonObject>();
  return (path: string) => {
    let doc = cache.get(path);
    if (!doc) {
      doc = JSON.parse(readFileSync(join(root, path), "utf8")) as JsonObject;
      cache.set(path, doc);
    }
    return structuredClone(doc);
  };
}

/** Every `*.tm.json` under a folder, relative to it. */
export function listModels(root = MODELS_DIR): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".tm.json")) out.push(relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}
