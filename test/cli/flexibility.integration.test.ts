/**
 * The flexibility protocols as `gridthings start` and `gridthings directory` serve them: the front
 * door built by startFrontDoor (port 0, a temporary data directory), a real OSCP 2.0
 * UpdateGroupCapacityForecast and a CSIP-AUS DERProgram with the tokens file's operator token,
 * mapped by the demo depot's control points; the envelopes at the seed 002 API and in the next
 * cycle; the refusals; a bad mapping stops the start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadTokens, startFrontDoor, tokenFor } from "../../src/cli/stack.ts";
import { resolveSettings, type Settings } from "../../src/config/options.ts";
import { isCodedError } from "../../src/errors/coded-error.ts";
import { MicrogridService } from "../../src/microgrid-api/service.ts";
import { FileStorage } from "../../src/microgrid-api/storage/file-storage.ts";

const MG = "mg-depot-north-1";
const GROUP = "oscp-group-f-n1a";
const LFDI = "3e4f45ab31edfe5b67e343e5e4562e31984e23e5";

let dir: string;
let settings: Settings;
let door: Awaited<ReturnType<typeof startFrontDoor>>;
let operator: string;
let reader: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gridthings-flex-"));
  settings = resolveSettings({ port: "0", dataDir: dir }, {});
  const tokens = await loadTokens(settings);
  operator = tokenFor(tokens.entries, "operator") as string;
  reader = tokenFor(tokens.entries, "reader") as string;
  door = await startFrontDoor(settings, tokens.table);
}, 30_000);

afterAll(async () => {
  await door?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, token: string | null = operator): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(door.url + path, { method, headers, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const iso = (ms: number) => new Date(ms).toISOString();
const forecast = (group_id: string, capacity: number) => {
  const start = Date.now() - 60_000;
  return { group_id, type: "CONSUMPTION", forecasted_blocks: [{ capacity, unit: "W", phase: "ALL", start_time: iso(start), end_time: iso(start + 3_600_000) }] };
};
/** One CSIP-AUS DERProgram: an active DERControl limiting site import to kW for the next hour. */
// One instant for every DER program of the file: the same program posted twice must be the same
// bytes, or a second boundary between the posts makes it a (legitimately) different program.
const PROGRAMS_AT_S = Math.floor(Date.now() / 1000);
const derPrograms = (lfdi: string, kW: number) => {
  const nowS = PROGRAMS_AT_S;
  return {
    lfdi,
    programs: [{
      mRID: "A1B2C3D4E5F60718293A4B5C6D7E8F90", primacy: 1, DefaultDERControl: null,
      DERControlList: [{ mRID: "0F1E2D3C4B5A69788796A5B4C3D2E1F0", creationTime: nowS - 120, EventStatus: { currentStatus: 1 }, interval: { start: nowS - 60, duration: 3600 }, DERControlBase: { opModImpLimW: { multiplier: 3, value: kW } } }],
    }],
  };
};

