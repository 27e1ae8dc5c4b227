import type { FastifyInstance } from "fastify";
import { readFile } from "node:fs/promises";

const ASSETS: Record<string, string> = { "app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8", "index.html": "text/html; charset=utf-8" };
export const UI_PREFIX = "/directory-ui/";

/** The directory browser: `/directory-ui/` (and `/` unless the console owns it) serve the page, assets under /directory-ui/. */
export function registerUiRoutes(app: FastifyInstance, options: { rootPage: boolean } = { rootPage: true }): void {
  const send = async (name: string, reply: import("fastify").FastifyReply) => {
    const body = await readFile(new URL(`./assets/${name}`, import.meta.url));
    return reply.type(ASSETS[name] as string).header("cache-control", "no-cache").send(body);
  };
  if (options.rootPage) app.get("/", async (_request, reply) => send("index.html", reply));
  app.get(UI_PREFIX, async (_request, reply) => send("index.html", reply));
  app.get<{ Params: { name: string } }>(`${UI_PREFIX}:name`, async (request, reply) => {
    if (!(request.params.name in ASSETS)) return reply.callNotFound();
    return send(request.params.name, reply);
  });
}
