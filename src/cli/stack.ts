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
import { createMicrogridApiPart, loadMicrogridDefinitions, type MicrogridApiPart } from "../microgrid-api/part.ts";
import type { MicrogridService } from "../microgrid-api/service.ts";
import { createFlexibilityPart, type FlexibilityPart } from "../microgrid-api/flexibility/flexibility-part.ts";
import { OrchestratorHost } from "../../things/microgrid/host.ts";
import { startLiveSite, type LiveSite } from "../../things/microgrid/live-site.ts";
import { loadSite } from "../site/load-site.ts";
import { SiteRuntime, type DeviceKind, type GridMeterFactory } from "../site/runtime.ts";
import { TDS_DIR } from "../tm/model-files.ts";
import type { Settings } from "../config/options.ts";
import { createConsolePart } from "../console/part.ts";
import type { VppServient } from "../vpp/servient.ts";

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

/** `rebalanceIntervalMs`: periodic balancing cycles of every microgrid (`start` runs them on live telemetry). */
/** What the operator console reads in this process (each getter is undefined until that part runs). */
export interface ConsoleFeeds {
  vpp?: () => VppServient | undefined;
  site?: () => SiteRuntime | undefined;
}

export async function startFrontDoor(settings: Settings, tokens: TokenTable, options: { rebalanceIntervalMs?: number; extraParts?: FrontDoorPart[]; console?: ConsoleFeeds } = {}): Promise<FrontDoor & { microgrid: MicrogridApiPart; flexibility: FlexibilityPart }> {
  const dataDir = resolve(settings.dataDir);
  await mkdir(join(dataDir, "directory"), { recursive: true });
  await mkdir(join(dataDir, "microgrid"), { recursive: true });
  const microgrid = createMicrogridApiPart({
    dataDir: join(dataDir, "microgrid"),
    tokens,
    definitions: loadMicrogridDefinitions(join(TDS_DIR, "microgrid")),
    ...(options.rebalanceIntervalMs ? { scheduler: { rebalanceIntervalMs: options.rebalanceIntervalMs } } : {}),
  });
  // OSCP 2.0 and CSIP-AUS on the microgrid service's envelope write port, mapped by its control points
  const flexibility = createFlexibilityPart({ service: () => microgrid.service(), tokens });
  let microgridRegistered = false;
  let door: FrontDoor | undefined;
  const consolePart = createConsolePart({
    tokens,
    vpp: options.console?.vpp ?? (() => undefined),
    site: options.console?.site ?? (() => undefined),
    microgrid: () => (microgridRegistered ? microgrid.service() : undefined),
    frontDoor: () => (microgridRegistered ? door?.url : undefined),
  });
  const parts: FrontDoorPart[] = [
    createDirectoryPart({ dataDir: join(dataDir, "directory"), tokens, maxTtlSeconds: 24 * 3600, rootPage: false }),
    microgrid,
    flexibility,
    ...(options.extraParts ?? []),
    consolePart,
  ];
  door = new FrontDoor({ host: settings.host, port: settings.port, parts });
  try {
    await door.start();
  } catch (e) {
    await door.stop(); // closes the parts that opened something (the microgrid store)
    throw e;
  }
  microgridRegistered = true;
  return Object.assign(door, { microgrid, flexibility });
}

export const DEFAULT_ORCHESTRATOR_PORT = 8082;

/** A stack whose front door takes a free port takes a free port for its orchestrator Things too. */
export function orchestratorPortOf(settings: Pick<Settings, "port" | "orchestratorPort">): number {
  return settings.orchestratorPort ?? (settings.port === 0 ? 0 : DEFAULT_ORCHESTRATOR_PORT);
}

/** The orchestrator Things (one per microgrid) on their own servient, in the process that owns the service. */
export async function startOrchestrator(
  settings: Settings,
  tokens: TokenTable,
  service: MicrogridService,
  options: { mqttUrl: string | null; directory?: { url: string; token: string } },
): Promise<OrchestratorHost> {
  const host = new OrchestratorHost({
    service,
    host: settings.host,
    httpPort: orchestratorPortOf(settings),
    mqttUrl: options.mqttUrl,
    tokens,
    directory: options.directory ? { ...options.directory, ttlSeconds: settings.ttl } : undefined,
  });
  await host.start();
  return host;
}

/** Feeds the microgrids from the running site's Things (their published TDs, read over WoT) and writes cycle allocations back to the charge points with the operator token. */
export async function startLiveTelemetry(settings: Settings, service: MicrogridService, runtime: SiteRuntime): Promise<LiveSite> {
  const tds = runtime.thingHost.hosted().map((t) => t.td);
  const tokens = await loadTokens(settings);
  const operatorToken = tokenFor(tokens.entries, "operator") ?? tokenFor(tokens.entries, "admin") ?? null;
  return startLiveSite({ service, tds, mqttUrl: runtime.mqttUrl ?? null, speed: settings.speed, operatorToken });
}

export async function startSite(
  settings: Settings,
  tokens: TokenTable,
  options: { kinds?: DeviceKind[]; deviceIds?: string[]; externalThings?: string[]; directory?: { url: string; token: string }; gridMeter?: GridMeterFactory },
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
    externalThings: options.externalThings,
    directory: options.directory ? { ...options.directory, ttlSeconds: settings.ttl } : undefined,
    gridMeter: options.gridMeter,
  });
  await runtime.start();
  return runtime;
}
