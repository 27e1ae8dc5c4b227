/**
 * The lifecycle scheduler acts on forecast-source health by itself: when the OSCP Capacity
 * Provider falls silent (no heartbeat for stale_after_seconds) or reaches its declared
 * offline_mode_at, the FALLBACK envelope takes over at that instant with no message arriving.
 * Fake timers and a fake Date drive the scheduler's own setTimeout and the service's clock together.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configurationOf } from "../../src/microgrid-api/flexibility/flexibility-part.ts";
import { flexibilityMappings } from "../../src/microgrid-api/flexibility/mappings.ts";
import { EnvelopeLifecycleScheduler } from "../../src/microgrid-api/lifecycle-scheduler.ts";
import { OscpCapacityAdapter } from "../../src/microgrid-api/oscp/oscp-adapter.ts";
import { loadMicrogridDefinitions } from "../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../src/microgrid-api/storage/storage-port.ts";
import { TDS } from "./harness.ts";

const MG = "mg-depot-north-1";
const GROUP = "oscp-group-f-n1a";
const T0 = Date.parse("2026-05-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const block = (capacity: number) => ({ capacity, unit: "W" as const, phase: "ALL" as const, start_time: iso(T0), end_time: iso(T0 + 2 * 3_600_000) });

let service: MicrogridService;
let scheduler: EnvelopeLifecycleScheduler;
let oscp: OscpCapacityAdapter;

/** Lets the scheduler's evaluation (a chain of promises) finish; setImmediate is not faked. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const capacity = () => service.effectiveCircuitCapacities(MG).find((c) => c.circuit_id === "f-n1a");
const health = () => service.forecastHealth(MG).find((h) => h.node_id === "gc-f-n1a")?.state;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(T0);
  service = await MicrogridService.open({ storage: new InMemoryStorage(), definitions: loadMicrogridDefinitions(TDS), now: () => new Date() });
  oscp = new OscpCapacityAdapter(service, { groups: flexibilityMappings(configurationOf(service)).oscp, now: () => new Date(), stale_after_seconds: 600 });
  // the fallback sleep is far longer than the test: only the armed health instants can wake it
  scheduler = new EnvelopeLifecycleScheduler(service, { maxDelayMs: 24 * 3_600_000 });
  scheduler.start();
  await oscp.updateGroupCapacityForecast({ group_id: GROUP, type: "CONSUMPTION", forecasted_blocks: [block(120_000)] });
  await oscp.updateGroupCapacityForecast({ group_id: GROUP, type: "FALLBACK_CONSUMPTION", forecasted_blocks: [block(80_000)] });
  await settle();
});

afterEach(async () => {
  scheduler.stop();
  await service.close();
  vi.useRealTimers();
});

describe("EnvelopeLifecycleScheduler and forecast-source health", () => {
  it("a Capacity Provider silent for stale_after_seconds: the FALLBACK block applies at that instant, and one scoped cycle runs", async () => {
    expect(capacity()).toMatchObject({ effective_capacity_watts: 120_000 });
    const cyclesBefore = service.lastCycles(MG, 100).length;
    await vi.advanceTimersByTimeAsync(600_000); // exactly stale_after_seconds: not yet stale
    await settle();
    expect(health()).toBe("HEALTHY");
    expect(capacity()).toMatchObject({ effective_capacity_watts: 120_000 });
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(health()).toBe("STALE");
    expect(capacity()).toMatchObject({ effective_capacity_watts: 80_000, projection_trigger: "ENVELOPE_LIFECYCLE" });
    const cycles = service.lastCycles(MG, 100);
    expect(cycles.length).toBe(cyclesBefore + 1);
    expect(cycles[0]).toMatchObject({ node_id: "gc-f-n1a", audit: { source: "COMPATIBILITY_PROJECTION:ENVELOPE_LIFECYCLE" } });
  });

  it("a heartbeat's offline_mode_at: FALLBACK from that instant; the next heartbeat restores the forecast", async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    await oscp.heartbeat({ offline_mode_at: iso(T0 + 300_000) });
    await settle();
    await vi.advanceTimersByTimeAsync(300_000 - 60_000 - 1);
    await settle();
    expect(capacity()).toMatchObject({ effective_capacity_watts: 120_000 });
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(health()).toBe("OFFLINE");
    expect(capacity()).toMatchObject({ effective_capacity_watts: 80_000 });
    await oscp.heartbeat({ offline_mode_at: iso(T0 + 1_800_000) });
    await settle();
    expect(health()).toBe("HEALTHY");
    expect(capacity()).toMatchObject({ effective_capacity_watts: 120_000 });
  });

  it("heartbeats in time keep the forecast in force", async () => {
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(500_000);
      await oscp.heartbeat({ offline_mode_at: iso(Date.now() + 3_600_000) });
      await settle();
    }
    expect(health()).toBe("HEALTHY");
    expect(capacity()).toMatchObject({ effective_capacity_watts: 120_000 });
  });
});
