import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OscpCapacityAdapter } from "../../../src/microgrid-api/oscp/oscp-adapter.ts";
import type { MicrogridDefinition } from "../../../src/microgrid-api/seed-data.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";

const DEF = JSON.parse(readFileSync(new URL("../../../tds/microgrid/demo-depot.microgrid.json", import.meta.url), "utf8")) as MicrogridDefinition;
const MG = DEF.microgrid_id;

async function setup() {
  const clock = { t: Date.parse("2026-05-01T10:00:00Z") };
  const now = () => new Date(clock.t);
  let n = 0;
  const service = await MicrogridService.open({ storage: new InMemoryStorage(), now, newId: (k) => `${k}-${++n}`, definitions: [DEF] });
  const adapter = new OscpCapacityAdapter(service, { groups: [{ group_id: "oscp-group-f-n1a", microgrid_id: MG, node_id: "gc-f-n1a", origin_control_point_id: "cp-der-f-n1a" }], now, stale_after_seconds: 600 });
  const capacity = async () => (await service.getEffectiveCircuitCapacity("f-n1a")).effective_capacity_watts;
  return { clock, service, adapter, capacity };
}

const block = (capacity: number, unit: "KW" | "W" | "A" | "KWH" | "WH", start: string, end: string, phase: "ALL" | "ONE" = "ALL") => ({ capacity, unit, phase, start_time: start, end_time: end });

describe("OSCP 2.0 capacity forecast adapter", () => {
  it("a CONSUMPTION forecast becomes an active FORECAST envelope that sets the feeder capacity", async () => {
    const { adapter, service, capacity } = await setup();
    const r = await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "CONSUMPTION", forecasted_blocks: [block(250, "KW", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"), block(180, "KW", "2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z")] });
    expect(r.envelope).toMatchObject({ envelope_type: "FORECAST", constraint_type: "CONSUMPTION_CAP", node_id: "gc-f-n1a", origin_control_point_id: "cp-der-f-n1a" });
    expect(r.envelope?.blocks.map((b) => b.target_watts)).toEqual([250000, 180000]);
    expect(service.activeEnvelopes(MG)).toHaveLength(1);
    expect(await capacity()).toBe(250000);
    // nothing protocol-specific in the microgrid: only the opaque source_ref mentions OSCP
    expect(JSON.stringify(r.envelope)).not.toContain("group_id");
  });

  it("redelivery is idempotent; a newer forecast supersedes the older one", async () => {
    const { adapter, service } = await setup();
    const msg = { group_id: "oscp-group-f-n1a", type: "CONSUMPTION" as const, forecasted_blocks: [block(250, "KW", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")] };
    const a = await adapter.updateGroupCapacityForecast(msg);
    const b = await adapter.updateGroupCapacityForecast(msg);
    expect(b.duplicate).toBe(true);
    expect(b.envelope?.envelope_id).toBe(a.envelope?.envelope_id);
    const c = await adapter.updateGroupCapacityForecast({ ...msg, forecasted_blocks: [block(200, "KW", "2026-05-01T10:00:00Z", "2026-05-01T12:00:00Z")] });
    expect(c.superseded).toEqual([a.envelope?.envelope_id]);
    expect(service.envelopes(MG, { status: "WITHDRAWN" }).map((e) => e.envelope_id)).toEqual([a.envelope?.envelope_id]);
  });

  it("converts amperes (three phases at 230 V) and energy per block to watts", async () => {
    const { adapter } = await setup();
    const amps = await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "CONSUMPTION", forecasted_blocks: [block(100, "A", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")] });
    expect(amps.envelope?.blocks[0]?.max_limit_watts).toBe(69000);
    const energy = await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "GENERATION", forecasted_blocks: [block(25, "KWH", "2026-05-01T10:00:00Z", "2026-05-01T10:15:00Z")] });
    expect(energy.envelope).toMatchObject({ constraint_type: "GENERATION_CAP" });
    expect(energy.envelope?.blocks[0]?.max_limit_watts).toBe(100000);
  });

  it("heartbeat loss: fallback forecast while offline, then the circuit fail-safe capacity", async () => {
    const { adapter, clock, capacity, service } = await setup();
    await adapter.heartbeat({ offline_mode_at: "2026-05-01T10:05:00Z" });
    await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "CONSUMPTION", forecasted_blocks: [block(250, "KW", "2026-05-01T10:00:00Z", "2026-05-01T12:00:00Z")] });
    await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "FALLBACK_CONSUMPTION", forecasted_blocks: [block(220, "KW", "2026-05-01T10:00:00Z", "2026-05-01T10:30:00Z")] });
    expect(await capacity()).toBe(250000);
    clock.t = Date.parse("2026-05-01T10:06:00Z"); // past offline_mode_at, no new heartbeat
    expect(await capacity()).toBe(220000);
    expect(service.forecastHealth(MG)[0]?.state).toBe("OFFLINE");
    clock.t = Date.parse("2026-05-01T10:40:00Z"); // fallback over
    expect(await capacity()).toBe(200000);
    await adapter.heartbeat({ offline_mode_at: "2026-05-01T10:50:00Z" });
    expect(await capacity()).toBe(250000);
  });

  it("OPTIMUM is acknowledged but not enforced; unknown groups and reversed blocks are refused", async () => {
    const { adapter, service } = await setup();
    expect((await adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "OPTIMUM", forecasted_blocks: [block(1, "KW", "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")] })).ignored).toBe(true);
    expect(service.envelopes(MG)).toHaveLength(0);
    await expect(adapter.updateGroupCapacityForecast({ group_id: "nope", type: "CONSUMPTION", forecasted_blocks: [] })).rejects.toMatchObject({ code: "OSCP_GROUP_UNKNOWN" });
    await expect(adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "CONSUMPTION", forecasted_blocks: [block(1, "KW", "2026-05-01T11:00:00Z", "2026-05-01T10:00:00Z")] })).rejects.toMatchObject({ code: "OSCP_MESSAGE_INVALID" });
    await expect(adapter.updateGroupCapacityForecast({ group_id: "oscp-group-f-n1a", type: "CONSUMPTION", forecasted_blocks: [block(1, "KW", "2020-05-01T10:00:00Z", "2020-05-01T11:00:00Z")] })).rejects.toMatchObject({ code: "OSCP_MESSAGE_INVALID" });
  });
});
