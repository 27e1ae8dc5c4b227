/**
 * Fixtures for the live and controls route tests: a tiny HTTP "device" server whose routes stand
 * for Thing affordances (it records what it was sent), a front-door part that lists TDs at
 * `/things` like the directory does, an SSE reader over fetch, and a VPP stand-in with the
 * servient's read-only surface.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { FrontDoorPart } from "../../src/frontdoor/server.ts";
import type { LiveVppSource } from "../../src/console/live/sampler.ts";
import type { VppServient } from "../../src/vpp/servient.ts";

export interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export type Handler = (req: Recorded) => { status: number; body?: unknown; type?: string };

/** An HTTP server answering per path; every request is recorded. */
export class DeviceServer {
  readonly requests: Recorded[] = [];
  readonly routes = new Map<string, Handler>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const r: Recorded = { method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, contentType: req.headers["content-type"], body };
        this.requests.push(r);
        const handler = this.routes.get(`${r.method} ${(r.url.split("?")[0] ?? "")}`);
        const answer = handler ? handler(r) : { status: 404, body: { title: "no such affordance", status: 404, code: "NOT_FOUND" }, type: "application/problem+json" };
        if (answer.body === undefined) {
          res.writeHead(answer.status).end();
          return;
        }
        res.writeHead(answer.status, { "content-type": answer.type ?? "application/json" }).end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The directory's `/things` listing, from a mutable array. */
export function thingsPart(tds: () => object[]): FrontDoorPart {
  return {
    name: "test-things",
    register(app: FastifyInstance) {
      app.get("/things", async () => tds());
    },
  };
}

const read = (href: string) => ({ forms: [{ href, contentType: "application/json", op: "readproperty", "htv:methodName": "GET" }] });

export function gridMeterTd(base: string): object {
  return { id: "urn:test:grid-meter", title: "grid-meter", "@type": ["gt:GridMeter"], properties: { channels: read(`${base}/grid-meter/properties/channels`) } };
}

export function plantTd(base: string, name: string, type: "gt:PvPlant" | "gt:WindPlant"): object {
  return { id: `urn:test:${name}`, title: name, "@type": [type], properties: { telemetry: read(`${base}/${name}/properties/telemetry`) } };
}

export function batteryTd(name: string): object {
  return { id: `urn:test:${name}`, title: name, "@type": ["saref:Device", "gt:Battery"], properties: {} };
}

const action = (href: string) => ({ forms: [{ href, contentType: "application/json", op: "invokeaction", "htv:methodName": "POST", security: ["bearer_sc"] }] });

export function simControlTd(base: string): object {
  return {
    id: "urn:test:sim-control",
    title: "sim-control",
    "@type": ["gt:SimulationControl"],
    actions: {
      injectLoadStep: { title: "Inject a load step", input: { type: "object", properties: { powerW: { type: "number" }, durationSeconds: { type: "number" } }, required: ["powerW"] }, ...action(`${base}/sim-control/actions/injectLoadStep`) },
      clearLoadSteps: { title: "Remove every injected load step", ...action(`${base}/sim-control/actions/clearLoadSteps`) },
      injectDeviceFault: { title: "Inject a device hardware fault", input: { type: "object" }, ...action(`${base}/sim-control/actions/injectDeviceFault`) },
    },
  };
}

export const CHANNELS = {
  Voltage_L1: 231, Voltage_L2: 232, Voltage_L3: 233, Current_L1: 100, Current_L2: 110, Current_L3: 120,
  ActivePower_L1: -20000, ActivePower_L2: -5000, ActivePower_L3: -15000, ReactivePower_L1: 1000, ReactivePower_L2: 2000, ReactivePower_L3: 3000,
  ActivePower: -40000, ReactivePower: 6000, ApparentPower: 40400, PowerFactor: -0.99, Frequency: 59.99, Frequency_RoCoF: -0.001, quality: "GOOD",
};

/** A VPP stand-in: the read-only surface the sampler uses. Aggregates carry a household id where they must not leak it. */
export function fakeVpp(): LiveVppSource & { asServient(): VppServient } {
  const v: LiveVppSource = {
    config: { regulation: { nominalHz: 60, deadbandHz: 0.02 } } as LiveVppSource["config"],
    status: () =>
      ({
        running: true,
        simTime: "2026-06-21T19:00:00.000Z",
        frequencyHz: 59.99,
        deviationHz: -0.01,
        mode: "idle",
        fleetCommandW: 0,
        lastDecision: null,
        ensemble: {},
        batteries: [{ id: "urn:test:bess-1", active: true, socPercent: 60, activePowerW: 0, targetW: 0, droop: "none", placement: { region: "north" } }],
        steps: 3,
        timeouts: 0,
        commandsSent: 0,
        commandsFailed: 0,
        activeIncidents: 0,
        openTasks: 0,
        metering: null,
        aggregate: {
          at: "2026-06-21T19:00:00.000Z",
          total: { level: "total", key: "all", demandW: 5000, importW: 5000, exportW: 0, meters: 2, stale: 0, newestReadingAt: null },
          regions: [{ level: "region", key: "north", region: "north", demandW: 5000, importW: 5000, exportW: 0, meters: 2, stale: 0, newestReadingAt: null, meterId: "meter-secret-0001" }],
          substations: [],
          feeders: [],
        },
      }) as unknown as ReturnType<LiveVppSource["status"]>,
    batteryStates: () => [{ id: "urn:test:bess-1", socPercent: 60, activePowerW: 0, targetPowerW: 0, droopPowerW: 0, maxDischargePowerW: 1000, maxChargePowerW: 1000, state: "idle", quality: "GOOD" }],
    forecastView: () => ({ points: [], model: { plants: {}, alpha: 0.2 } }),
  };
  return { ...v, asServient: () => v as unknown as VppServient };
}

export interface SseMessage {
  event: string;
  id: string | undefined;
  data: unknown;
}

/** Reads an SSE response until `until` says enough (or the stream ends); then aborts it. */
export async function readSse(url: string, init: RequestInit, until: (messages: SseMessage[]) => boolean, timeoutMs = 20_000): Promise<{ response: Response; messages: SseMessage[]; raw: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { ...init, signal: controller.signal });
  const messages: SseMessage[] = [];
  let raw = "";
  try {
    if (!response.body) return { response, messages, raw };
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (!until(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += value;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const m: SseMessage = { event: "message", id: undefined, data: undefined };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) m.event = line.slice(7);
          else if (line.startsWith("id: ")) m.id = line.slice(4);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length) {
          m.data = JSON.parse(data.join("\n"));
          messages.push(m);
        }
      }
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { response, messages, raw };
}
