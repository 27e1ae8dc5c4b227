/**
 * Fixes around node-wot 0.8.16's CoAP server, applied to one server instance:
 * - Observe crashes the server (#1233): an Observe option on a property read is dropped and the
 *   read answered once (RFC 7641 §4.1: a server that cannot observe answers without Observe);
 *   events are not offered over CoAP (one empty message, #1239): 4.05.
 * - Power-changing writes and actions cannot be authenticated over plain CoAP: 4.01.
 * - Things not offered over CoAP: 4.04.
 * - A handler's coded error (and node-wot's schema failure) arrives as 5.00: mapped back to
 *   4.00/4.01/4.03/4.04/4.09/5.03 with a JSON problem body.
 * - The mDNS introducer (multicast on UDP 5353 for every Thing) is switched off.
 */
import { logger } from "../log/logger.ts";
import { pathSegments, type HostedThingRegistry } from "./hosted-thing.ts";
import { fromWireMessage } from "./wire-error.ts";
import { WOT_ERRORS } from "./errors.ts";

const log = logger("wot.coap");

interface CoapRequest {
  url: string;
  method: string;
  headers: Record<string, unknown>;
}
interface CoapResponse {
  code: string;
  setOption(name: string, value: unknown): void;
  end(payload?: unknown): void;
}
interface CoapServerInternals {
  handleRequest(req: CoapRequest, res: CoapResponse): Promise<void>;
  sendResponse(res: CoapResponse, code: string, payload: unknown): void;
  mdnsIntroducer?: { close(): Promise<void> | void };
}

const STATUS_TO_COAP: Record<number, string> = { 400: "4.00", 401: "4.01", 403: "4.03", 404: "4.04", 405: "4.05", 409: "4.09", 415: "4.15", 503: "5.03" };

function problemPayload(status: number, code: string, title: string, detail: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: `https://gridthings.dev/errors/${code}`, title, status, code, detail, ...extra });
}

export function guardCoapServer(server: unknown, registry: HostedThingRegistry): void {
  const internals = server as CoapServerInternals;
  const originalHandle = internals.handleRequest.bind(internals);
  const originalSend = internals.sendResponse.bind(internals);

  const reply = (res: CoapResponse, code: string, payload: string) => {
    res.setOption("Content-Format", "application/json");
    originalSend(res, code, payload);
  };

  internals.sendResponse = (res, code, payload) => {
    if (code.startsWith("5.")) {
      const text = typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : "";
      const wire = fromWireMessage(text);
      if (wire) {
        const { code: errorCode, status, title, ...extra } = wire;
        return reply(res, STATUS_TO_COAP[status] ?? "5.00", problemPayload(status, errorCode, title, String(extra.detail ?? title), extra));
      }
      log.error({ code, detail: text }, "device handler failed");
    }
    return originalSend(res, code, payload);
  };

  internals.handleRequest = async (req, res) => {
    const [thingName, kind, affordance] = pathSegments(req.url ?? "/");
    const info = thingName ? registry.get(thingName) : undefined;
    if (info) {
      if (!info.protocols.has("coap")) {
        const e = WOT_ERRORS.PROTOCOL_NOT_OFFERED;
        return reply(res, "4.04", problemPayload(e.status, "PROTOCOL_NOT_OFFERED", e.title, `${info.name} is not served over CoAP`));
      }
      if ((kind === "properties" || kind === "actions") && affordance !== undefined) {
        const group = info.publishedTd[kind] as Record<string, unknown> | undefined;
        if (!group || !(affordance in group)) {
          const e = WOT_ERRORS.NOT_FOUND;
          return reply(res, "4.04", problemPayload(e.status, "NOT_FOUND", e.title, `${info.name} has no ${kind}/${affordance}`));
        }
      }
      if (kind === "events") {
        const e = WOT_ERRORS.METHOD_NOT_ALLOWED;
        return reply(res, "4.05", problemPayload(e.status, "METHOD_NOT_ALLOWED", e.title, "events are served over MQTT and HTTP, not CoAP"));
      }
      if (kind === "properties" && info.privateReads.size > 0 && (affordance === undefined || info.privateReads.has(`properties/${affordance}`))) {
        const e = WOT_ERRORS.PROTOCOL_NOT_AUTHENTICATED;
        return reply(res, "4.01", problemPayload(e.status, "PROTOCOL_NOT_AUTHENTICATED", e.title, `${kind}/${affordance ?? "*"} is household data: read it over HTTP with a privileged-reader token`));
      }
      const writes = (kind === "properties" && req.method === "PUT") || (kind === "actions" && req.method === "POST");
      if (writes && affordance !== undefined && info.powerChanging.has(`${kind}/${affordance}`)) {
        const e = WOT_ERRORS.PROTOCOL_NOT_AUTHENTICATED;
        return reply(res, "4.01", problemPayload(e.status, "PROTOCOL_NOT_AUTHENTICATED", e.title, `${kind}/${affordance} changes power: use the HTTP form with a bearer token`));
      }
    }
    if (req.method === "GET" && req.headers.Observe !== undefined) delete req.headers.Observe;
    return originalHandle(req, res);
  };
}

/** Call after the server started: closes node-wot's mDNS announcer. */
export async function silenceCoapMdns(server: unknown): Promise<void> {
  const internals = server as CoapServerInternals;
  const introducer = internals.mdnsIntroducer;
  internals.mdnsIntroducer = undefined;
  await introducer?.close();
}
