/**
 * One exposed Thing: wires a ThingSpec's plain functions to node-wot handlers, validating every
 * input against the affordance's schema, refusing power-changing operations that arrive over a
 * binding that cannot authenticate, counting rejected inputs per protocol, and publishing the
 * cleaned TD.
 */
import type { Protocol } from "../site/site-file.ts";
import { CodedError } from "../errors/coded-error.ts";
import { logger } from "../log/logger.ts";
import { WOT_ERRORS } from "./errors.ts";
import { parseAndValidate } from "./input.ts";
import { publishTd, protocolOf, type Form, type JsonObject } from "./published-td.ts";
import type { HostedThingInfo } from "./hosted-thing.ts";
import { toWireError } from "./wire-error.ts";

const log = logger("wot.thing");

export interface PropertyBinding {
  read(): unknown | Promise<unknown>;
  /** The value has been validated against the property's schema. */
  write?(value: unknown): void | Promise<void>;
}

export type ActionHandler = (input: unknown) => unknown | Promise<unknown>;

export interface ThingSpec {
  /** TD instantiated from a Thing Model, without forms; `title` is the URL path and topic root. */
  td: JsonObject;
  protocols: readonly Protocol[];
  properties: Readonly<Record<string, PropertyBinding>>;
  actions?: Readonly<Record<string, ActionHandler>>;
  /** `properties/<name>` and `actions/<name>` whose write or invoke changes power (bearer on HTTP only). */
  powerChanging?: readonly string[];
  /** Forms added to the published TD (Modbus), keyed `properties/<name>`. */
  extraForms?: Readonly<Record<string, Form[]>>;
  /**
   * Read-only properties carrying per-household data (seed 001 privacy): read over HTTP with a
   * bearer token of the privileged-reader role only, not offered over CoAP or MQTT, never pushed.
   */
  privateProperties?: readonly string[];
}

export interface RejectionCounters {
  total: number;
  byProtocol: Record<Protocol | "unknown", number>;
}

type Exposed = WoT.ExposedThing & {
  properties: Record<string, { forms: Array<{ href: string }> }>;
  actions: Record<string, { forms: Array<{ href: string }> }>;
};

export class HostedThing {
  readonly name: string;
  readonly id: string;
  readonly rejected: RejectionCounters = { total: 0, byProtocol: { http: 0, coap: 0, mqtt: 0, modbus: 0, unknown: 0 } };
  private exposed: Exposed | undefined;
  private published: JsonObject | undefined;
  private publishedText = "";

  constructor(
    private readonly spec: ThingSpec,
    private readonly offered: ReadonlySet<Protocol>,
  ) {
    this.name = String(spec.td.title);
    this.id = String(spec.td.id);
  }

  get td(): JsonObject {
    if (!this.published) throw new Error(`${this.name} is not exposed`);
    return this.published;
  }

  get info(): HostedThingInfo {
    return {
      name: this.name,
      id: this.id,
      protocols: this.offered,
      powerChanging: new Set(this.spec.powerChanging ?? []),
      privateReads: this.privateReads(),
      publishedTd: this.td,
      publishedTdText: this.publishedText,
    };
  }

  async expose(wot: typeof WoT): Promise<void> {
    const exposed = (await wot.produce(structuredClone(this.spec.td) as unknown as WoT.ExposedThingInit)) as Exposed;
    const schemaOf = (kind: "properties" | "actions", name: string): Record<string, unknown> | undefined => {
      const group = this.spec.td[kind] as Record<string, Record<string, unknown>> | undefined;
      const affordance = group?.[name];
      return kind === "actions" ? (affordance?.input as Record<string, unknown> | undefined) : affordance;
    };
    for (const [name, binding] of Object.entries(this.spec.properties)) {
      exposed.setPropertyReadHandler(name, async () => (await binding.read()) as WoT.InteractionInput);
      if (binding.write) {
        const write = binding.write;
        exposed.setPropertyWriteHandler(name, async (iv, options) => {
          await this.guarded("properties", name, options, async () => {
            const raw = new Uint8Array(await iv.arrayBuffer());
            await write(parseAndValidate(raw, schemaOf("properties", name), `${this.name} ${name}`));
          });
        });
      }
    }
    for (const [name, handler] of Object.entries(this.spec.actions ?? {})) {
      exposed.setActionHandler(name, async (iv, options) => {
        const result = await this.guarded("actions", name, options, async () => {
          const raw = iv ? new Uint8Array(await iv.arrayBuffer()) : new Uint8Array();
          return handler(parseAndValidate(raw, schemaOf("actions", name), `${this.name} ${name}`));
        });
        return result as WoT.InteractionInput;
      });
    }
    await exposed.expose();
    this.exposed = exposed;
    this.published = publishTd(exposed.getThingDescription() as unknown as JsonObject, {
      name: this.name,
      protocols: this.offered,
      powerChanging: new Set(this.spec.powerChanging ?? []),
      privateReads: this.privateReads(),
      extraForms: this.spec.extraForms,
    });
    this.publishedText = JSON.stringify(this.published);
  }

  private privateReads(): Set<string> {
    return new Set((this.spec.privateProperties ?? []).map((name) => `properties/${name}`));
  }

  private protocolOf(kind: "properties" | "actions", name: string, formIndex: number | undefined): Protocol | "unknown" {
    const href = formIndex === undefined ? undefined : this.exposed?.[kind][name]?.forms[formIndex]?.href;
    return (href && protocolOf(href)) || "unknown";
  }

  private async guarded<T>(kind: "properties" | "actions", name: string, options: WoT.InteractionOptions | undefined, body: () => Promise<T>): Promise<T> {
    const protocol = this.protocolOf(kind, name, options?.formIndex);
    try {
      if (protocol !== "unknown" && !this.offered.has(protocol)) {
        throw new CodedError("PROTOCOL_NOT_OFFERED", WOT_ERRORS.PROTOCOL_NOT_OFFERED, `${this.name} is not served over ${protocol}`);
      }
      if ((this.spec.powerChanging ?? []).includes(`${kind}/${name}`) && protocol !== "http") {
        throw new CodedError("PROTOCOL_NOT_AUTHENTICATED", WOT_ERRORS.PROTOCOL_NOT_AUTHENTICATED, `${kind}/${name} of ${this.name} arrived over ${protocol}`);
      }
      return await body();
    } catch (error) {
      this.rejected.total++;
      this.rejected.byProtocol[protocol]++;
      log.warn({ thing: this.name, affordance: `${kind}/${name}`, protocol, code: (error as CodedError).code, err: (error as Error).message }, "input rejected");
      // node-wot's MQTT server calls handleWriteProperty without awaiting it: a rejection there is
      // unhandled and would end the process. Over MQTT the refusal is logged and counted instead.
      if (protocol === "mqtt" && kind === "properties") return undefined as T;
      throw toWireError(error);
    }
  }

  emitEvent(name: string, data: unknown): void {
    this.exposed?.emitEvent(name, data as WoT.InteractionInput);
  }

  emitPropertyChange(name: string): void {
    if (this.spec.privateProperties?.includes(name)) return; // household data is never pushed
    void this.exposed?.emitPropertyChange(name);
  }

  async destroy(): Promise<void> {
    const exposed = this.exposed;
    this.exposed = undefined;
    await exposed?.destroy();
  }
}