describe("flexibility protocols on the front door (startFrontDoor)", () => {
  it("maps the demo depot's OSCP group and CSIP-AUS EndDevice from its control points", () => {
    expect(door.flexibility.mappings().oscp.map((g) => [g.group_id, g.node_id])).toEqual([[GROUP, "gc-f-n1a"]]);
    expect(door.flexibility.mappings().csip.map((s) => [s.lfdi, s.node_id])).toEqual([[LFDI, "gc-f-n1b"]]);
  });

  it("an OSCP forecast and a CSIP-AUS DER program become envelopes at the seed 002 API and bind the next cycle", async () => {
    expect((await call("POST", "/oscp/fp/2.0/update_group_capacity_forecast", forecast(GROUP, 150_000))).status).toBe(204);
    expect((await call("POST", "/oscp/fp/2.0/heartbeat", { offline_mode_at: iso(Date.now() + 3_600_000) })).status).toBe(204);
    const csip = await call("POST", "/csip-aus/der-programs", derPrograms(LFDI.toUpperCase(), 100));
    expect(csip.status).toBe(200);
    expect(csip.body.result.translations).toEqual([expect.objectContaining({ constraint_type: "CONSUMPTION_CAP", duplicate: false, blocks: 1 })]);

    const envelopes = await call("GET", `/api/microgrid/${MG}/envelopes?status=ACTIVE`, undefined, null);
    expect(envelopes.status).toBe(200);
    const oscpEnvelope = envelopes.body.result.find((e: any) => e.node_id === "gc-f-n1a");
    const csipEnvelope = envelopes.body.result.find((e: any) => e.node_id === "gc-f-n1b");
    expect(oscpEnvelope).toMatchObject({ envelope_type: "FORECAST", constraint_type: "CONSUMPTION_CAP", origin_control_point_id: "cp-der-f-n1a", blocks: [expect.objectContaining({ max_limit_watts: 150_000 })] });
    expect(csipEnvelope).toMatchObject({ envelope_type: "OVERRIDE", constraint_type: "CONSUMPTION_CAP", origin_control_point_id: "cp-der-f-n1b", blocks: [expect.objectContaining({ max_limit_watts: 100_000 })] });
    expect((await call("GET", "/api/circuit/f-n1a/effective_capacity")).body.result.effective_capacity_watts).toBe(150_000);

    const at = iso(Date.now() - 1000);
    const demand: Array<[string, number]> = [["con-a1-1", 20_000], ["con-a1-2", 20_000], ["cp-a2", 45_000], ["cp-a3", 45_000], ["load-f-n1a", 120_000], ["bess-north-1", 0], ["cp-b1", 30_000], ["cp-b2", 30_000], ["load-f-n1b", 80_000], ["pv-north-1", -60_000]];
    expect((await call("POST", `/api/microgrid/${MG}/telemetry`, { readings: demand.map(([node_id, w]) => ({ node_id, measured_demand_watts: w, observed_at: at })) })).status).toBe(200);
    const cycle = await call("POST", `/api/microgrid/${MG}/rebalance`, {});
    expect(cycle.status).toBe(200);
    expect(cycle.body.result.outcome).toBe("CURTAILED");
    const refs = new Map(cycle.body.result.breaches.map((b: any) => [b.node_id, b]));
    expect(refs.get("gc-f-n1a")).toMatchObject({ constraint_ref: oscpEnvelope.envelope_id, resolved_limit_watts: 150_000 });
    expect(refs.get("gc-f-n1b")).toMatchObject({ constraint_ref: csipEnvelope.envelope_id, resolved_limit_watts: 100_000 });
    const byNode = new Map(cycle.body.result.allocation_summary.by_node.map((a: any) => [a.node_id, a.allocated_watts]));
    expect(["cp-b1", "cp-b2"].reduce((s, n) => s + (byNode.get(n) as number), 0)).toBeLessThanOrEqual(100_000 - 80_000);
  });

  it("the same DER programs again are idempotent", async () => {
    const again = await call("POST", "/csip-aus/der-programs", derPrograms(LFDI, 100));
    expect(again.status).toBe(200);
    expect(again.body.result).toMatchObject({ translations: [expect.objectContaining({ duplicate: true })], withdrawn: [] });
  });

  it.each([
    ["/oscp/fp/2.0/update_group_capacity_forecast", () => forecast(GROUP, 1)],
    ["/oscp/fp/2.0/heartbeat", () => ({ offline_mode_at: iso(Date.now() + 60_000) })],
    ["/csip-aus/der-programs", () => derPrograms(LFDI, 1)],
  ])("POST %s: 401 without a token (with WWW-Authenticate), 401 with an unknown one, 403 with a reader token", async (path, body) => {
    const anonymous = await call("POST", path, body(), null);
    expect([anonymous.status, anonymous.body.code]).toEqual([401, "MICROGRID_UNAUTHENTICATED"]);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect((await call("POST", path, body(), "not-a-token-at-all-0000")).status).toBe(401);
    const asReader = await call("POST", path, body(), reader);
    expect([asReader.status, asReader.body.code]).toEqual([403, "MICROGRID_FORBIDDEN"]);
  });

  it("400 for malformed messages: schema, JSON, and 2030.5 elements the adapter refuses", async () => {
    const badType = await call("POST", "/oscp/fp/2.0/update_group_capacity_forecast", { ...forecast(GROUP, 1), type: "MAXIMUM" });
    expect([badType.status, badType.body.code]).toEqual([400, "REQUEST_INVALID"]);
    expect((await call("POST", "/oscp/fp/2.0/update_group_capacity_forecast", { ...forecast(GROUP, 1), extra: 1 })).status).toBe(400);
    expect((await call("POST", "/oscp/fp/2.0/heartbeat", "{not json")).status).toBe(400);
    const backwards = forecast(GROUP, 1);
    backwards.forecasted_blocks[0]!.end_time = backwards.forecasted_blocks[0]!.start_time;
    expect((await call("POST", "/oscp/fp/2.0/update_group_capacity_forecast", backwards)).body.code).toBe("OSCP_MESSAGE_INVALID");
    const noLfdi = await call("POST", "/csip-aus/der-programs", { programs: [] });
    expect([noLfdi.status, noLfdi.body.code]).toEqual([400, "REQUEST_INVALID"]);
    const program = derPrograms(LFDI, 1);
    (program.programs[0] as { primacy: unknown }).primacy = 300;
    const badPrimacy = await call("POST", "/csip-aus/der-programs", program);
    expect(badPrimacy.status).toBe(400);
    expect(badPrimacy.body).toMatchObject({ code: "CSIP_MESSAGE_INVALID", path: "programs[0].primacy", violated_rule: "PRIMACY_IS_UINT8" });
  });

  it("404 for a group or an LFDI no control point maps", async () => {
    const group = await call("POST", "/oscp/fp/2.0/update_group_capacity_forecast", forecast("oscp-group-elsewhere", 1));
    expect([group.status, group.body.code, group.body.group_id]).toEqual([404, "OSCP_GROUP_UNKNOWN", "oscp-group-elsewhere"]);
    const site = await call("POST", "/csip-aus/der-programs", derPrograms("0".repeat(40), 1));
    expect([site.status, site.body.code]).toEqual([404, "CSIP_SITE_UNKNOWN"]);
  });
});

