/**
 * Simulator controls for operators (and admins): `GET /console/controls` lists the scenarios the
 * `sim-control` Thing offers (from its TD) and the devices they can target;
 * `POST /console/controls/<scenario>` forwards the caller's own bearer token and JSON body to the
 * Thing's HTTP action form and answers what the Thing answered (its problem+json on refusal).
 * Anonymous and reader callers get 401/403 before anything is read or forwarded.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { logger } from "../../log/logger.ts";
import type { Td } from "../../discovery/index.ts";
import { requireRole } from "../auth.ts";
import { consoleError } from "../errors.ts";
import type { ConsoleRoutes, ConsoleSources } from "../part.ts";
import { httpActionForm } from "../live/td-forms.ts";
import { ThingIndex } from "../live/thing-index.ts";
import { isScenario, SCENARIOS, scenariosOf, targetDevices } from "./scenarios.ts";

const log = logger("console.controls");
const FORWARD_TIMEOUT_MS = 10_000;

export const controlRoutes: ConsoleRoutes = (app: FastifyInstance, sources: ConsoleSources) => {
  // onRequest: the role is checked before the body is even parsed.
  // A control is a rare, deliberate call: it reads the directory afresh every time.
  const things = new ThingIndex({ frontDoor: sources.frontDoor, refreshMs: 0 });
  const operatorOnly = async (req: FastifyRequest, reply: FastifyReply) => void requireRole(req, reply, sources.tokens, "operator");

  const simControl = async (): Promise<{ td: Td; all: Td[] }> => {
    let all: Td[] | undefined;
    try {
      all = await things.all();
    } catch (e) {
      throw consoleError("CONSOLE_UPSTREAM_FAILED", `the directory did not list the Things: ${(e as Error).message}`);
    }
    if (!all) throw consoleError("CONSOLE_UNAVAILABLE", "the front door does not listen yet");
    const td = all.find((t) => Array.isArray(t["@type"]) ? t["@type"].includes("gt:SimulationControl") : t["@type"] === "gt:SimulationControl");
    if (!td) throw consoleError("CONSOLE_UNAVAILABLE", "the simulator's sim-control Thing is not in the directory (the site is not simulated here)");
    return { td, all };
  };

  app.get("/console/controls", { onRequest: operatorOnly }, async () => {
    const { td, all } = await simControl();
    return { thing: { id: td.id, title: td.title }, scenarios: scenariosOf(td), devices: targetDevices(all) };
  });

  app.post<{ Params: { scenario: string }; Body: unknown }>("/console/controls/:scenario", { onRequest: operatorOnly }, async (req, reply) => {
    const name = req.params.scenario;
    if (!isScenario(name)) throw consoleError("CONSOLE_BAD_REQUEST", `unknown scenario ${JSON.stringify(name)}; one of ${Object.keys(SCENARIOS).join(", ")}`);
    const body = req.body;
    if (body !== undefined && body !== null && (typeof body !== "object" || Array.isArray(body))) throw consoleError("CONSOLE_BAD_REQUEST", "the body must be a JSON object (the action's input)");
    const { td } = await simControl();
    const action = SCENARIOS[name].action;
    const form = httpActionForm(td, action);
    if (!form) throw consoleError("CONSOLE_UNAVAILABLE", `the sim-control TD offers no HTTP form for ${action}`);
    const takesInput = scenariosOf(td).find((s) => s.name === name)?.input !== null;
    let response: Response;
    try {
      response = await fetch(form.href, {
        method: form.method,
        headers: { accept: "application/json", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(takesInput ? { "content-type": "application/json" } : {}) },
        ...(takesInput ? { body: JSON.stringify(body ?? {}) } : {}),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
    } catch (e) {
      things.invalidate();
      throw consoleError("CONSOLE_UPSTREAM_FAILED", `${form.method} ${form.href}: ${(e as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw consoleError("CONSOLE_UPSTREAM_FAILED", `${action} answered ${response.status} with a body that is not JSON`);
      }
    }
    log.info({ scenario: name, action, status: response.status }, "scenario forwarded to sim-control");
    if (!response.ok) {
      const problem = typeof parsed === "object" && parsed !== null ? parsed : { title: `sim-control answered ${response.status}`, status: response.status };
      return reply.code(response.status).type("application/problem+json").send(problem);
    }
    return { scenario: name, action, thingId: td.id, status: response.status, output: parsed };
  });
};
