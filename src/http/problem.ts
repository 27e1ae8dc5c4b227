import type { FastifyReply } from "fastify";

/** RFC 9457 problem details, the body of every 4xx/5xx at the front door. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  [extension: string]: unknown;
}

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

export function problem(status: number, title: string, extra: Omit<Partial<Problem>, "status" | "title"> = {}): Problem {
  const code = extra.code;
  return {
    type: code ? `https://gridthings.dev/errors/${code}` : "about:blank",
    title,
    status,
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_MEDIA_TYPE).send(body);
}
