import type { FastifyInstance } from "fastify";
import type { TokenTable } from "../src/auth/roles.ts";
import type { FrontDoorPart } from "../src/frontdoor/server.ts";
import { logger } from "../src/log/logger.ts";
import { Directory } from "./directory.ts";
import { EventHub } from "./events/event-hub.ts";
import { registerBodyParsers } from "./http/media.ts";
import { registerEventsRoutes } from "./http/events-routes.ts";
import { registerThingsRoutes } from "./http/things-routes.ts";
import { registerSearchRoutes } from "./http/search-routes.ts";
import { registerWellKnownRoute } from "./http/well-known-route.ts";
import { registerUiRoutes } from "./ui/ui-routes.ts";
import { SparqlIndex } from "./search/sparql-index.ts";
import { SqliteThingStore } from "./storage/sqlite-store.ts";
import type { ThingStore } from "./storage/port.ts";
import { TdValidator } from "./td/validator.ts";

export { REGISTRY_ERRORS } from "./errors.ts";

const log = logger("registry");

export interface DirectoryPartOptions {
  /** Where the store keeps its files (one writer process per directory). */
  dataDir: string;
  tokens: TokenTable;
  /** Upper bound on a registration's lifetime; unset: TDs without ttl/expires stay until deleted. */
  maxTtlSeconds?: number;
  /** How often expired TDs are purged (default 10 s); they are never served in between either. */
  purgeIntervalMs?: number;
  now?: () => Date;
  /** Largest TD or merge patch accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Largest listing page (default 1000). */
  maxPageSize?: number;
  /** SPARQL queries longer than this are stopped (default 5000 ms). */
  searchTimeoutMs?: number;
  /** Largest search answer in bytes (default 16 MiB). */
  maxSearchResultBytes?: number;
  /** Events kept for Last-Event-ID replay (default 10,000). */
  eventCapacity?: number;
  /** Index TDs for SPARQL (default true). */
  sparql?: boolean;
  /** Most TDs in one SPARQL store (default 25,000); a larger directory is indexed in shards of this many. */
  sparqlShardSize?: number;
  /** Serve the directory browser at `/` too (default true); it is always at /directory-ui/. Off when the operator console owns `/`. */
  rootPage?: boolean;
  /** Another store behind the same port (tests); default: SQLite in dataDir. */
  store?: ThingStore;
}

export interface DirectoryPart extends FrontDoorPart {
  /** The directory state (for the CLI and tests). */
  readonly directory: Directory;
}

/** The Thing Description Directory as a front door part: /things, /events, /search, /.well-known/wot and the browser UI. */
export function createDirectoryPart(options: DirectoryPartOptions): DirectoryPart {
  const now = options.now ?? (() => new Date());
  const store = options.store ?? new SqliteThingStore(options.dataDir);
  const directory = new Directory({ store, validator: new TdValidator(), policy: { maxTtlSeconds: options.maxTtlSeconds }, now });
  const hub = new EventHub({ capacity: options.eventCapacity ?? 10_000, firstId: now().getTime() * 1000 });
  directory.onChange(hub.onChange);
  const sparql = options.sparql === false ? undefined : new SparqlIndex({ timeoutMs: options.searchTimeoutMs ?? 5000, maxResultBytes: options.maxSearchResultBytes ?? 16 * 1024 * 1024, shardSize: options.sparqlShardSize });
  if (sparql) directory.onChange(sparql.onChange);
  let purgeTimer: NodeJS.Timeout | undefined;
  let events: { closeAll(): void } | undefined;
  let loaded: Promise<void> | undefined;

  const load = async () => {
    await directory.load();
    if (sparql) await sparql.start(() => directory.view(true));
  };

  return {
    name: "directory",
    directory,
    async register(app: FastifyInstance) {
      loaded ??= load();
      await loaded;
      registerBodyParsers(app);
      const common = { directory, tokens: options.tokens, now };
      registerThingsRoutes(app, { ...common, bodyLimit: options.maxBodyBytes ?? 1024 * 1024, maxPageSize: options.maxPageSize ?? 1000 });
      events = registerEventsRoutes(app, { hub, tokens: options.tokens, now, heartbeatMs: 15_000 });
      registerSearchRoutes(app, { ...common, sparql, maxResultBytes: options.maxSearchResultBytes ?? 16 * 1024 * 1024 });
      registerWellKnownRoute(app, { sparql: sparql !== undefined });
      registerUiRoutes(app, { rootPage: options.rootPage ?? true });
      purgeTimer = setInterval(() => directory.purgeExpired(), options.purgeIntervalMs ?? 10_000);
      purgeTimer.unref();
      log.info({ dataDir: options.dataDir, things: directory.size }, "directory ready");
    },
    async close() {
      if (purgeTimer) clearInterval(purgeTimer);
      events?.closeAll();
      await sparql?.stop();
      await store.close();
    },
  };
}
