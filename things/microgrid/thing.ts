/**
 * The microgrid orchestrator as a WoT Thing (seed 002), one per microgrid: read-only observable
 * properties over the MicrogridService's reads, one action per command (operator bearer over HTTP
 * only), and seed 002's Event Dictionary as events. Every affordance is a thin call into the
 * service: the rules live in src/microgrid.
 */
import type { MicrogridService } from "../../src/microgrid-api/service.ts";
import type { StoredRecord } from "../../src/microgrid-api/storage/storage-port.ts";
import type { ControlPointInput, NodeLimitInput, StatusEventInput } from "../../src/microgrid/engine.ts";
import { notFound } from "../../src/microgrid/errors.ts";
import type { TopologyPatch } from "../../src/microgrid/topology.ts";
import type { MicrogridNode, TelemetryReading } from "../../src/microgrid/types.ts";
import type { Protocol } from "../../src/site/site-file.ts";
import { instantiate, type ModelLoader } from "../../src/tm/instantiate.ts";
import type { HostedThing, ThingSpec } from "../../src/wot/hosted-thing-impl.ts";

export const ORCHESTRATOR_MODEL = "microgrid-orchestrator.tm.json";
export const ORCHESTRATOR_PROTOCOLS: readonly Protocol[] = ["http", "mqtt"];
/** Who the service records as the actor of a command that came through the Thing (the bearer was checked by the HTTP guard). */
export const WOT_ACTOR = "wot-operator";

export const ORCHESTRATOR_ACTIONS = [
  "replace_topology",
  "patch_topology",
  "upsert_node_limit",
  "upsert_control_point",
  "append_status_event",
  "ingest_telemetry",
  "rebalance",
  "withdraw_envelope",
] as const;

/** Seed 002 Event Dictionary → the properties whose value the event changes. */
export const EVENT_DICTIONARY: Readonly<Record<string, readonly string[]>> = {
  "microgrid.topology_updated": ["topology"],
  "microgrid.node_limit_updated": ["node_limits"],
  "microgrid.capability_control_point_updated": ["control_points"],
  "microgrid.capability_status.recorded": ["control_points"],
  "microgrid.operating_envelope_received": ["active_envelopes"],
  "microgrid.operating_envelope_lifecycle_evaluated": ["active_envelopes"],
  "compatibility.effective_circuit_capacity_changed": ["effective_circuit_capacity"],
  "compatibility.effective_circuit_capacity_reconciled": ["effective_circuit_capacity"],
  "microgrid.rebalance_requested": [],
  "microgrid.demand_resolved": [],
  "microgrid.constraint_breach_detected": [],
  "microgrid.cycle_completed": ["last_cycle"],
  "compatibility.circuit_alias_applied": [],
};

export function orchestratorTitle(microgrid_id: string): string {
  return `microgrid-${microgrid_id}`;
}

export interface OrchestratorContext {
  service: MicrogridService;
  models: ModelLoader;
  /** Base URL the Thing Models are served from (the TD's `rel: "type"` link). */
  modelBase: string;
}

export function orchestratorThingSpec(ctx: OrchestratorContext, microgrid_id: string): ThingSpec {
  const { service } = ctx;
  const m = service.microgrid(microgrid_id);
  const td = instantiate(ctx.models, {
    model: ORCHESTRATOR_MODEL,
    values: { MICROGRID_ID: microgrid_id, DEPOT_ID: m.depot_id },
    modelHref: new URL(ORCHESTRATOR_MODEL, ctx.modelBase).href,
  });
  return {
    td,
    protocols: ORCHESTRATOR_PROTOCOLS,
    powerChanging: ORCHESTRATOR_ACTIONS.map((a) => `actions/${a}`),
    properties: {
      topology: {
        read: () => {
          const t = service.topology(microgrid_id);
          return { ...t.microgrid, nodes: t.nodes };
        },
      },
      node_limits: { read: () => service.nodeLimits(microgrid_id) },
      active_envelopes: { read: () => service.activeEnvelopes(microgrid_id) },
      effective_circuit_capacity: { read: () => service.effectiveCircuitCapacities(microgrid_id) },
      control_points: { read: () => service.controlPoints(microgrid_id) },
      last_cycle: { read: () => service.lastCycles(microgrid_id, 1)[0] ?? null },
    },
    actions: {
      replace_topology: (input) => {
        const body = input as { version: number; nodes: MicrogridNode[]; depot_id?: string };
        return service.replaceTopology(microgrid_id, body, WOT_ACTOR);
      },
      patch_topology: (input) => service.patchTopology(microgrid_id, input as { version: number; patch: TopologyPatch }, WOT_ACTOR),
      upsert_node_limit: (input) => service.upsertNodeLimit(microgrid_id, input as NodeLimitInput),
      upsert_control_point: (input) => {
        const { control_point_id, ...body } = input as ControlPointInput & { control_point_id: string };
        return service.upsertControlPoint(microgrid_id, control_point_id, body);
      },
      append_status_event: (input) => {
        const { control_point_id, ...body } = input as StatusEventInput & { control_point_id: string };
        return service.appendStatusEvent(microgrid_id, control_point_id, body);
      },
      ingest_telemetry: (input) => service.ingestTelemetry(microgrid_id, (input as { readings: TelemetryReading[] }).readings),
      rebalance: (input) => {
        const body = input as { node_id?: string | null; correlation_id?: string; topology_version?: number };
        return service.rebalance({
          microgrid_id,
          node_id: body.node_id ?? null,
          correlation_id: body.correlation_id ?? null,
          expected_topology_version: body.topology_version ?? null,
          actor: WOT_ACTOR,
          source: "WOT",
        });
      },
      withdraw_envelope: (input) => {
        const { envelope_id } = input as { envelope_id: string };
        // The port withdraws by id alone: an envelope of another microgrid is not this Thing's to withdraw.
        if (!service.envelopes(microgrid_id).some((e) => e.envelope_id === envelope_id)) throw notFound("ENVELOPE_NOT_FOUND", envelope_id);
        return service.withdrawEnvelope(envelope_id, WOT_ACTOR);
      },
    },
  };
}

/** Forwards the service's records of one microgrid to its Thing: Event Dictionary events and property changes. */
export function forwardRecord(thing: Pick<HostedThing, "emitEvent" | "emitPropertyChange">, microgrid_id: string, record: StoredRecord): boolean {
  if (record.stream !== "domain" || record.microgrid_id !== microgrid_id) return false;
  const changed = EVENT_DICTIONARY[record.type];
  if (!changed) return false;
  thing.emitEvent(record.type, record.payload);
  for (const property of changed) thing.emitPropertyChange(property);
  return true;
}
