import { readFileSync } from "node:fs";
import type { SiteFile } from "../../src/site/site-file.ts";

const demoText = readFileSync(new URL("../../tds/sites/demo.site.json", import.meta.url), "utf8");

/** A fresh deep copy of the demo site (240 meters), safe to mutate in a test. */
export function demoSite(): SiteFile {
  return JSON.parse(demoText) as SiteFile;
}

/** Demo start (10:00 UTC = 02:50 local solar time: night) and a sunny early afternoon. */
export const NIGHT_MS = Date.parse("2026-06-21T10:00:00Z");
export const NOON_MS = Date.parse("2026-06-21T20:00:00Z");
