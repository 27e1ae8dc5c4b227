/**
 * The parts the CLI commands run, each started and stopped in order: the front door (directory,
 * microgrid API, web UI) and the site's devices.
 */
import { join, resolve } from "node:path";
import { mkdir } from "node:fs/promises";
import { TokenTable, type TokenEntry } from "../auth/roles.ts";
import { loadOrCreateTokens } from "../auth/tokens-file.ts";
import { FrontDoor, type FrontDoorPart } from "../frontdoor/server.ts";
import { createDirectoryPart } from "../../registry/index.ts";
import { createMicrogridApiPart, loadMicrogridDefinitions } from "../microgrid-api/part.ts";
import { loadSite } from "../site/load-site.ts";
import { SiteRuntime, type DeviceKind, type GridMeterFactory } from "../site/runtime.ts";
import { TDS_DIR } from "../tm/model-files.ts";
import type { Settings } from "../config/options.ts";

export interface Stopper {
  stop(): Promise<void>;
}

export async function loadTokens(settings: Settings): Promise<{ table: TokenTable; entries: TokenEntry[]; file: string; created: boolean }> {
  const file = resolve(settings.tokensFile ?? join(settings.dataDir, "tokens.json"));
  const { tokens, created } = await loadOrCreateTokens(file);
  return { table: new TokenTable(tokens), entries: tokens, file, created };
}

export function tokenFor(entries: readonly TokenEntry[], role: TokenEntry["roles"][number]): string | undefined {
  return entries.find((e) => e.roles.includes(role))?.token;
}

export async function startFrontDoor(settings: Settings, tokens: TokenTable): Promise<FrontDoor> {
  const dataDir = resolve(settings.dataDir);
  await mkdir(join(dataDir, "directory"), { recursive: true });
  await mkdir(join(dataDir, "microgrid"), { recursive: true });
  const parts: FrontDoorPart[] = [
    createDirectoryPart({ dataDir: join(dataDir, "directory"), tokens, maxTtlSeconds: 24 * 3600 }),
    createMicrogridApiPart({ dataDir: join(dataDir, "microgrid"), tokens, definitions: loadMicrogridDefinitions(join(TDS_DIR, "microgrid")) }),
  ];
  const door = new FrontDoor({ host: settings.host, port: settings.port, parts });
  await door.start();
  return door;
}

export async function startSite(
  settings: Settings,
  tokens: TokenTable,
  options: { kinds?: DeviceKind[]; deviceIds?: string[]; directory?: { url: string; token: string }; gridMeter?: GridMeterFactory },
): Promise<SiteRuntime> {
  const site = await loadSite(resolve(settings.site));
  const runtime = new SiteRuntime({
    site,
    speed: settings.speed,
    host: settings.host,
    httpPort: settings.thingsPort,
    coapPort: settings.coapPort,
    mqttUrl: settings.mqttUrl,
    mqttPort: settings.mqttPort,
    modbusPort: settings.modbusPort,
    gridMeterModbusPort: settings.meterModbusPort,
    tokens,
    kinds: options.kinds,
    deviceIds: options.deviceIds,
    directory: options.directory ? { ...options.directory, ttlSeconds: settings.ttl } : undefined,
    gridMeter: options.gridMeter,
  });
  await runtime.start();
  return runtime;
}
