/**
 * A consumer servient with every client binding, and a time limit on every call (a wrong CoAP
 * address hangs for minutes otherwise). node-wot's consumer keeps one client per scheme with the
 * credentials of the first form it used, so a TD whose writes need a bearer token gets that
 * scheme at Thing level when we hold a token for it (reads accept any bearer too).
 */
import { Agent } from "node:http";
import { core, http, coap, mqtt, modbus, type Servient } from "./node-wot.ts";
import { CodedError } from "../errors/coded-error.ts";
import { WOT_ERRORS } from "./errors.ts";
import { BEARER_SCHEME, type JsonObject } from "./published-td.ts";
import { tuneNodeWotModbusRetries } from "./modbus-faults.ts";

export interface ConsumerOptions {
  /** Bearer token sent to Things whose TD declares the bearer scheme. */
  token?: string;
  /** Milliseconds every read, write and invoke may take. */
  timeoutMs?: number;
  protocols?: ReadonlyArray<"http" | "coap" | "mqtt" | "modbus">;
}

/** An agent the clients cannot destroy one by one: they share it; the consumer closes it on stop. */
class SharedAgent extends Agent {
  override destroy(): void {}
  close(): void {
    super.destroy();
  }
}

/**
 * node-wot gives every consumed Thing its own HTTP client with a fresh agent without keep-alive,
 * so each call opened and closed a TCP connection (a 1,000-battery step: 2,000 connections). Every
 * client of this consumer uses one keep-alive agent instead.
 */
class KeepAliveHttpClientFactory extends http.HttpClientFactory {
  constructor(private readonly agent: Agent) {
    super();
  }

  override getClient(): ReturnType<InstanceType<typeof http.HttpClientFactory>["getClient"]> {
    const client = super.getClient();
    (client as unknown as { agent: Agent }).agent = this.agent;
    return client;
  }
}

/**
 * A consumed Thing's title, for messages. node-wot's `getThingDescription()` deep-copies the whole
 * TD through JSON (a tenth of the CPU of a 1,000-battery control step, and much of its garbage);
 * the ConsumedThing carries the TD's members itself.
 */
function titleOf(thing: WoT.ConsumedThing): string {
  const title = (thing as unknown as { title?: unknown }).title;
  return typeof title === "string" ? title : String(thing.getThingDescription().title);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CodedError("DEVICE_UNAVAILABLE", WOT_ERRORS.DEVICE_UNAVAILABLE, `${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Consumer {
  private servient: Servient | undefined;
  private wot: typeof WoT | undefined;
  private readonly timeoutMs: number;
  private coapFactory: InstanceType<typeof coap.CoapClientFactory> | undefined;
  private httpAgent: SharedAgent | undefined;

  constructor(private readonly options: ConsumerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async start(): Promise<void> {
    const servient = new core.Servient();
    const protocols = new Set(this.options.protocols ?? ["http", "coap", "mqtt", "modbus"]);
    if (protocols.has("http")) {
      this.httpAgent = new SharedAgent({ keepAlive: true, maxSockets: 256 });
      servient.addClientFactory(new KeepAliveHttpClientFactory(this.httpAgent));
    }
    if (protocols.has("coap")) {
      this.coapFactory = new coap.CoapClientFactory();
      servient.addClientFactory(this.coapFactory);
    }
    if (protocols.has("mqtt")) servient.addClientFactory(new mqtt.MqttClientFactory());
    if (protocols.has("modbus")) {
      // node-wot retries a dead Modbus device for ~40 s by default; a consumer with deadlines cannot wait that long.
      tuneNodeWotModbusRetries();
      servient.addClientFactory(new modbus.ModbusClientFactory());
    }
    this.wot = await servient.start();
    this.servient = servient;
  }

  /** Consumes a TD; `only` keeps the forms of one protocol so every call goes over it. */
  async consume(td: JsonObject, only?: "http" | "coap" | "mqtt" | "modbus"): Promise<WoT.ConsumedThing> {
    if (!this.wot || !this.servient) throw new Error("consumer not started");
    const copy = structuredClone(td) as JsonObject & { securityDefinitions?: Record<string, unknown>; security?: unknown };
    if (only) keepProtocol(copy, only);
    if (this.options.token && copy.securityDefinitions?.[BEARER_SCHEME]) {
      copy.security = [BEARER_SCHEME];
      // node-wot passes the credential *list* to the client when a form names its own security
      // (retrieveCredentials), which the HTTP client cannot use ("No Bearer credentials"): with the
      // scheme at Thing level the forms need none of their own.
      dropFormSecurity(copy);
      this.servient.addCredentials({ [String(copy.id)]: { token: this.options.token } });
    }
    return this.wot.consume(copy as unknown as WoT.ThingDescription);
  }

  async read(thing: WoT.ConsumedThing, property: string): Promise<unknown> {
    const what = `read ${titleOf(thing)}.${property}`;
    return withTimeout(
      thing.readProperty(property).then((o) => o.value()),
      this.timeoutMs,
      what,
    );
  }

  async write(thing: WoT.ConsumedThing, property: string, value: unknown): Promise<void> {
    const what = `write ${titleOf(thing)}.${property}`;
    await withTimeout(thing.writeProperty(property, value as WoT.InteractionInput), this.timeoutMs, what);
  }

  async invoke(thing: WoT.ConsumedThing, action: string, input?: unknown): Promise<unknown> {
    const what = `invoke ${titleOf(thing)}.${action}`;
    return withTimeout(
      thing.invokeAction(action, input as WoT.InteractionInput).then(async (o) => (o && o.schema ? o.value() : undefined)),
      this.timeoutMs,
      what,
    );
  }

  async stop(): Promise<void> {
    const servient = this.servient;
    this.servient = undefined;
    this.wot = undefined;
    await servient?.shutdown();
    this.httpAgent?.close();
    this.httpAgent = undefined;
    // CoapClientFactory.destroy() leaves the UDP agent open (NODE-WOT-NOTES.md): close the agents it used.
    this.coapFactory = undefined;
  }
}

function keepProtocol(td: JsonObject, protocol: string): void {
  const schemes: Record<string, string[]> = { http: ["http:", "https:"], coap: ["coap:", "coaps:"], mqtt: ["mqtt:", "mqtts:"], modbus: ["modbus+tcp:"] };
  const ok = (form: { href?: string }) => (schemes[protocol] ?? []).some((s) => String(form.href).startsWith(s));
  for (const kind of ["properties", "actions", "events"]) {
    const group = td[kind] as Record<string, { forms?: Array<{ href?: string }> }> | undefined;
    for (const affordance of Object.values(group ?? {})) affordance.forms = (affordance.forms ?? []).filter(ok);
  }
  if (Array.isArray(td.forms)) td.forms = (td.forms as Array<{ href?: string }>).filter(ok) as never;
}

function dropFormSecurity(td: JsonObject): void {
  for (const kind of ["properties", "actions", "events"]) {
    const group = td[kind] as Record<string, { forms?: Array<{ security?: unknown }> }> | undefined;
    for (const affordance of Object.values(group ?? {})) for (const form of affordance.forms ?? []) delete form.security;
  }
}
