import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { EnvelopeLifecycleScheduler } from "../../src/microgrid-api/lifecycle-scheduler.ts";
import { loadMicrogridDefinitions } from "../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { FileStorage } from "../../src/microgrid-api/storage/file-storage.ts";
import { InMemoryStorage } from "../../src/microgrid-api/storage/storage-port.ts";
import type { StoredRecord } from "../../src/microgrid-api/storage/storage-port.ts";
import { cleanup, TDS } from "./harness.ts";

const MG = "mg-depot-north-1";
const definitions = loadMicrogridDefinitions(TDS);

describe("MicrogridService", () => {
  it("listeners hear Event Dictionary records after they are stored; unsubscribe stops them", async () => {
    const storage = new InMemoryStorage();
    const service = await MicrogridService.open({ storage, definitions, now: () => new Date("2026-05-01T10:00:00Z") });
    const heard: StoredRecord[] = [];
    const off = service.onEvent((r) => {
      heard.push(r);
      expect(storage.read(r.stream).some((x) => x.seq === r.seq)).toBe(true); // durable before it is told
    });
    await service.upsertNodeLimit(MG, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 30000, source_type: "MANUAL" });
    expect(heard.map((r) => r.type)).toEqual(["microgrid.node_limit_updated"]);
    off();
    await service.upsertNodeLimit(MG, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 31000, source_type: "MANUAL" });
    expect(heard).toHaveLength(1);
    await service.close();
  });

  it("a failed legacy translation is still audited in the stream", async () => {
    const storage = new InMemoryStorage();
    const service = await MicrogridService.open({ storage, definitions });
    expect(await service.legacyRebalanceRequested("f-unknown")).toBeNull();
    await expect(service.rebalanceCircuit("f-unknown", { actor: "x", source: "HTTP" })).rejects.toMatchObject({ code: "CIRCUIT_ALIAS_NOT_RESOLVABLE" });
    expect(storage.read("domain").filter((r) => r.type === "compatibility.circuit_alias_failed")).toHaveLength(2);
    await service.close();
  });

  it("advisory optimisation outputs are validated against node limits (FR-019) and collections are queryable", async () => {
    const service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions });
    expect(service.collection(MG, { root_node_id: "gc-f-n1a", node_types: ["CHARGE_POINT", "POWER_SOURCE"] }).map((n) => n.node_id)).toEqual(["cp-a1", "cp-a2", "cp-a3", "bess-north-1"]);
    expect(() => service.validateAdvisory(MG, [{ node_id: "cp-a2", target_watts: 40000 }])).not.toThrow();
    expect(() => service.validateAdvisory(MG, [{ node_id: "cp-a2", target_watts: 60000 }])).toThrow(/ADVISORY_OUTPUT_WITHIN_NODE_LIMITS/);
    await service.close();
  });

  it("the scheduler driver activates an envelope at its boundary without a read mutating it", async () => {
    const service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions });
    const scheduler = new EnvelopeLifecycleScheduler(service, { maxDelayMs: 1000 });
    scheduler.start();
    try {
      const from = new Date(Date.now() + 300);
      const to = new Date(Date.now() + 3_600_000);
      const { envelope } = await service.submitEnvelope({
        microgrid_id: MG, node_id: "gc-f-n1b", envelope_type: "OVERRIDE", constraint_type: "CONSUMPTION_CAP",
        effective_from: from.toISOString(), effective_to: to.toISOString(), source_ref: "sched-1",
        blocks: [{ block_from: from.toISOString(), block_to: to.toISOString(), target_watts: 123000 }],
      });
      expect(envelope.status).toBe("PENDING");
      await vi.waitFor(() => expect(service.activeEnvelopes(MG).map((e) => e.envelope_id)).toEqual([envelope.envelope_id]), { timeout: 10_000, interval: 50 });
      expect(service.effectiveCircuitCapacities(MG).find((c) => c.circuit_id === "f-n1b")).toMatchObject({ effective_capacity_watts: 123000, projection_trigger: "ENVELOPE_LIFECYCLE" });
    } finally {
      scheduler.stop();
      await service.close();
    }
  });
});

