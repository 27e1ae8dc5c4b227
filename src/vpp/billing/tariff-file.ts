import { readFile } from "node:fs/promises";
import { meteringError } from "../metering/errors.ts";
import { parseTariff, type Tariff } from "./tariff.ts";

/** Reads and validates a `*.tariff.json` file; TARIFF_INVALID with every problem if it is not valid. */
export async function loadTariffFile(path: string): Promise<Tariff> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw meteringError("TARIFF_INVALID", `cannot read tariff file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw meteringError("TARIFF_INVALID", `${path} is not JSON: ${(e as Error).message}`);
  }
  return parseTariff(value, path);
}
