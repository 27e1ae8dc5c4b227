/**
 * The operator console at the front door: `/` serves the page, `/console/…` its assets, uPlot and
 * the JSON/SSE routes the views need. The views are ES modules under assets/views (no build step);
 * each reads the APIs of the other parts (directory, microgrid, VPP) like any outside client, with
 * the signed-in token, so a role sees in the console exactly what the server gives it.
 */
import type { FastifyInstance } from "fastify";
import { hasRole, ROLES, type TokenTable } from "../auth/roles.ts";
import type { FrontDoorPart } from "../frontdoor/server.ts";
import type { MicrogridService } from "../microgrid-api/service.ts";
import type { SiteRuntime } from "../site/runtime.ts";
import type { VppServient } from "../vpp/servient.ts";
import { principalOf } from "./auth.ts";
import { consoleError } from "./errors.ts";
import { loadConsoleAssets, loadVendorTable, type Asset } from "./static-assets.ts";
import { microgridRoutes } from "./microgrid/routes.ts";
import { operationsRoutes } from "./operations/routes.ts";
import { historyRoutes } from "./history/routes.ts";
import { directoryRoutes } from "./directory/routes.ts";
import { liveRoutes } from "./live/routes.ts";
import { controlRoutes } from "./controls/routes.ts";

/** What runs in this process; each getter answers undefined until (or unless) that part runs here. */
export interface ConsoleSources {
  tokens: TokenTable;
  vpp: () => VppServient | undefined;
  microgrid: () => MicrogridService | undefined;
  site: () => SiteRuntime | undefined;
  /** The front door's own URL once it listens (for reading TDs and their forms like an outside client). */
  frontDoor: () => string | undefined;
}

/** A group of console routes (live stream, controls, history, operations): one file each. */
export type ConsoleRoutes = (app: FastifyInstance, sources: ConsoleSources) => void | { close(): void | Promise<void> };

const ROUTE_GROUPS: ConsoleRoutes[] = [
  microgridRoutes,
  operationsRoutes,
  historyRoutes,
  directoryRoutes,
  liveRoutes,
  controlRoutes,
];

export function createConsolePart(sources: ConsoleSources): FrontDoorPart {
  const assets = loadConsoleAssets();
  const vendor = loadVendorTable();
  const closers: Array<{ close(): void | Promise<void> }> = [];
  const send = (asset: Asset | undefined, reply: import("fastify").FastifyReply) =>
    asset ? reply.type(asset.type).header("cache-control", "no-cache").send(asset.body) : reply.callNotFound();
  return {
    name: "console",
    register(app: FastifyInstance) {
      app.get("/", async (_req, reply) => send(assets.get("index.html"), reply));
      app.get("/console/", async (_req, reply) => send(assets.get("index.html"), reply));
      app.get<{ Params: { "*": string } }>("/console/assets/*", async (req, reply) => send(assets.get(req.params["*"]), reply));
      app.get<{ Params: { name: string } }>("/console/vendor/:name", async (req, reply) => send(vendor.get(req.params.name), reply));
      app.get("/console/whoami", async (req, reply) => {
        const p = principalOf(req, reply, sources.tokens);
        // `may`: every role the token's roles imply, so pages need no copy of the implication table.
        return { subject: p.subject, roles: p.roles, may: ROLES.filter((r) => hasRole(p, r)), ...(p.thingIds ? { thingIds: p.thingIds } : {}) };
      });
      app.get("/console/parts", async () => ({
        vpp: sources.vpp() !== undefined,
        microgrid: sources.microgrid() !== undefined,
        site: sources.site() !== undefined,
      }));
      for (const group of ROUTE_GROUPS) {
        const closer = group(app, sources);
        if (closer) closers.push(closer);
      }
    },
    async close() {
      for (const c of closers.splice(0)) await c.close();
    },
  };
}

/** For route groups: the part a route needs, or 503 CONSOLE_UNAVAILABLE naming it. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw consoleError("CONSOLE_UNAVAILABLE", `${what} does not run in this process`);
  return value;
}
