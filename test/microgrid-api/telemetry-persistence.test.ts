/**
 * Telemetry survives a restart: the latest accepted reading per node is durable behind the storage
 * port when POST …/telemetry is acknowledged, and a reopened service rebuilds the fallback inputs
 * (last measured demand) from it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMicrogridDefinitions } from "../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { FileStorage } from "../../src/microgrid-api/storage/file-storage.ts";
import { InMemoryStorage, type MicrogridStorage } from "../../src/microgrid-api/storage/storage-port.ts";
import { cleanup, TDS } from "./harness.ts";

const MG = "mg-depot-north-1";
const definitions = loadMicrogridDefinitions(TDS);
const T0 = Date.parse("2026-05-01T10:00:00.000Z");

describe("latest telemetry across restarts", () => {
  it("is durable when ingest resolves: a second handle on the store sees it before the service closes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-telemetry-"));
    try {
      const service = await MicrogridService.open({ storage: new FileStorage(dir), definitions, now: () => new Date(T0) });
      await service.ingestTelemetry(MG, [{ node_id: "cp-b1", measured_demand_watts: 7000, observed_at: "2026-05-01T09:59:58Z" }]);
      const other = new FileStorage(dir);
      expect(other.loadTelemetry()).toEqual([{ microgrid_id: MG, node_id: "cp-b1", measured_demand_watts: 7000, observed_at: "2026-05-01T09:59:58.000Z" }]);
      await other.close();
      await service.close();
    } finally {
      cleanup(dir);
    }
  });

  it("a restart keeps the latest reading per node (never an older one) and the cycle's fallback uses it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-telemetry-"));
    let now = T0;
    try {
      const s1 = await MicrogridService.open({ storage: new FileStorage(dir), definitions, now: () => new Date(now) });
      await s1.ingestTelemetry(MG, [
        { node_id: "load-f-n1b", measured_demand_watts: 12000, observed_at: "2026-05-01T09:59:50Z" },
        { node_id: "pv-north-1", measured_demand_watts: -30000, observed_at: "2026-05-01T09:59:50Z" },
      ]);
      await s1.ingestTelemetry(MG, [{ node_id: "load-f-n1b", measured_demand_watts: 15000, observed_at: "2026-05-01T09:59:55Z" }]);
      const older = await s1.ingestTelemetry(MG, [{ node_id: "load-f-n1b", measured_demand_watts: 1, observed_at: "2026-05-01T09:59:40Z" }]);
      expect(older).toEqual({ accepted: 0, ignored_older: 1 });
      const before = s1.latestTelemetry(MG);
      await s1.close();

      now = T0 + 120_000; // the readings are stale now: fallback derivation needs the last measured values
      const s2 = await MicrogridService.open({ storage: new FileStorage(dir), definitions, now: () => new Date(now) });
      try {
        expect(s2.latestTelemetry(MG)).toEqual(before);
        expect(before.find((r) => r.node_id === "load-f-n1b")?.measured_demand_watts).toBe(15000);
        // other nodes never reported, so the cycle is refused; its audit shows the rebuilt reading at work
        await expect(s2.rebalance({ microgrid_id: MG, actor: "test", source: "test" })).rejects.toMatchObject({ code: "TELEMETRY_INSUFFICIENT" });
        const cycle = s2.lastCycles(MG, 1)[0];
        const load = cycle?.audit.demand.find((d) => d.node_id === "load-f-n1b");
        expect(load).toMatchObject({ source_mode: "FALLBACK_DERIVED", effective_demand_watts: 15000, measured_demand_watts: 15000, age_seconds: 125, inputs_used: ["last_measured:2026-05-01T09:59:55.000Z"] });
        expect(cycle?.audit.missing_inputs).not.toContain("load-f-n1b"); // without the rebuilt reading it would be missing
        expect(cycle?.audit.missing_inputs).toContain("load-f-n1a");
        expect(cycle?.audit.demand.find((d) => d.node_id === "pv-north-1")?.inputs_used).toEqual(["last_measured_consumption_only"]);
        // a newer reading after the restart replaces the rebuilt one, and is stored in turn
        await s2.ingestTelemetry(MG, [{ node_id: "load-f-n1b", measured_demand_watts: 16000, observed_at: new Date(now).toISOString() }]);
      } finally {
        await s2.close();
      }
      const s3 = new FileStorage(dir);
      expect(s3.loadTelemetry().find((r) => r.node_id === "load-f-n1b")?.measured_demand_watts).toBe(16000);
      await s3.close();
    } finally {
      cleanup(dir);
    }
  });

  it("a refused batch (unknown node, bad value, future instant) stores nothing of it", async () => {
    const storage: MicrogridStorage = new InMemoryStorage();
    const service = await MicrogridService.open({ storage, definitions, now: () => new Date(T0) });
    for (const bad of [
      [{ node_id: "cp-b1", measured_demand_watts: 1, observed_at: "2026-05-01T09:59:00Z" }, { node_id: "nope", measured_demand_watts: 1, observed_at: "2026-05-01T09:59:00Z" }],
      [{ node_id: "cp-b1", measured_demand_watts: Number.NaN, observed_at: "2026-05-01T09:59:00Z" }],
      [{ node_id: "cp-b1", measured_demand_watts: 1, observed_at: "2026-05-01T11:00:00Z" }],
    ]) {
      await expect(service.ingestTelemetry(MG, bad)).rejects.toMatchObject({ code: "TELEMETRY_INVALID" });
    }
    expect(storage.loadTelemetry()).toEqual([]);
    await service.close();
  });

  it("the in-memory store keeps the newest reading per node too", () => {
    const s = new InMemoryStorage();
    s.saveTelemetry([{ microgrid_id: "b", node_id: "n", measured_demand_watts: 2, observed_at: "2026-05-01T10:00:02.000Z" }]);
    s.saveTelemetry([{ microgrid_id: "b", node_id: "n", measured_demand_watts: 1, observed_at: "2026-05-01T10:00:01.000Z" }, { microgrid_id: "a", node_id: "n", measured_demand_watts: 3, observed_at: "2026-05-01T10:00:01.000Z" }]);
    expect(s.loadTelemetry().map((r) => [r.microgrid_id, r.measured_demand_watts])).toEqual([["a", 3], ["b", 2]]);
  });
});
