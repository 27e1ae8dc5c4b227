/**
 * Simulator controls on a real front door: operators (and admins) list the scenarios from the
 * sim-control TD and invoke them; the console forwards their own token and body to the Thing's
 * HTTP action form and answers what the Thing answered. Anonymous and reader callers are refused
 * before anything is forwarded; bad input, a missing or silent Thing get problem+json.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createConsolePart } from "../../src/console/part.ts";
import { scenariosOf, targetDevices } from "../../src/console/controls/scenarios.ts";
import { batteryTd, DeviceServer, plantTd, simControlTd, thingsPart } from "./live-fixtures.ts";

const tokens = new TokenTable([
  { token: "op-token", subject: "operator", roles: ["operator"] },
  { token: "admin-token", subject: "admin", roles: ["admin"] },
  { token: "reader-token", subject: "reader", roles: ["reader"] },
  { token: "priv-token", subject: "auditor", roles: ["privileged-reader"] },
]);
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { "content-type": "application/json" };

describe("console controls routes", () => {
  const devices = new DeviceServer();
  let tds: object[] = [];
  let url = "";
  let base = "";
  const door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [thingsPart(() => tds), createConsolePart({ tokens, vpp: () => undefined, microgrid: () => undefined, site: () => undefined, frontDoor: () => url || undefined })] });

  beforeAll(async () => {
    base = await devices.start();
    devices.routes.set("POST /sim-control/actions/injectLoadStep", (r) => {
      const body = JSON.parse(r.body || "{}") as { powerW?: unknown };
      if (typeof body.powerW !== "number") return { status: 400, type: "application/problem+json", body: { type: "https://gridthings.dev/errors/INPUT_INVALID", title: "sim-control injectLoadStep: /powerW must be number", status: 400, code: "INPUT_INVALID", validationErrors: [{ field: "/powerW", description: "must be number" }] } };
      return { status: 204 };
    });
    devices.routes.set("POST /sim-control/actions/clearLoadSteps", () => ({ status: 204 }));
    devices.routes.set("POST /sim-control/actions/injectDeviceFault", () => ({ status: 200, body: "not json", type: "text/plain" }));
    url = await door.start();
  });
  beforeEach(() => {
    tds = [simControlTd(base), batteryTd("bess-1"), plantTd(base, "pv-1", "gt:PvPlant")];
    devices.requests.length = 0;
  });
  afterAll(async () => {
    await door.stop();
    await devices.stop();
  });

  it("refuses anonymous callers with 401 and readers with 403, forwarding nothing", async () => {
    for (const [headers, status, code] of [[{}, 401, "CONSOLE_AUTH_REQUIRED"], [auth("reader-token"), 403, "CONSOLE_FORBIDDEN"], [auth("priv-token"), 403, "CONSOLE_FORBIDDEN"], [auth("forged"), 401, "CONSOLE_AUTH_REQUIRED"]] as const) {
      const list = await fetch(`${url}/console/controls`, { headers });
      expect(list.status).toBe(status);
      const post = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...headers, ...json }, body: JSON.stringify({ powerW: 1000 }) });
      expect(post.status).toBe(status);
      expect(post.headers.get("content-type")).toContain("application/problem+json");
      expect(((await post.json()) as { code: string }).code).toBe(code);
      // Refused before the body is even looked at.
      const bad = await fetch(`${url}/console/controls/nope`, { method: "POST", headers: { ...headers, ...json }, body: "[" });
      expect(bad.status).toBe(status);
    }
    expect(devices.requests).toHaveLength(0);
  });

  it("lists the scenarios the sim-control TD offers, with input schemas, and the devices they target", async () => {
    const r = await fetch(`${url}/console/controls`, { headers: auth("op-token") });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { thing: { id: string }; scenarios: Array<{ name: string; action: string; input: unknown }>; devices: Array<{ id: string; kind: string }> };
    expect(body.thing.id).toBe("urn:test:sim-control");
    expect(body.scenarios.map((s) => s.name)).toEqual(["load-step", "clear-load-steps", "device-fault"]);
    expect(body.scenarios[0]).toMatchObject({ action: "injectLoadStep", input: { required: ["powerW"] } });
    expect(body.scenarios[1]?.input).toBeNull();
    expect(body.devices).toEqual([{ id: "bess-1", thingId: "urn:test:bess-1", kind: "battery" }, { id: "pv-1", thingId: "urn:test:pv-1", kind: "pv" }]);
  });

  it("forwards the caller's own token and body to the Thing's action form and answers what the Thing did", async () => {
    for (const token of ["op-token", "admin-token"]) {
      devices.requests.length = 0;
      const r = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth(token), ...json }, body: JSON.stringify({ powerW: 250000, durationSeconds: 60 }) });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ scenario: "load-step", action: "injectLoadStep", thingId: "urn:test:sim-control", status: 204, output: null });
      expect(devices.requests).toHaveLength(1);
      expect(devices.requests[0]).toMatchObject({ method: "POST", url: "/sim-control/actions/injectLoadStep", authorization: `Bearer ${token}`, contentType: "application/json" });
      expect(JSON.parse(devices.requests[0]?.body ?? "")).toEqual({ powerW: 250000, durationSeconds: 60 });
    }
  });

  it("sends no body to an action without input", async () => {
    const r = await fetch(`${url}/console/controls/clear-load-steps`, { method: "POST", headers: auth("op-token") });
    expect(r.status).toBe(200);
    expect(devices.requests[0]).toMatchObject({ url: "/sim-control/actions/clearLoadSteps", body: "" });
  });

  it("passes the Thing's problem through: status, code and validation errors", async () => {
    const r = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), ...json }, body: JSON.stringify({ powerW: "lots" }) });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(await r.json()).toMatchObject({ code: "INPUT_INVALID", validationErrors: [{ field: "/powerW" }] });
  });

  it("answers 400 for an unknown scenario or a body that is not a JSON object", async () => {
    const unknown = await fetch(`${url}/console/controls/meteor-strike`, { method: "POST", headers: { ...auth("op-token"), ...json }, body: "{}" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe("CONSOLE_BAD_REQUEST");
    for (const body of ["[1]", "42", '"x"']) {
      const r = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), ...json }, body });
      expect(r.status, body).toBe(400);
    }
    const broken = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), ...json }, body: "{" });
    expect(broken.status).toBe(400);
    const text = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), "content-type": "text/plain" }, body: "powerW=1" });
    expect(text.status).toBe(400);
    const xml = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), "content-type": "application/xml" }, body: "<a/>" });
    expect(xml.status).toBe(415);
    expect(devices.requests).toHaveLength(0);
  });

  it("answers 502 when the Thing answers something that is not JSON or does not answer, 503 without a sim-control Thing", async () => {
    const notJson = await fetch(`${url}/console/controls/device-fault`, { method: "POST", headers: { ...auth("op-token"), ...json }, body: JSON.stringify({ deviceId: "bess-1", code: "X", critical: true }) });
    expect(notJson.status).toBe(502);
    expect(((await notJson.json()) as { code: string }).code).toBe("CONSOLE_UPSTREAM_FAILED");
    tds = [simControlTd("http://127.0.0.1:9")];
    const silent = await fetch(`${url}/console/controls/load-step`, { method: "POST", headers: { ...auth("op-token"), ...json }, body: JSON.stringify({ powerW: 1 }) });
    expect(silent.status).toBe(502);
    expect(((await silent.json()) as { code: string }).code).toBe("CONSOLE_UPSTREAM_FAILED");
    tds = [batteryTd("bess-1")];
    const missing = await fetch(`${url}/console/controls`, { headers: auth("op-token") });
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { code: string }).code).toBe("CONSOLE_UNAVAILABLE");
  });
});

describe("scenario table", () => {
  it("offers only what the TD has and names devices by their TD title", () => {
    expect(scenariosOf({ actions: { injectGeneratorTrip: { input: { type: "object" } }, somethingElse: {} } }).map((s) => s.name)).toEqual(["generator-trip"]);
    expect(scenariosOf({})).toEqual([]);
    expect(targetDevices([{ id: "urn:x:cp-1", title: "cp-1", "@type": ["gt:ChargePoint"] }, { id: "urn:x:m", title: "m", "@type": "gt:SmartMeter" }, { id: "urn:x:gm", title: "grid-meter", "@type": "gt:GridMeter" }, { title: "no-id", "@type": ["gt:Battery"] }])).toEqual([
      { id: "cp-1", thingId: "urn:x:cp-1", kind: "charge-point" },
      { id: "grid-meter", thingId: "urn:x:gm", kind: "grid-meter" },
    ]);
  });
});