describe("a bad mapping stops the start", () => {
  it("an operator maps the same LFDI on a second node: the next start refuses with FLEXIBILITY_MAPPING_INVALID and starts again once the duplicate is disabled", async () => {
    const dup = await call("POST", `/api/microgrid/${MG}/control-points/cp-dup`, {
      capability_type: "PEAK_SHAVING", state: "enabled", control_source: "EXTERNAL", node_id: "gc-f-n1a",
      external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: LFDI.toUpperCase(),
    });
    expect(dup.status).toBe(200);
    await door.stop();
    const tokens = await loadTokens(settings);
    const error = await startFrontDoor(settings, tokens.table).then(() => null, (e: unknown) => e);
    expect(isCodedError(error)).toBe(true);
    expect(error).toMatchObject({ code: "FLEXIBILITY_MAPPING_INVALID", details: { violated_rule: "EXTERNAL_CONFIG_REF_UNIQUE", control_point_id: "cp-dup" } });
    // the fix without the front door: the control point disabled in the store; then the start goes through
    const service = await MicrogridService.open({ storage: new FileStorage(join(dir, "microgrid")) });
    await service.upsertControlPoint(MG, "cp-dup", { capability_type: "PEAK_SHAVING", state: "disabled", control_source: "EXTERNAL", node_id: "gc-f-n1a", external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: LFDI });
    await service.close();
    door = await startFrontDoor(settings, tokens.table);
    expect(door.flexibility.mappings().csip.map((s) => s.origin_control_point_id)).toEqual(["cp-der-f-n1b"]);
  }, 30_000);
});
