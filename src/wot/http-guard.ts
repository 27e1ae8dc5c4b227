/**
 * Middleware in front of node-wot's HTTP server. It serves the published TD, enforces the bearer
 * token on power-changing writes and actions (node-wot can only secure a whole Thing), refuses
 * Things not offered over HTTP, and turns node-wot's bare 4xx/500 answers into problem+json with
 * the right status (node-wot answers 500 for any bad input; NODE-WOT-NOTES.md).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { hasRole, type TokenTable } from "../auth/roles.ts";
import { PROBLEM_MEDIA_TYPE, problem, type Problem } from "../http/problem.ts";
import { logger } from "../log/logger.ts";
import { WOT_ERRORS, type WotErrorCode } from "./errors.ts";
import { pathSegments, type HostedThingRegistry } from "./hosted-thing.ts";
import { fromWireMessage } from "./wire-error.ts";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import { MODELS_DIR } from "../tm/model-files.ts";

const log = logger("wot.http");

export interface HttpGuardOptions {
  registry: HostedThingRegistry;
  tokens: TokenTable;
  now: () => Date;
}

function send(res: ServerResponse, body: Problem, headers: Record<string, string> = {}): void {
  res.writeHead(body.status, { "Content-Type": PROBLEM_MEDIA_TYPE, "Access-Control-Allow-Origin": "*", ...headers });
  res.end(JSON.stringify(body));
}

function coded(code: WotErrorCode, detail: string, instance: string, extra: Record<string, unknown> = {}): Problem {
  const spec = WOT_ERRORS[code];
  return problem(spec.status, spec.title, { code, detail, instance, ...extra });
}

const GENERIC: Record<number, WotErrorCode> = { 400: "INPUT_INVALID", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE" };

/** Rewrites every 4xx/5xx node-wot writes into problem+json; coded handler errors keep their status. */
function interceptErrors(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let pending: number | undefined;
  (res as unknown as { writeHead: unknown }).writeHead = (status: number, ...rest: unknown[]) => {
    if (status >= 400) {
      pending = status;
      return res;
    }
    return writeHead(status, ...rest);
  };
  (res as unknown as { end: unknown }).end = (...args: unknown[]) => {
    if (pending === undefined) return end(...args);
    const status = pending;
    pending = undefined;
    const chunk = args[0];
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "";
    const wire = fromWireMessage(text);
    const instance = req.url ?? "/";
    let body: Problem;
    if (wire) {
      const { code, status: wireStatus, title, ...extra } = wire;
      body = problem(wireStatus, title, { code, instance, ...extra });
    } else {
      const code: WotErrorCode = GENERIC[status] ?? "INTERNAL_ERROR";
      body = coded(code, text || WOT_ERRORS[code].title, instance);
      body.status = status;
      if (status >= 500) log.error({ url: instance, detail: text }, "device handler failed");
    }
    res.removeHeader("Content-Length");
    res.setHeader("Content-Type", PROBLEM_MEDIA_TYPE);
    writeHead(body.status);
    return end(JSON.stringify(body));
  };
}

/** The Thing Models the TDs link to (`rel: "type"`), served from tds/models. */
async function serveModel(url: string, method: string, res: ServerResponse): Promise<void> {
  const relative = normalize(pathSegments(url).slice(1).join("/"));
  if (relative.startsWith("..") || !relative.endsWith(".tm.json")) {
    return send(res, coded("NOT_FOUND", `no Thing Model at ${url}`, url));
  }
  try {
    const text = await readFile(join(MODELS_DIR, relative));
    res.writeHead(200, { "Content-Type": "application/tm+json", "Content-Length": text.length, "Access-Control-Allow-Origin": "*" });
    res.end(method === "HEAD" ? undefined : text);
  } catch {
    send(res, coded("NOT_FOUND", `no Thing Model at ${url}`, url));
  }
}

export function createHttpGuard(options: HttpGuardOptions) {
  return async (req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> => {
    const url = req.url ?? "/";
    const method = req.method ?? "GET";
    const [thingName, kind, affordance, ...rest] = pathSegments(url);
    if (thingName === "models" && (method === "GET" || method === "HEAD")) return serveModel(url, method, res);
    const info = thingName ? options.registry.get(thingName) : undefined;

    if (info && !info.protocols.has("http")) {
      return send(res, coded("PROTOCOL_NOT_OFFERED", `${info.name} is not served over HTTP`, url));
    }
    if (info && kind === undefined && (method === "GET" || method === "HEAD")) {
      const accept = req.headers.accept ?? "";
      const type = accept.includes("application/td+json") || !accept.includes("application/json") ? "application/td+json" : "application/json";
      res.writeHead(200, { "Content-Type": type, "Content-Length": Buffer.byteLength(info.publishedTdText), "Access-Control-Allow-Origin": "*" });
      res.end(method === "HEAD" ? undefined : info.publishedTdText);
      return;
    }
    // Household data (seed 001 privacy): a private property, or all properties at once, of a Thing
    // that has private ones, need the privileged-reader role.
    const privateRead =
      info !== undefined && kind === "properties" && info.privateReads.size > 0 && (affordance === undefined || info.privateReads.has(`properties/${affordance}`));
    if (info && privateRead) {
      const auth = options.tokens.authenticate(req.headers.authorization, options.now());
      if (!auth.ok) {
        const challenge = `Bearer realm="gridthings"${auth.reason === "TOKEN_MISSING" ? "" : ', error="invalid_token"'}`;
        return send(res, coded("UNAUTHENTICATED", `${kind}/${affordance ?? "*"} of ${info.name} is household data: ${auth.reason}`, url), { "WWW-Authenticate": challenge });
      }
      if (!hasRole(auth.principal, "privileged-reader")) {
        return send(res, coded("FORBIDDEN", `${auth.principal.subject} lacks the privileged-reader role`, url));
      }
    }
    if (info && affordance !== undefined && rest.length === 0) {
      const key = `${kind}/${affordance}`;
      const writes = (kind === "properties" && method === "PUT") || (kind === "actions" && method === "POST");
      if (writes && info.powerChanging.has(key)) {
        const auth = options.tokens.authenticate(req.headers.authorization, options.now());
        if (!auth.ok) {
          const challenge = `Bearer realm="gridthings"${auth.reason === "TOKEN_MISSING" ? "" : ', error="invalid_token"'}`;
          return send(res, coded("UNAUTHENTICATED", `${key} of ${info.name} changes power: ${auth.reason}`, url), { "WWW-Authenticate": challenge });
        }
        if (!hasRole(auth.principal, "operator")) {
          return send(res, coded("FORBIDDEN", `${auth.principal.subject} lacks the operator role`, url));
        }
        log.info({ thing: info.name, affordance: key, subject: auth.principal.subject }, "power-changing request authorized");
      }
    }
    res.setHeader("Access-Control-Allow-Origin", "*");
    interceptErrors(req, res);
    next();
  };
}
