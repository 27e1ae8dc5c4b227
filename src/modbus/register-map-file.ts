/** Loads register-map files from `tds/register-maps/` (the only fs access of the Modbus part). */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { modbusError } from "./errors.ts";
import { parseRegisterMap, type RegisterMap } from "./register-map.ts";

export const REGISTER_MAPS_DIR = fileURLToPath(new URL("../../tds/register-maps/", import.meta.url));

/** Load and validate a map: a bare file name is looked up in tds/register-maps/, a path is used as given. */
export async function loadRegisterMap(fileOrPath: string): Promise<RegisterMap> {
  const path = fileOrPath.includes("/") ? fileOrPath : REGISTER_MAPS_DIR + fileOrPath;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw modbusError("MODBUS_MAP_INVALID", `cannot read register map ${path}: ${(err as Error).message}`, { path });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw modbusError("MODBUS_MAP_INVALID", `register map ${path} is not JSON: ${(err as Error).message}`, { path });
  }
  return parseRegisterMap(parsed, path);
}
