import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrontDoor } from "../../../src/frontdoor/server.ts";
import { createMicrogridApiPart, loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import { OscpCapacityAdapter } from "../../../src/microgrid-api/oscp/oscp-adapter.ts";
import { createOscpPart } from "../../../src/microgrid-api/oscp/oscp-part.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";
import { OPERATOR, READER, TDS, tokens } from "../harness.ts";

let door: FrontDoor;
let service: MicrogridService;
const now = () => new Date("2026-05-01T10:00:00Z");

beforeAll(async () => {
  service = await MicrogridService.open({ storage: new InMemoryStorage(), now, definitions: loadMicrogridDefinitions(TDS) });
  const adapter = new OscpCapacityAdapter(service, { groups: [{ group_id: "g1", microgrid_id: "mg-depot-north-1", node_id: "gc-f-n1b" }], now });
  door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createMicrogridApiPart({ dataDir: "/nonexistent", tokens, now, service, scheduler: false }), createOscpPart({ adapter, tokens, now })] });
  await door.start();
});
afterAll(async () => {
  await door.stop();
});

const post = (path: string, body: unknown, token: string | null = OPERATOR) =>
  fetch(door.url + path, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

describe("OSCP HTTP endpoints", () => {
  it("accepts a forecast with 204 and the microgrid API shows the projected capacity", async () => {
    const r = await post("/oscp/fp/2.0/update_group_capacity_forecast", { group_id: "g1", type: "CONSUMPTION", forecasted_blocks: [{ capacity: 120000, unit: "W", phase: "ALL", start_time: "2026-05-01T10:00:00Z", end_time: "2026-05-01T11:00:00Z" }] });
    expect(r.status).toBe(204);
    const cap = await (await fetch(door.url + "/api/circuit/f-n1b/effective_capacity")).json();
    expect(cap.result.effective_capacity_watts).toBe(120000);
    expect((await post("/oscp/fp/2.0/heartbeat", { offline_mode_at: "2026-05-01T10:10:00Z" })).status).toBe(204);
  });
  it("refuses bad types, missing fields, no token and the reader role", async () => {
    expect((await post("/oscp/fp/2.0/update_group_capacity_forecast", { group_id: "g1", type: "MAXIMUM", forecasted_blocks: [] })).status).toBe(400);
    expect((await post("/oscp/fp/2.0/heartbeat", {})).status).toBe(400);
    expect((await post("/oscp/fp/2.0/heartbeat", { offline_mode_at: "2026-05-01T10:10:00Z" }, null)).status).toBe(401);
    expect((await post("/oscp/fp/2.0/heartbeat", { offline_mode_at: "2026-05-01T10:10:00Z" }, READER)).status).toBe(403);
    const unknown = await post("/oscp/fp/2.0/update_group_capacity_forecast", { group_id: "g9", type: "CONSUMPTION", forecasted_blocks: [{ capacity: 1, unit: "W", phase: "ALL", start_time: "2026-05-01T10:00:00Z", end_time: "2026-05-01T11:00:00Z" }] });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe("OSCP_GROUP_UNKNOWN");
  });
});
