import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { TokenTable } from "../auth/roles.ts";
import type { FrontDoorPart } from "../frontdoor/server.ts";
import { EnvelopeLifecycleScheduler, type SchedulerOptions } from "./lifecycle-scheduler.ts";
import { registerMicrogridRoutes } from "./routes.ts";
import type { MicrogridDefinition } from "./seed-data.ts";
import { MicrogridService } from "./service.ts";
import { FileStorage } from "./storage/file-storage.ts";

export interface MicrogridApiOptions {
  /** Directory of microgrid.json (authored state) and microgrid-events.db (streams). */
  dataDir: string;
  tokens: TokenTable;
  now?: () => Date;
  /** Microgrid definitions applied on first start (default: none; see loadMicrogridDefinitions). */
  definitions?: MicrogridDefinition[];
  freshness_threshold_seconds?: number;
  /** Lifecycle scheduler and periodic rebalance; `false` disables the timers (tests that drive time). */
  scheduler?: SchedulerOptions | false;
  /** Scheduled cycles wait for the first telemetry after start, at most the freshness window (default true). */
  await_first_telemetry?: boolean;
  /** An already opened service to share (e.g. with the orchestrator Thing); it is not closed by the part. */
  service?: MicrogridService;
}

export interface MicrogridApiPart extends FrontDoorPart {
  /** The service behind the routes (opened on register when not given). */
  service(): MicrogridService;
}

/** Reads every `*.microgrid.json` of a folder (tds/microgrid). */
export function loadMicrogridDefinitions(dir: string): MicrogridDefinition[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".microgrid.json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as MicrogridDefinition);
}

/** The seed 002 REST API as a front-door part. */
export function createMicrogridApiPart(options: MicrogridApiOptions): MicrogridApiPart {
  let service: MicrogridService | undefined = options.service;
  let scheduler: EnvelopeLifecycleScheduler | undefined;
  const now = options.now ?? (() => new Date());
  return {
    name: "microgrid-api",
    service() {
      if (!service) throw new Error("microgrid api part is not registered yet");
      return service;
    },
    async register(app: FastifyInstance) {
      if (!service) {
        service = await MicrogridService.open({
          storage: new FileStorage(options.dataDir),
          now,
          await_first_telemetry: options.await_first_telemetry ?? true,
          ...(options.definitions ? { definitions: options.definitions } : {}),
          ...(options.freshness_threshold_seconds ? { freshness_threshold_seconds: options.freshness_threshold_seconds } : {}),
        });
      }
      if (options.scheduler !== false) {
        scheduler = new EnvelopeLifecycleScheduler(service, options.scheduler ?? {});
        scheduler.start();
      }
      registerMicrogridRoutes(app, service, options.tokens, now);
    },
    async close() {
      scheduler?.stop();
      if (service && !options.service) await service.close();
    },
  };
}