describe("periodic rebalance", () => {
  it("runs ScheduledEventRebalancePeriodic{microgrid_id} on the latest telemetry", async () => {
    const service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions });
    const nodes = service.topology(MG).nodes;
    const parents = new Set(nodes.map((n) => n.parent_node_id));
    const leaves = nodes.filter((n) => !parents.has(n.node_id));
    const scheduler = new EnvelopeLifecycleScheduler(service, { rebalanceIntervalMs: 50 });
    scheduler.start();
    try {
      await service.ingestTelemetry(MG, leaves.map((n) => ({ node_id: n.node_id, measured_demand_watts: 1000, observed_at: new Date().toISOString() })));
      await vi.waitFor(() => expect(service.lastCycles(MG, 1)[0]?.audit.source).toBe("ScheduledEventRebalancePeriodic"), { timeout: 10_000, interval: 50 });
      expect(service.lastCycles(MG, 1)[0]?.outcome).toBe("APPLIED");
    } finally {
      scheduler.stop();
      await service.close();
    }
  });
});

describe("MicrogridService definitions on a known microgrid", () => {
  it("adds only the control points the definition gained; the authored state, including disabled control points, stays", async () => {
    const storage = new InMemoryStorage();
    const older = definitions.map((d) => ({ ...d, control_points: d.control_points.filter((c) => c.control_point_id !== "cp-der-f-n1b") }));
    const first = await MicrogridService.open({ storage, definitions: older });
    expect(first.controlPoints(MG).map((c) => c.control_point_id)).not.toContain("cp-der-f-n1b");
    const lb = first.controlPoints(MG).find((c) => c.control_point_id === "cp-load-balancing")!;
    const { control_point_id: _id, latest_status: _s, microgrid_id: _m, ...input } = lb as typeof lb & { microgrid_id: string };
    await first.upsertControlPoint(MG, "cp-load-balancing", { ...input, state: "disabled" } as Parameters<typeof first.upsertControlPoint>[2]);
    await first.upsertNodeLimit(MG, { node_id: "cp-b1", constraint_type: "CONSUMPTION_CAP", limit_watts: 12345, source_type: "MANUAL" });
    const version = first.microgrid(MG).version;
    const again = await MicrogridService.open({ storage, definitions });
    try {
      const byId = new Map(again.controlPoints(MG).map((c) => [c.control_point_id, c]));
      expect(byId.get("cp-der-f-n1b")).toMatchObject({ external_config_type: "CSIP_AUS_CONFIGURATION", state: "enabled" });
      expect(byId.get("cp-load-balancing")?.state).toBe("disabled");
      expect(again.nodeLimits(MG, "cp-b1").map((l) => l.limit_watts)).toContain(12345);
      expect(again.microgrid(MG).version).toBe(version);
      const third = await MicrogridService.open({ storage, definitions });
      expect(third.controlPoints(MG)).toHaveLength(byId.size); // nothing added twice
      await third.close();
    } finally {
      await again.close();
    }
  });
});

describe("FileStorage", () => {
  it("keeps state and streams across reopen; the stream table refuses UPDATE and DELETE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-store-"));
    try {
      const s1 = new FileStorage(dir);
      const service = await MicrogridService.open({ storage: s1, definitions });
      await service.ingestTelemetry(MG, [{ node_id: "cp-b1", measured_demand_watts: 1, observed_at: new Date().toISOString() }]);
      await service.close();
      expect(JSON.parse(readFileSync(join(dir, "microgrid.json"), "utf8")).microgrids[0].microgrid_id).toBe(MG);
      const s2 = new FileStorage(dir);
      expect((await s2.loadState())?.nodes[MG]).toHaveLength(15);
      const domain = s2.read("domain");
      expect(domain[0]?.type).toBe("microgrid.topology_updated");
      expect(s2.read("domain", { last: 2 }).map((r) => r.seq)).toEqual(domain.slice(-2).map((r) => r.seq));
      await s2.close();
      const db = new Database(join(dir, "microgrid-events.db"));
      expect(() => db.exec("DELETE FROM records")).toThrow(/append-only/);
      expect(() => db.exec("UPDATE records SET type = 'x'")).toThrow(/append-only/);
      db.close();
    } finally {
      cleanup(dir);
    }
  });
});
