import Fastify, { type FastifyInstance, type FastifyError } from "fastify";
import { logger } from "../log/logger.ts";
import { isCodedError } from "../errors/coded-error.ts";
import { problem, sendProblem } from "../http/problem.ts";
import type { ErrorCatalogue } from "../errors/coded-error.ts";

/** Answers of the front door itself (the parts add their own codes). */
export const FRONTDOOR_ERRORS = {
  REQUEST_INVALID: { status: 400, title: "The request does not match the route's schema (validationErrors lists each problem)" },
  NOT_FOUND: { status: 404, title: "No route for this method and path" },
  INTERNAL_ERROR: { status: 500, title: "Internal server error (logged with details)" },
} as const satisfies ErrorCatalogue;

const log = logger("frontdoor");

/**
 * One part of the front door (the directory, the microgrid API, the console). A part registers its
 * routes on the shared fastify instance and may hold resources that `close` releases.
 */
export interface FrontDoorPart {
  readonly name: string;
  register(app: FastifyInstance): Promise<void> | void;
  close?(): Promise<void> | void;
}

export interface FrontDoorOptions {
  host: string;
  port: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  parts: FrontDoorPart[];
}

/** The one HTTP origin outside clients know: directory, seed 002 API and web UI. */
export class FrontDoor {
  private app: FastifyInstance | undefined;
  private readonly options: FrontDoorOptions;
  private boundUrl: string | undefined;

  constructor(options: FrontDoorOptions) {
    this.options = options;
  }

  get url(): string {
    if (!this.boundUrl) throw new Error("front door is not started");
    return this.boundUrl;
  }

  get fastify(): FastifyInstance {
    if (!this.app) throw new Error("front door is not started");
    return this.app;
  }

  async start(): Promise<string> {
    const app = Fastify({ logger: false, bodyLimit: this.options.bodyLimit ?? 5 * 1024 * 1024, forceCloseConnections: true });
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (isCodedError(error)) {
        return sendProblem(reply, problem(error.status, error.message, { code: error.code, instance: request.url, ...error.details }));
      }
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) log.error({ err: error, url: request.url }, "unhandled error");
      const code = error.validation ? "REQUEST_INVALID" : (error.code ?? "INTERNAL_ERROR");
      return sendProblem(
        reply,
        problem(status, status >= 500 ? "Internal server error" : error.message, {
          code,
          instance: request.url,
          ...(error.validation
            ? { validationErrors: error.validation.map((v) => ({ field: v.instancePath || "/", description: v.message ?? "invalid" })) }
            : {}),
        }),
      );
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, problem(404, "Not found", { code: "NOT_FOUND", detail: `${request.method} ${request.url} does not exist`, instance: request.url })),
    );
    for (const part of this.options.parts) {
      await app.register(async (scope) => part.register(scope));
    }
    await app.listen({ host: this.options.host, port: this.options.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : this.options.port;
    this.app = app;
    this.boundUrl = `http://${this.options.host}:${port}`;
    log.info({ url: this.boundUrl, parts: this.options.parts.map((p) => p.name) }, "front door listening");
    return this.boundUrl;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (app) await app.close();
    for (const part of [...this.options.parts].reverse()) await part.close?.();
  }
}
