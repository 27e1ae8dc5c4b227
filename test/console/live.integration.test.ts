/**
 * GET /console/live on a real front door: SSE framing, the recent window and the latest snapshot
 * at connect, a reconnect with Last-Event-ID, the snapshot sourced from the Things' HTTP forms and
 * the VPP, 503 without a VPP, and bad Accept, query, Last-Event-ID and tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createConsolePart } from "../../src/console/part.ts";
import type { LiveSnapshot } from "../../src/console/live/snapshot.ts";
import type { VppServient } from "../../src/vpp/servient.ts";
import { batteryTd, CHANNELS, DeviceServer, fakeVpp, gridMeterTd, plantTd, readSse, thingsPart, type SseMessage } from "./live-fixtures.ts";

const tokens = new TokenTable([
  { token: "reader-token", subject: "reader", roles: ["reader"] },
  { token: "old-token", subject: "old", roles: ["reader"], expiresAt: "2000-01-01T00:00:00Z" },
]);

describe("GET /console/live", () => {
  const devices = new DeviceServer();
  const vpp = fakeVpp();
  let vppRunning = true;
  let tds: object[] = [];
  let url = "";
  let simSecond = 0;
  const door = new FrontDoor({
    host: "127.0.0.1",
    port: 0,
    parts: [
      thingsPart(() => tds),
      createConsolePart({ tokens, vpp: () => (vppRunning ? vpp.asServient() : undefined) as VppServient | undefined, microgrid: () => undefined, site: () => undefined, frontDoor: () => url || undefined }),
    ],
  });

  beforeAll(async () => {
    const base = await devices.start();
    // Each read of the grid meter is a new reading one simulated second later.
    devices.routes.set("GET /grid-meter/properties/channels", () => ({ status: 200, body: { ...CHANNELS, Timestamp: new Date(Date.parse("2026-06-21T19:00:00Z") + ++simSecond * 1000).toISOString() } }));
    devices.routes.set("GET /pv-1/properties/telemetry", () => ({ status: 200, body: { activePowerW: 30000, availablePowerW: 30000, curtailmentLimitW: null, quality: "GOOD" } }));
    devices.routes.set("GET /wind-1/properties/telemetry", () => ({ status: 500, body: { title: "broken" } }));
    tds = [gridMeterTd(base), plantTd(base, "pv-1", "gt:PvPlant"), plantTd(base, "wind-1", "gt:WindPlant"), batteryTd("bess-1")];
    url = await door.start();
  });
  afterAll(async () => {
    await door.stop();
    await devices.stop();
  });

  const snapshots = (ms: SseMessage[]) => ms.filter((m) => m.event === "snapshot");

  it("streams text/event-stream: retry, the history window, then snapshots with increasing ids", async () => {
    const { response, messages, raw } = await readSse(`${url}/console/live`, { headers: { accept: "text/event-stream" } }, (ms) => snapshots(ms).length >= 3);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("no-cache");
    expect(raw.startsWith("retry: 2000\n\n")).toBe(true);
    expect(messages[0]?.event).toBe("history");
    expect(messages[0]?.data).toMatchObject({ nominalHz: 60, bandHz: 0.02, resumed: false });
    const ids = snapshots(messages).map((m) => Number(m.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true);
    for (const m of snapshots(messages)) expect((m.data as LiveSnapshot).seq).toBe(Number(m.id));
  });

  it("composes the snapshot from the grid meter's and plants' HTTP forms and the VPP, aggregates only", async () => {
    const { messages } = await readSse(`${url}/console/live`, {}, (ms) => snapshots(ms).length >= 1);
    const s = snapshots(messages)[0]?.data as LiveSnapshot;
    expect(s.grid).toMatchObject({ frequencyHz: 59.99, activePowerW: -40000, direction: "export" });
    expect(s.grid?.phases.map((p) => p.activePowerW)).toEqual([-20000, -5000, -15000]);
    expect(s.renewables.plants.find((p) => p.title === "pv-1")).toMatchObject({ activePowerW: 30000, quality: "GOOD" });
    expect(s.renewables.plants.find((p) => p.title === "wind-1")).toMatchObject({ activePowerW: null, quality: "ERROR" });
    expect(s.batteries[0]).toMatchObject({ title: "bess-1", socPercent: 60, state: "idle", quality: "GOOD" });
    expect(s.flow).toMatchObject({ gridW: -40000, gridExportW: 40000, pvW: 30000, loadW: -10000 });
    expect(s.demand?.regions[0]).toMatchObject({ key: "north", demandW: 5000 });
    expect(JSON.stringify(s)).not.toContain("meter-secret-0001");
    expect(devices.requests.some((r) => r.url === "/grid-meter/properties/channels")).toBe(true);
  });

  it("gives a new page the recent frequency window at once", async () => {
    await readSse(`${url}/console/live`, {}, (ms) => snapshots(ms).length >= 2);
    const { messages } = await readSse(`${url}/console/live`, {}, (ms) => ms.length >= 2);
    const history = messages[0]?.data as { points: Array<{ seq: number; t: number; frequencyHz: number }> };
    expect(history.points.length).toBeGreaterThanOrEqual(2);
    expect(history.points[0]).toMatchObject({ frequencyHz: 59.99 });
    expect(messages[1]?.event).toBe("snapshot");
    const limited = await readSse(`${url}/console/live?history=1`, {}, (ms) => ms.length >= 1);
    expect((limited.messages[0]?.data as { points: unknown[] }).points).toHaveLength(1);
    const none = await readSse(`${url}/console/live?history=0`, {}, (ms) => ms.length >= 1);
    expect((none.messages[0]?.data as { points: unknown[] }).points).toHaveLength(0);
  });

  it("resumes after Last-Event-ID: only the points the page missed, then the latest snapshot at once", async () => {
    const first = await readSse(`${url}/console/live`, {}, (ms) => snapshots(ms).length >= 1);
    const lastId = snapshots(first.messages)[0]?.id as string;
    await readSse(`${url}/console/live`, {}, (ms) => snapshots(ms).some((m) => Number(m.id) >= Number(lastId) + 2));
    const again = await readSse(`${url}/console/live`, { headers: { "last-event-id": lastId } }, (ms) => ms.length >= 2);
    const history = again.messages[0]?.data as { resumed: boolean; points: Array<{ seq: number }> };
    expect(history.resumed).toBe(true);
    expect(history.points.length).toBeGreaterThanOrEqual(1);
    expect(history.points.every((p) => p.seq > Number(lastId))).toBe(true);
    expect(again.messages[1]?.event).toBe("snapshot");
    // An id from another run of the process (larger than any we sent) gets the whole window.
    const foreign = await readSse(`${url}/console/live`, { headers: { "last-event-id": "999999999" } }, (ms) => ms.length >= 1);
    expect((foreign.messages[0]?.data as { resumed: boolean }).resumed).toBe(false);
  });

  it("lets readers follow it and refuses unknown or expired tokens with 401", async () => {
    const ok = await readSse(`${url}/console/live`, { headers: { authorization: "Bearer reader-token" } }, (ms) => ms.length >= 1);
    expect(ok.response.status).toBe(200);
    for (const authorization of ["Bearer nope", "Bearer old-token", "Basic abc"]) {
      const r = await fetch(`${url}/console/live`, { headers: { authorization } });
      expect(r.status, authorization).toBe(401);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_AUTH_REQUIRED");
    }
  });

  it("answers 406 for an Accept without text/event-stream and 400 for bad query or Last-Event-ID", async () => {
    for (const accept of ["application/json", "text/html", "text/event-stream;q=0"]) {
      const r = await fetch(`${url}/console/live`, { headers: { accept } });
      expect(r.status, accept).toBe(406);
      expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_NOT_ACCEPTABLE");
    }
    for (const q of ["?history=601", "?history=-1", "?history=abc", "?history=1.5", "?window=10", "?history=1&x=2"]) {
      const r = await fetch(`${url}/console/live${q}`);
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_BAD_REQUEST");
    }
    for (const id of ["abc", "-3", "1.5"]) {
      const r = await fetch(`${url}/console/live`, { headers: { "last-event-id": id } });
      expect(r.status, id).toBe(400);
    }
  });

  it("answers 503 CONSOLE_UNAVAILABLE when the VPP does not run in this process", async () => {
    vppRunning = false;
    try {
      const r = await fetch(`${url}/console/live`, { headers: { accept: "text/event-stream" } });
      expect(r.status).toBe(503);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_UNAVAILABLE");
    } finally {
      vppRunning = true;
    }
  });
});

describe("GET /console/live when the front door stops", () => {
  it("ends open streams", async () => {
    let url = "";
    const vpp = fakeVpp();
    const door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [thingsPart(() => []), createConsolePart({ tokens, vpp: () => vpp.asServient(), microgrid: () => undefined, site: () => undefined, frontDoor: () => url || undefined })] });
    url = await door.start();
    const response = await fetch(`${url}/console/live`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    await door.stop();
    let ended = false;
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
      ended = true;
    } catch {
      ended = true;
    }
    expect(ended).toBe(true);
  });
});
