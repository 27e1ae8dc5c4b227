/** The History view's routes on a real front door: catalogue by role, one series bucketed, bad input. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createConsolePart } from "../../src/console/part.ts";
import { HistoryRecorder } from "../../src/vpp/history/recorder.ts";
import type { VppServient } from "../../src/vpp/servient.ts";

const T0 = Date.parse("2026-06-21T19:00:00Z");
const tokens = new TokenTable([
  { token: "reader-token", subject: "reader", roles: ["reader"] },
  { token: "priv-token", subject: "priv", roles: ["privileged-reader"] },
  { token: "op-token", subject: "op", roles: ["operator"] },
]);
const auth = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

describe("console history routes", () => {
  let dir: string;
  let recorder: HistoryRecorder;
  let url: string;
  let noVppUrl: string;
  const door = () => new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ tokens, vpp: () => ({ history: recorder }) as unknown as VppServient, microgrid: () => undefined, site: () => undefined, frontDoor: () => undefined })] });
  let withVpp: FrontDoor;
  const withoutVpp = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ tokens, vpp: () => undefined, microgrid: () => undefined, site: () => undefined, frontDoor: () => undefined })] });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gt-console-history-"));
    recorder = new HistoryRecorder(dir);
    await recorder.store.append([
      ...Array.from({ length: 120 }, (_, i) => ({ name: "grid.frequency", thingId: null, atMs: T0 + i * 1000, value: 60 + (i % 10) / 1000 })),
      { name: "battery.soc", thingId: "urn:b1", atMs: T0, value: 55 },
      { name: "meter.activePower", thingId: "urn:meter-1", atMs: T0, value: 700 },
    ]);
    withVpp = door();
    url = await withVpp.start();
    noVppUrl = await withoutVpp.start();
  });
  afterAll(async () => {
    await withVpp.stop();
    await withoutVpp.stop();
    recorder.close();
    await rm(dir, { recursive: true, force: true });
  });

  const list = async (token?: string, query = "") => {
    const r = await fetch(`${url}/console/history/series${query}`, token ? auth(token) : {});
    expect(r.status).toBe(200);
    return (await r.json()) as { newest: string; householdSeries: boolean; series: Array<{ name: string; thingId: string | null; privileged: boolean }> };
  };

  it("lists per-meter series only for privileged-reader and operator", async () => {
    for (const t of [undefined, "reader-token"]) {
      const c = await list(t);
      expect(c.householdSeries).toBe(false);
      expect(c.series.map((s) => s.name).sort()).toEqual(["battery.soc", "grid.frequency"]);
    }
    for (const t of ["priv-token", "op-token"]) {
      const c = await list(t);
      expect(c.householdSeries).toBe(true);
      expect(c.series.find((s) => s.name === "meter.activePower")).toMatchObject({ thingId: "urn:meter-1", privileged: true });
    }
    expect((await list(undefined)).newest).toBe("2026-06-21T19:01:59.000Z");
    expect((await list(undefined, "?thingId=urn%3Ab1")).series.map((s) => s.name)).toEqual(["battery.soc"]);
  });

  it("answers a series bucketed over [from, to]", async () => {
    const r = await fetch(`${url}/console/history?series=grid.frequency&from=2026-06-21T19:00:00Z&to=2026-06-21T19:02:00Z&points=12`);
    expect(r.status).toBe(200);
    const a = (await r.json()) as { unit: string; bucketMs: number; buckets: Array<{ n: number; min: number; max: number }> };
    expect(a.unit).toBe("Hz");
    expect(a.bucketMs).toBe(10_000);
    expect(a.buckets).toHaveLength(12);
    expect(a.buckets[0]).toMatchObject({ n: 10, min: 60, max: 60.009 });
    const soc = await fetch(`${url}/console/history?series=battery.soc&thingId=urn%3Ab1&from=2026-06-21T18:00:00Z&to=2026-06-21T20:00:00Z`);
    expect(((await soc.json()) as { buckets: unknown[] }).buckets).toHaveLength(1);
  });

  it("answers a meter's series to privileged roles only: 401 anonymous, 403 reader", async () => {
    const path = `${url}/console/history?series=meter.activePower&thingId=urn%3Ameter-1&from=2026-06-21T18:00:00Z&to=2026-06-21T20:00:00Z`;
    const anon = await fetch(path);
    expect(anon.status).toBe(401);
    const reader = await fetch(path, auth("reader-token"));
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as { code: string }).code).toBe("CONSOLE_FORBIDDEN");
    for (const t of ["priv-token", "op-token"]) {
      const r = await fetch(path, auth(t));
      expect(r.status).toBe(200);
      expect(((await r.json()) as { buckets: Array<{ last: number }> }).buckets[0]!.last).toBe(700);
    }
  });

  it("refuses bad input with problem+json", async () => {
    const ok = "from=2026-06-21T19:00:00Z&to=2026-06-21T19:02:00Z";
    const cases: Array<[string, number, string]> = [
      [`series=grid.frequency&from=2026-06-21T19:00:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`${ok}`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=yesterday&to=2026-06-21T19:02:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-06-21&to=2026-06-22`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-06-21T19:00:00&to=2026-06-21T19:02:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-02-30T19:00:00Z&to=2026-06-21T19:02:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-06-21T24:00:00Z&to=2026-06-22T19:02:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-06-21T19:02:00Z&to=2026-06-21T19:00:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&from=2026-06-21T19:00:00Z&to=2026-06-21T19:00:00Z`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&${ok}&points=0`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&${ok}&points=2001`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&${ok}&points=-5`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&${ok}&points=abc`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&series=grid.rocof&${ok}`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=grid.frequency&${ok}&thingId=`, 400, "CONSOLE_BAD_REQUEST"],
      [`series=no.such.series&${ok}`, 404, "HISTORY_SERIES_NOT_FOUND"],
      [`series=grid.rocof&${ok}`, 404, "HISTORY_SERIES_NOT_FOUND"],
      [`series=battery.soc&thingId=urn%3Anone&${ok}`, 404, "HISTORY_SERIES_NOT_FOUND"],
      [`series=battery.soc&${ok}`, 404, "HISTORY_SERIES_NOT_FOUND"],
      [`series=__proto__&${ok}`, 404, "HISTORY_SERIES_NOT_FOUND"],
    ];
    for (const [query, status, code] of cases) {
      const r = await fetch(`${url}/console/history?${query}`);
      expect(r.status, query).toBe(status);
      expect(r.headers.get("content-type"), query).toContain("application/problem+json");
      expect(((await r.json()) as { code: string }).code, query).toBe(code);
    }
    const bad = await fetch(`${url}/console/history/series?thingId=a&thingId=b`);
    expect(bad.status).toBe(400);
    const token = await fetch(`${url}/console/history/series`, auth("nope"));
    expect(token.status).toBe(401);
  });

  it("answers 503 CONSOLE_UNAVAILABLE where the VPP does not run", async () => {
    for (const path of ["/console/history/series", "/console/history?series=grid.frequency&from=2026-06-21T19:00:00Z&to=2026-06-21T19:02:00Z"]) {
      const r = await fetch(noVppUrl + path);
      expect(r.status, path).toBe(503);
      expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_UNAVAILABLE");
    }
  });
});
