/** The microgrid view's console routes: overview, live events, envelope withdraw; bad input on each. */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { createConsolePart } from "../../src/console/part.ts";
import type { MicrogridOverview, NodeView } from "../../src/console/microgrid/view-model.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createMicrogridApiPart, loadMicrogridDefinitions } from "../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../src/microgrid-api/storage/storage-port.ts";
import { openSse } from "./sse-client.ts";

const TDS = fileURLToPath(new URL("../../tds/microgrid", import.meta.url));
const MG = "mg-depot-north-1";
const tokens = new TokenTable([
  { token: "op-token", subject: "op", roles: ["operator"] },
  { token: "rd-token", subject: "rd", roles: ["reader"] },
  { token: "old-token", subject: "old", roles: ["operator"], expiresAt: "2000-01-01T00:00:00Z" },
]);

function flatten(nodes: NodeView[]): NodeView[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

describe("console microgrid routes", () => {
  let service: MicrogridService;
  let door: FrontDoor;
  let bare: FrontDoor;
  let url: string;
  let bareUrl: string;
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const r = await fetch(url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: loadMicrogridDefinitions(TDS) });
    const sources = { tokens, microgrid: () => service, vpp: () => undefined, site: () => undefined, frontDoor: () => undefined };
    door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createMicrogridApiPart({ dataDir: "/nonexistent", tokens, service, scheduler: false }), createConsolePart(sources)] });
    url = await door.start();
    bare = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ ...sources, microgrid: () => undefined })] });
    bareUrl = await bare.start();
  });
  afterAll(async () => {
    await door.stop();
    await bare.stop();
    await service.close();
  });

  it("gives the node tree with limits, capacity and demand: measured, fallback, or a sum of children", async () => {
    const now = new Date().toISOString();
    const readings = ["con-a1-1", "con-a1-2", "cp-a2", "cp-a3", "load-f-n1a", "bess-north-1", "cp-b1", "load-f-n1b", "pv-north-1"].map((node_id) => ({ node_id, measured_demand_watts: node_id === "pv-north-1" ? -20_000 : 10_000, observed_at: now }));
    expect((await call("POST", `/api/microgrid/${MG}/telemetry`, { readings }, "op-token")).status).toBe(200);
    expect((await call("POST", `/api/microgrid/${MG}/rebalance`, {}, "op-token")).status).toBe(200);

    const r = await call("GET", `/console/microgrid/${MG}/overview?cycles=5`);
    expect(r.status).toBe(200);
    const o = r.body as MicrogridOverview;
    expect(o.microgrid.microgrid_id).toBe(MG);
    expect(o.roots.map((n) => n.node_id)).toEqual(["gc-f-n1a", "gc-f-n1b"]);
    const nodes = flatten(o.roots);
    expect(nodes).toHaveLength(o.node_count);
    expect(o.node_count).toBe(15);
    const byId = new Map(nodes.map((n) => [n.node_id, n]));
    expect(byId.get("cp-a1")!.parent_node_id).toBe("cir-depot-a");
    expect(byId.get("cp-a1")!.depth).toBe(2);
    expect(byId.get("cir-depot-a")!.limits.map((l) => l.constraint_type)).toContain("CONSUMPTION_CAP");
    expect(byId.get("gc-f-n1a")!.effective_capacity?.circuit_id).toBe("f-n1a");
    expect(byId.get("cp-a2")!.effective_capacity).toBeNull();
    expect(byId.get("cp-a2")!.demand).toMatchObject({ source_mode: "MEASURED", fallback: null, reading: { measured_demand_watts: 10_000, fresh: true } });
    // cp-b2 sent nothing: the cycle fell back on its own cap
    expect(byId.get("cp-b2")!.demand.source_mode).toBe("FALLBACK_DERIVED");
    expect(byId.get("cp-b2")!.demand.fallback?.inputs_used[0]).toMatch(/^own_cap:/);
    expect(byId.get("cir-depot-a")!.demand.source_mode).toBeNull();
    expect(o.cycles).toHaveLength(1);
    expect(o.cycles[0]!.reason_codes).toContain("TELEMETRY_STALE_FALLBACK_USED");
    expect(o.control_points.map((c) => c.control_point_id)).toContain("cp-load-balancing");
  });

  it("shows live envelopes with their blocks on the node they target, and the window of the time axis", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const r = await call("POST", "/api/circuit/f-n1b/tou_limits", { blocks: [{ block_from: from, block_to: to, max_limit_watts: 200_000, target_watts: 200_000 }], source_ref: "console-test-1" }, "op-token");
    expect(r.status).toBe(200);
    await service.evaluateLifecycle();
    const o = (await call("GET", `/console/microgrid/${MG}/overview`)).body as MicrogridOverview;
    const gc = flatten(o.roots).find((n) => n.node_id === "gc-f-n1b")!;
    expect(gc.envelopes).toHaveLength(1);
    expect(gc.envelopes[0]).toMatchObject({ envelope_type: "TOU_LIMIT", status: "ACTIVE", blocks: [{ max_limit_watts: 200_000 }] });
    expect(gc.effective_capacity?.effective_capacity_watts).toBe(200_000);
    expect(Date.parse(o.window!.from)).toBeLessThanOrEqual(Date.parse(from));
    expect(Date.parse(o.window!.to)).toBeGreaterThanOrEqual(Date.parse(to));
  });

  it("refuses bad overview input: unknown microgrid, bad ids, bad cycles, unknown parameters, bad tokens; 503 without the service", async () => {
    const rows: Array<[string, number, string, string?]> = [
      [`/console/microgrid/mg-nope/overview`, 404, "MICROGRID_NOT_FOUND"],
      [`/console/microgrid/${encodeURIComponent("bad id")}/overview`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/-leading-dash/overview`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${"x".repeat(101)}/overview`, 414, "FST_ERR_MAX_PARAM_LENGTH"],
      [`/console/microgrid/${MG}/overview?cycles=0`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview?cycles=51`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview?cycles=2.5`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview?cycles=abc`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview?cycles=1&cycles=2`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview?limit=5`, 400, "CONSOLE_BAD_REQUEST"],
      [`/console/microgrid/${MG}/overview`, 401, "CONSOLE_AUTH_REQUIRED", "nope"],
      [`/console/microgrid/${MG}/overview`, 401, "CONSOLE_AUTH_REQUIRED", "old-token"],
    ];
    for (const [path, status, code, token] of rows) {
      const r = await call("GET", path, undefined, token);
      expect(r.status, path).toBe(status);
      expect(r.body.code, path).toBe(code);
    }
    const r = await fetch(`${bareUrl}/console/microgrid/${MG}/overview`);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_UNAVAILABLE");
  });

  it("streams cycles and changes of the followed microgrid as they are recorded", async () => {
    const sse = await openSse(`${url}/console/microgrid/${MG}/events`, "rd-token");
    try {
      expect(sse.status).toBe(200);
      const hello = await sse.next((m) => m.event === "hello");
      expect(hello.data).toMatchObject({ microgrid_id: MG });
      const cycle = (await call("POST", `/api/microgrid/${MG}/rebalance`, { correlation_id: "sse-test" }, "op-token")).body.result;
      const got = await sse.next((m) => m.event === "cycle");
      expect((got.data as { cycle_id: string }).cycle_id).toBe(cycle.cycle_id);
      expect(Number(got.id)).toBeGreaterThan(0);
      const done = await sse.next((m) => m.event === "change" && (m.data as { type: string }).type === "microgrid.cycle_completed");
      expect((done.data as { payload: { cycle_id: string } }).payload.cycle_id).toBe(cycle.cycle_id);
      // a topology edit arrives as a change with its new version
      const t = (await call("GET", `/api/microgrid/${MG}/topology`)).body.result;
      const node = t.nodes.find((n: { node_id: string }) => n.node_id === "cp-a3");
      expect((await call("POST", `/api/microgrid/${MG}/topology`, { version: t.version, patch: { upsert: [node] } }, "op-token")).status).toBe(200);
      const changed = await sse.next((m) => m.event === "change" && (m.data as { type: string }).type === "microgrid.topology_updated");
      expect((changed.data as { payload: { version: number } }).payload.version).toBe(t.version + 1);
    } finally {
      sse.close();
    }
  });

  it("refuses bad envelope-lifecycle queries", async () => {
    for (const [q, status, token] of [["limit=0", 400], ["limit=501", 400], ["limit=x", 400], ["since=1", 400], ["", 401, "nope"]] as Array<[string, number, string?]>) {
      expect((await call("GET", `/console/microgrid/${MG}/envelope-lifecycle?${q}`, undefined, token)).status, q).toBe(status);
    }
    expect((await call("GET", "/console/microgrid/mg-nope/envelope-lifecycle")).body.code).toBe("MICROGRID_NOT_FOUND");
    expect((await fetch(`${bareUrl}/console/microgrid/${MG}/envelope-lifecycle`)).status).toBe(503);
  });

  it("refuses bad event-stream requests before the stream opens", async () => {
    for (const [path, status, token] of [[`/console/microgrid/mg-nope/events`, 404], [`/console/microgrid/${encodeURIComponent("a/b")}/events`, 400], [`/console/microgrid/${encodeURIComponent("a b")}/events`, 400], [`/console/microgrid/${MG}/events`, 401, "nope"]] as Array<[string, number, string?]>) {
      const r = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect(r.status, path).toBe(status);
      expect(r.headers.get("content-type"), path).toContain("application/problem+json");
      await r.body?.cancel();
    }
    const r = await fetch(`${bareUrl}/console/microgrid/${MG}/events`);
    expect(r.status).toBe(503);
    await r.body?.cancel();
  });

  it("withdraws an envelope for an operator only, and refuses unknown envelopes, other microgrids and bodies", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const created = await call("POST", "/api/circuit/f-n1a/tou_limits", { blocks: [{ block_from: from, block_to: to, max_limit_watts: 300_000 }], source_ref: "console-test-2" }, "op-token");
    const envelope_id = created.body.result.envelope_id as string;
    const path = `/console/microgrid/${MG}/envelopes/${envelope_id}/withdraw`;
    expect((await call("POST", path, {})).body.code).toBe("CONSOLE_AUTH_REQUIRED");
    expect((await call("POST", path, {}, "rd-token")).status).toBe(403);
    expect((await call("POST", path, {}, "old-token")).status).toBe(401);
    expect((await call("POST", path, { reason: "x" }, "op-token")).body.code).toBe("CONSOLE_BAD_REQUEST");
    expect((await call("POST", path, "[1]", "op-token")).status).toBe(400);
    expect((await call("POST", path, "{not json", "op-token")).status).toBe(400);
    expect((await call("POST", `/console/microgrid/${MG}/envelopes/env-nope/withdraw`, {}, "op-token")).body.code).toBe("ENVELOPE_NOT_FOUND");
    expect((await call("POST", `/console/microgrid/mg-nope/envelopes/${envelope_id}/withdraw`, {}, "op-token")).status).toBe(404);
    expect((await call("POST", `/console/microgrid/${MG}/envelopes/${encodeURIComponent("bad id")}/withdraw`, {}, "op-token")).status).toBe(400);
    expect(service.envelopes(MG).find((e) => e.envelope_id === envelope_id)!.status).not.toBe("WITHDRAWN");

    const ok = await call("POST", path, {}, "op-token");
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({ envelope_id, status: "WITHDRAWN" });
    const lifecycle = await call("GET", `/console/microgrid/${MG}/envelope-lifecycle?limit=500`);
    expect(lifecycle.status).toBe(200);
    const mine = lifecycle.body.records.filter((r: { envelope_id: string }) => r.envelope_id === envelope_id);
    expect(mine.map((r: { transition: string }) => r.transition)).toEqual(["WITHDRAWN", "ACTIVE", "RECEIVED"]); // newest first
    expect(mine[0]).toMatchObject({ withdrawn_by: "op", node_id: "gc-f-n1a", status: "WITHDRAWN" });
    expect((await call("GET", `/console/microgrid/${MG}/envelope-lifecycle?limit=1`)).body.records).toHaveLength(1);
    // withdrawing again is idempotent (the service answers the withdrawn envelope)
    const again = await call("POST", path, undefined, "op-token");
    expect(again.status).toBe(200);
    expect(again.body.result.status).toBe("WITHDRAWN");
  });
});
