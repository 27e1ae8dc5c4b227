/**
 * node-wot turns any handler throw into a bare 500 (HTTP) or 5.00 (CoAP) whose body is the error
 * message. Our handlers throw CodedErrors; this encodes them into that message so the binding
 * guards can turn them back into the right status and a problem+json body.
 */
import { isCodedError } from "../errors/coded-error.ts";

const MARKER = "GTERR:";

export interface WireError {
  code: string;
  status: number;
  title: string;
  detail?: string;
  [extra: string]: unknown;
}

/** An Error whose message carries the coded error across node-wot. */
export function toWireError(error: unknown): Error {
  if (isCodedError(error)) {
    const payload: WireError = { code: error.code, status: error.status, title: error.message, ...error.details };
    const wire = new Error(MARKER + JSON.stringify(payload));
    wire.name = "WireError";
    return wire;
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** node-wot's own message for a value that fails the affordance's DataSchema. */
const NODE_WOT_SCHEMA_MESSAGE = "Invalid value according to DataSchema";

export function fromWireMessage(message: string): WireError | undefined {
  const at = message.indexOf(MARKER);
  if (at >= 0) {
    try {
      return JSON.parse(message.slice(at + MARKER.length)) as WireError;
    } catch {
      return undefined;
    }
  }
  if (message.includes(NODE_WOT_SCHEMA_MESSAGE)) {
    return { code: "INPUT_INVALID", status: 400, title: "The value does not match the affordance's schema", detail: message };
  }
  return undefined;
}
