/** The CSIP-AUS endpoint at the front door: operator-only, the envelope reaches the microgrid API, bad input is problem+json. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrontDoor } from "../../../src/frontdoor/server.ts";
import { CsipAusAdapter } from "../../../src/microgrid-api/csip-aus/csip-aus-adapter.ts";
import { createCsipAusPart } from "../../../src/microgrid-api/csip-aus/csip-aus-part.ts";
import { createMicrogridApiPart, loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import { MicrogridService } from "../../../src/microgrid-api/service.ts";
import { InMemoryStorage } from "../../../src/microgrid-api/storage/storage-port.ts";
import { OPERATOR, READER, TDS, tokens } from "../harness.ts";

let door: FrontDoor;
let service: MicrogridService;
const now = () => new Date("2026-05-01T10:00:00Z");
const H = Date.parse("2026-05-01T10:00:00Z") / 1000;
const LFDI = "ab12";
const update = (kw: number) => ({
  lfdi: LFDI,
  programs: [{ mRID: "p1", primacy: 1, DERControlList: [{ mRID: "c1", creationTime: H, EventStatus: { currentStatus: 1 }, interval: { start: H, duration: 3600 }, DERControlBase: { opModImpLimW: { multiplier: 3, value: kw } } }] }],
});

beforeAll(async () => {
  service = await MicrogridService.open({ storage: new InMemoryStorage(), now, definitions: loadMicrogridDefinitions(TDS) });
  const adapter = new CsipAusAdapter(service, { sites: [{ lfdi: LFDI, microgrid_id: "mg-depot-north-1", node_id: "gc-f-n1b" }], now });
  door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createMicrogridApiPart({ dataDir: "/nonexistent", tokens, now, service, scheduler: false }), createCsipAusPart({ adapter, tokens, now })] });
  await door.start();
});
afterAll(async () => {
  await door.stop();
  await service.close();
});

const post = (body: unknown, token: string | null = OPERATOR) =>
  fetch(door.url + "/csip-aus/der-programs", { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("CSIP-AUS HTTP endpoint", () => {
  it("translates an import limit; the microgrid API shows the feeder's effective capacity; a repeat is a duplicate", async () => {
    const r = await post(update(120));
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.result.translations).toEqual([{ constraint_type: "CONSUMPTION_CAP", envelope_id: expect.any(String), duplicate: false, blocks: 1 }]);
    await service.evaluateLifecycle();
    const cap = await (await fetch(door.url + "/api/circuit/f-n1b/effective_capacity")).json();
    expect(cap.result.effective_capacity_watts).toBe(120000);
    expect((await (await post(update(120))).json()).result.translations[0].duplicate).toBe(true);
  });

  it("refuses no token (401), the reader role (403), a malformed body (400), an unknown site (404) and bad 2030.5 content (400)", async () => {
    expect((await post(update(1), null)).status).toBe(401);
    expect((await post(update(1), READER)).status).toBe(403);
    expect((await post({ lfdi: LFDI })).status).toBe(400);
    expect((await post({ ...update(1), extra: true })).status).toBe(400);
    expect((await post("{not json")).status).toBe(400);
    const unknown = await post({ ...update(1), lfdi: "ffff" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe("CSIP_SITE_UNKNOWN");
    const bad = await post({ lfdi: LFDI, programs: [{ mRID: "p1", primacy: 300, DERControlList: [] }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "CSIP_MESSAGE_INVALID", violated_rule: "PRIMACY_IS_UINT8", path: "programs[0].primacy" });
  });
});
