/** The Directory view's object-memory route on a real front door: privileged only, newest first, bad input. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createConsolePart } from "../../src/console/part.ts";
import { ObjectMemory } from "../../src/vpp/memory/object-memory.ts";
import type { VppServient } from "../../src/vpp/servient.ts";

const tokens = new TokenTable([
  { token: "reader-token", subject: "reader", roles: ["reader"] },
  { token: "priv-token", subject: "priv", roles: ["privileged-reader"] },
  { token: "op-token", subject: "op", roles: ["operator"] },
]);
const auth = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
const B1 = "urn:gridthings:small:bess-north-1";

describe("console directory routes: a Thing's object memory", () => {
  let dir: string;
  let memory: ObjectMemory;
  let url: string;
  let door: FrontDoor;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gt-console-directory-"));
    memory = new ObjectMemory(dir);
    await memory.append([
      { thingId: B1, kind: "membership", name: "joined", at: "2026-06-21T19:00:00Z", body: { role: "battery" } },
      { thingId: B1, kind: "command", name: "target_output_kw", at: "2026-06-21T19:00:05Z", body: { value: 12 } },
      { thingId: B1, kind: "command-result", name: "target_output_kw", at: "2026-06-21T19:00:06Z", body: { ok: true } },
      { thingId: "urn:other", kind: "membership", name: "joined", at: "2026-06-21T19:00:00Z", body: {} },
    ]);
    door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ tokens, vpp: () => ({ objectMemory: () => memory }) as unknown as VppServient, microgrid: () => undefined, site: () => undefined, frontDoor: () => undefined })] });
    url = await door.start();
  });
  afterAll(async () => {
    await door.stop();
    await memory.close();
    await rm(dir, { recursive: true, force: true });
  });
  const path = (query = "") => `${url}/console/things/${encodeURIComponent(B1)}/memory${query}`;

  it("gives privileged-reader and operator the Thing's entries, newest first", async () => {
    for (const t of ["priv-token", "op-token"]) {
      const r = await fetch(path(), auth(t));
      expect(r.status).toBe(200);
      const body = (await r.json()) as { thingId: string; entries: Array<{ kind: string; name: string }> };
      expect(body.thingId).toBe(B1);
      expect(body.entries.map((e) => e.kind)).toEqual(["command-result", "command", "membership"]);
    }
    const limited = (await (await fetch(path("?limit=1&kind=command"), auth("op-token"))).json()) as { entries: Array<{ kind: string }> };
    expect(limited.entries).toEqual([expect.objectContaining({ kind: "command", name: "target_output_kw" })]);
    const since = (await (await fetch(path("?since=2026-06-21T19:00:05Z"), auth("op-token"))).json()) as { entries: unknown[] };
    expect(since.entries).toHaveLength(2);
  });

  it("finds the newest entries past the store's first page", async () => {
    const many = Array.from({ length: 10_003 }, (_, i) => ({ thingId: "urn:many", kind: "state" as const, name: "telemetry", at: new Date(Date.parse("2026-06-21T19:00:00Z") + i * 1000).toISOString(), body: { i } }));
    await memory.append(many);
    const r = (await (await fetch(`${url}/console/things/urn%3Amany/memory?limit=2`, auth("priv-token"))).json()) as { entries: Array<{ body: { i: number } }>; truncated: boolean };
    expect(r.entries.map((e) => e.body.i)).toEqual([10_002, 10_001]);
    expect(r.truncated).toBe(false);
  });

  it("refuses anonymous (401) and reader (403)", async () => {
    expect((await fetch(path())).status).toBe(401);
    const r = await fetch(path(), auth("reader-token"));
    expect(r.status).toBe(403);
    expect(((await r.json()) as { code: string }).code).toBe("CONSOLE_FORBIDDEN");
  });

  it("refuses bad input", async () => {
    for (const q of ["?limit=0", "?limit=1001", "?limit=x", "?kind=nope", "?since=yesterday", "?until=2026-06-21", "?limit=1&limit=2"]) {
      const r = await fetch(path(q), auth("op-token"));
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { code: string }).code, q).toBe("CONSOLE_BAD_REQUEST");
    }
  });
});
