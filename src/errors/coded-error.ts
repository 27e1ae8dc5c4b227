/**
 * Stable, documented error codes (fastify's FST_ERR_* habit). Each part of the system declares
 * its codes in a catalogue (`ErrorCatalogue`) and throws `CodedError`; the HTTP layers map the
 * code to problem+json, the WoT glue maps it to a schema error or a protocol error, and the
 * README lists every code (a test checks it).
 */
export interface ErrorSpec {
  /** HTTP status when the error crosses an HTTP boundary. */
  readonly status: number;
  /** One line for the README and for `title` in problem+json. */
  readonly title: string;
}

export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

export class CodedError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, spec: ErrorSpec, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? spec.title);
    this.name = "CodedError";
    this.code = code;
    this.status = spec.status;
    this.details = details;
  }
}

/** Build a typed thrower for one catalogue: `const fail = errorFactory(CATALOGUE); throw fail("X", "why")`. */
export function errorFactory<C extends ErrorCatalogue>(catalogue: C) {
  return (code: keyof C & string, message?: string, details: Record<string, unknown> = {}): CodedError =>
    new CodedError(code, catalogue[code] as ErrorSpec, message, details);
}

export function isCodedError(value: unknown): value is CodedError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { status?: unknown }).status === "number" &&
    (value as { name?: unknown }).name === "CodedError"
  );
}
