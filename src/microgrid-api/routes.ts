import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasRole, type Principal, type TokenTable } from "../auth/roles.ts";
import type { ControlPointInput, NodeLimitInput, StatusEventInput, TouLimitsInput } from "../microgrid/engine.ts";
import type { TopologyPatch } from "../microgrid/topology.ts";
import type { FeederCircuit, MicrogridNode } from "../microgrid/types.ts";
import { apiFail } from "./errors.ts";
import * as S from "./schemas.ts";
import type { MicrogridService } from "./service.ts";
import { strictValidatorCompiler } from "./validator.ts";

type Params = { microgrid_id: string; depot_id: string; control_point_id: string; circuit_id: string };
type RouteT = { Params: Params; Querystring: Record<string, string | number | undefined>; Body: unknown };
type Req = FastifyRequest<RouteT>;

/**
 * Seed 002 "Operator-Facing and Core API Shape" and the Compatibility Matrix. Every 200 is
 * {microgrid_id, timestamp, result}; errors are problem+json from the front door's handler.
 */
export function registerMicrogridRoutes(app: FastifyInstance, service: MicrogridService, tokens: TokenTable, now: () => Date): void {
  app.setValidatorCompiler(strictValidatorCompiler());

  const principalOf = (request: FastifyRequest, write: boolean): Principal => {
    const auth = tokens.principalOf(request.headers.authorization, now());
    if (!auth.ok) throw apiFail("MICROGRID_UNAUTHENTICATED", auth.reason);
    if (write && auth.principal.roles.length === 0) throw apiFail("MICROGRID_UNAUTHENTICATED", "TOKEN_MISSING");
    if (write && !hasRole(auth.principal, "operator")) throw apiFail("MICROGRID_FORBIDDEN");
    return auth.principal;
  };
  const read = { preValidation: async (request: FastifyRequest, reply: FastifyReply) => guard(request, reply, false) };
  const write = { preValidation: async (request: FastifyRequest, reply: FastifyReply) => guard(request, reply, true) };
  async function guard(request: FastifyRequest, reply: FastifyReply, isWrite: boolean): Promise<void> {
    try {
      (request as FastifyRequest & { principal?: Principal }).principal = principalOf(request, isWrite);
    } catch (e) {
      if ((e as { status?: number }).status === 401) reply.header("www-authenticate", 'Bearer realm="gridthings"');
      throw e;
    }
  }
  const actor = (request: FastifyRequest): string => (request as FastifyRequest & { principal?: Principal }).principal?.subject ?? "anonymous";
  const ok = (microgrid_id: string | null, result: unknown, extra: Record<string, unknown> = {}) => ({ microgrid_id, timestamp: now().toISOString(), ...extra, result });
  const mgParams = { params: S.microgridParams };

  // ---- listing and depot aliases
  app.get<RouteT>("/api/microgrids", read, async () => ok(null, service.listMicrogrids().map((m) => ({ microgrid_id: m.microgrid_id, depot_id: m.depot_id, version: m.version }))));

  app.get<RouteT>("/api/depot/:depot_id/microgrid", read, async (req: Req) => {
    const view = service.depotView(req.params.depot_id);
    return ok(view.microgrid_id as string, view);
  });

  app.post<RouteT>("/api/depot/:depot_id/microgrid/resync", { ...write, schema: { body: S.resyncBody } }, async (req: Req) => {
    const body = req.body as { feeder_circuits: FeederCircuit[] };
    const r = await service.resync(req.params.depot_id, body.feeder_circuits, actor(req));
    return ok(r.microgrid.microgrid_id, r);
  });

  app.post<RouteT>("/api/depot/:depot_id/microgrid/capability-status-events", { ...write, schema: { body: S.depotStatusEventBody } }, async (req: Req) => {
    const r = await service.appendDepotStatusEvent(req.params.depot_id, req.body as StatusEventInput & { control_point_id?: string; capability_type?: string });
    return ok(r.event.microgrid_id, r.event, { duplicate: r.duplicate });
  });

  // ---- topology
  app.get<RouteT>("/api/microgrid/:microgrid_id/topology", { ...read, schema: mgParams }, async (req: Req) => {
    const t = service.topology(req.params.microgrid_id);
    return ok(req.params.microgrid_id, { ...t.microgrid, nodes: t.nodes });
  });

  app.post<RouteT>("/api/microgrid/:microgrid_id/topology", { ...write, schema: { ...mgParams, body: S.topologyBody } }, async (req: Req) => {
    const body = req.body as { version: number; nodes?: MicrogridNode[]; patch?: TopologyPatch; depot_id?: string };
    const m = body.nodes
      ? await service.replaceTopology(req.params.microgrid_id, { version: body.version, nodes: body.nodes, ...(body.depot_id ? { depot_id: body.depot_id } : {}) }, actor(req))
      : await service.patchTopology(req.params.microgrid_id, { version: body.version, patch: body.patch as TopologyPatch }, actor(req));
    return ok(m.microgrid_id, m);
  });

  // ---- capability control points and status
  app.get<RouteT>("/api/microgrid/:microgrid_id/control-points", { ...read, schema: { ...mgParams, querystring: S.controlPointsQuery } }, async (req: Req) => {
    const q = req.query as { capability_type?: string; node_id?: string };
    return ok(req.params.microgrid_id, service.controlPoints(req.params.microgrid_id, { ...(q.capability_type ? { capability_type: q.capability_type } : {}), ...(q.node_id ? { node_id: q.node_id } : {}) }));
  });

  app.post<RouteT>("/api/microgrid/:microgrid_id/control-points/:control_point_id", { ...write, schema: { body: S.controlPointBody } }, async (req: Req) => {
    return ok(req.params.microgrid_id, await service.upsertControlPoint(req.params.microgrid_id, req.params.control_point_id, req.body as ControlPointInput));
  });

  app.post<RouteT>("/api/microgrid/:microgrid_id/control-points/:control_point_id/status-events", { ...write, schema: { body: S.statusEventBody } }, async (req: Req) => {
    const r = await service.appendStatusEvent(req.params.microgrid_id, req.params.control_point_id, req.body as StatusEventInput);
    return ok(req.params.microgrid_id, r.event, { duplicate: r.duplicate });
  });

  app.get<RouteT>("/api/microgrid/:microgrid_id/control-points/:control_point_id/status-events", { ...read, schema: { querystring: S.statusEventsQuery } }, async (req: Req) => {
    const q = req.query as { from?: string; to?: string; limit?: number; offset?: number };
    const r = service.statusEvents(req.params.microgrid_id, req.params.control_point_id, q);
    return ok(req.params.microgrid_id, r.items, { total: r.total, limit: q.limit, offset: q.offset });
  });

  // ---- node limits
  app.get<RouteT>("/api/microgrid/:microgrid_id/node-limits", { ...read, schema: { ...mgParams, querystring: S.nodeIdQuery } }, async (req: Req) => {
    const q = req.query as { node_id?: string };
    return ok(req.params.microgrid_id, service.nodeLimits(req.params.microgrid_id, q.node_id));
  });

  app.post<RouteT>("/api/microgrid/:microgrid_id/node-limits", { ...write, schema: { ...mgParams, body: S.nodeLimitBody } }, async (req: Req) => {
    return ok(req.params.microgrid_id, await service.upsertNodeLimit(req.params.microgrid_id, req.body as NodeLimitInput));
  });

  // ---- status, cycles, envelopes (reads)
  app.get<RouteT>("/api/microgrid/:microgrid_id/status", { ...read, schema: mgParams }, async (req: Req) => ok(req.params.microgrid_id, service.status(req.params.microgrid_id)));

  app.get<RouteT>("/api/microgrid/:microgrid_id/cycles", { ...read, schema: { ...mgParams, querystring: S.cyclesQuery } }, async (req: Req) =>
    ok(req.params.microgrid_id, service.lastCycles(req.params.microgrid_id, (req.query as { limit: number }).limit)),
  );

  // Apply Allocations audit: every charge limit written to a device (REQUESTED, then OK/FAILED), newest last
  app.get<RouteT>("/api/microgrid/:microgrid_id/allocation-writes", { ...read, schema: { ...mgParams, querystring: S.allocationWritesQuery } }, async (req: Req) =>
    ok(req.params.microgrid_id, service.allocationWrites(req.params.microgrid_id, (req.query as { limit: number }).limit)),
  );

  app.get<RouteT>("/api/microgrid/:microgrid_id/envelopes", { ...read, schema: { ...mgParams, querystring: S.envelopesQuery } }, async (req: Req) => {
    const q = req.query as { status?: string };
    return ok(req.params.microgrid_id, service.envelopes(req.params.microgrid_id, q.status ? { status: q.status } : {}));
  });

  // ---- commands
  app.post<RouteT>("/api/microgrid/:microgrid_id/rebalance", { ...write, schema: { ...mgParams, body: S.rebalanceBody } }, async (req: Req) => {
    const body = (req.body ?? {}) as { node_id?: string | null; correlation_id?: string; topology_version?: number };
    const cycle = await service.rebalance({
      microgrid_id: req.params.microgrid_id, node_id: body.node_id ?? null, correlation_id: body.correlation_id ?? null,
      expected_topology_version: body.topology_version ?? null, actor: actor(req), source: "HTTP",
    });
    return ok(cycle.microgrid_id, cycle);
  });

  app.post<RouteT>("/api/microgrid/:microgrid_id/telemetry", { ...write, schema: { ...mgParams, body: S.telemetryBody } }, async (req: Req) => {
    const body = req.body as { readings: Array<{ node_id: string; measured_demand_watts: number; observed_at: string }> };
    return ok(req.params.microgrid_id, await service.ingestTelemetry(req.params.microgrid_id, body.readings));
  });

  // ---- compatibility matrix
  app.post<RouteT>("/api/circuit/:circuit_id/rebalance_load", { ...write, schema: { body: S.rebalanceBody } }, async (req: Req) => {
    const body = (req.body ?? {}) as { correlation_id?: string; topology_version?: number };
    const cycle = await service.rebalanceCircuit(req.params.circuit_id, { actor: actor(req), source: "HTTP", correlation_id: body.correlation_id ?? null, expected_topology_version: body.topology_version ?? null });
    return ok(cycle.microgrid_id, cycle, { circuit_id: req.params.circuit_id, node_id: cycle.node_id });
  });

  app.get<RouteT>("/api/circuit/:circuit_id/tou_limits", read, async (req: Req) => {
    const r = await service.touLimits(req.params.circuit_id);
    return ok(r.microgrid_id as string, r, { circuit_id: req.params.circuit_id, node_id: r.node_id });
  });

  app.post<RouteT>("/api/circuit/:circuit_id/tou_limits", { ...write, schema: { body: S.touLimitsBody } }, async (req: Req) => {
    const r = await service.setTouLimits(req.params.circuit_id, req.body as TouLimitsInput, actor(req));
    return ok(r.microgrid_id, r.envelope, { circuit_id: req.params.circuit_id, node_id: r.node_id, duplicate: r.duplicate });
  });

  app.get<RouteT>("/api/circuit/:circuit_id/effective_capacity", read, async (req: Req) => {
    const r = await service.getEffectiveCircuitCapacity(req.params.circuit_id);
    return ok(r.microgrid_id, r, { circuit_id: req.params.circuit_id, node_id: r.node_id });
  });
}
