import { readFile } from "node:fs/promises";
import { CodedError } from "../errors/coded-error.ts";
import { parseSite, SITE_ERRORS } from "./site-schema.ts";
import type { SiteFile } from "./site-file.ts";

export async function loadSite(path: string): Promise<SiteFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CodedError("SITE_FILE_UNREADABLE", SITE_ERRORS.SITE_FILE_UNREADABLE, `${path}: ${(e as Error).message}`);
  }
  return parseSite(text, path);
}
