import { afterEach, describe, expect, test } from "vitest";
import { Discovery, jsonPathFilter, type EnsembleChange } from "../../src/discovery/index.ts";
import { batteryTd, meterTd, put, startDirectory, TOKENS, type Running } from "../registry/harness.ts";
import { waitFor } from "../support/until.ts";

const running: Running[] = [];
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const r of running.splice(0)) await r.stop();
});

async function directory(): Promise<Running> {
  const r = await startDirectory();
  running.push(r);
  return r;
}


describe("Discovery client", () => {
  test("pages through a listing larger than one page", async () => {
    const dir = await directory();
    for (let i = 0; i < 23; i++) await put(dir.url, batteryTd(i, "north", 1000 * i));
    const client = new Discovery({ baseUrl: dir.url });
    const ids = (await client.listAll(5)).map((t) => t.id);
    expect(ids.length).toBe(23);
    expect(new Set(ids).size).toBe(23);
  });

  test("JSONPath and SPARQL queries, and problems surfaced as coded errors", async () => {
    const dir = await directory();
    await put(dir.url, batteryTd(1, "north", 100_000));
    await put(dir.url, batteryTd(2, "south", 100_000));
    const client = new Discovery({ baseUrl: dir.url });
    expect(await client.jsonpath("$[?@['gt:region']=='south'].id")).toEqual(["urn:gridthings:bess:2"]);
    const r = (await client.sparql("PREFIX gt: <https://gridthings.dev/ns#> SELECT ?t WHERE { ?t gt:region 'north' }")) as unknown as { results: { bindings: Array<{ t: { value: string } }> } };
    expect(r.results.bindings.map((b) => b.t.value)).toEqual(["urn:gridthings:bess:1"]);
    await expect(client.jsonpath("$[?")).rejects.toMatchObject({ code: "DIRECTORY_REFUSED", details: { httpStatus: 400 } });
    expect((await client.directoryDescription())["@type"]).toBe("ThingDirectory");
  });

  test("unreachable directories and bad arguments give coded errors", async () => {
    expect(() => new Discovery({ baseUrl: "ftp://x" })).toThrow(expect.objectContaining({ code: "DISCOVERY_BAD_ARGUMENT" }));
    const client = new Discovery({ baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 });
    await expect(client.getThing("urn:x")).rejects.toMatchObject({ code: "DIRECTORY_UNREACHABLE" });
    await expect(client.register({ title: "no id" }, { ttlSeconds: 10 })).rejects.toMatchObject({ code: "DISCOVERY_BAD_ARGUMENT" });
    await expect(client.register(batteryTd(1, "n", 1), { ttlSeconds: 0 })).rejects.toMatchObject({ code: "DISCOVERY_BAD_ARGUMENT" });
    expect(() => jsonPathFilter("$[")).toThrow(expect.objectContaining({ code: "DISCOVERY_BAD_ARGUMENT" }));
  });

  test("a device registers with a TTL, refreshes before it runs out, and deregisters", async () => {
    const dir = await directory();
    const device = new Discovery({ baseUrl: dir.url, token: TOKENS.device!.token });
    const registration = await device.register(batteryTd(1, "north", 100_000), { ttlSeconds: 1, refreshAt: 0.3 });
    cleanups.push(() => registration.stop());
    const first = (await device.getThing("urn:gridthings:bess:1")) as { registration: { modified: string; ttl: number } };
    expect(first.registration.ttl).toBe(1);
    await waitFor("1.5 s", () => Date.now() > Date.parse(first.registration.modified) + 1500);
    const later = (await device.getThing("urn:gridthings:bess:1")) as { registration: { modified: string } } | undefined;
    expect(later).toBeDefined();
    expect(later!.registration.modified).not.toBe(first.registration.modified);
    await registration.deregister();
    expect(await device.getThing("urn:gridthings:bess:1")).toBeUndefined();
  });

  test("a device token may not register another device's TD", async () => {
    const dir = await directory();
    const device = new Discovery({ baseUrl: dir.url, token: TOKENS.device!.token });
    await expect(device.register(batteryTd(7, "north", 1), { ttlSeconds: 10 })).rejects.toMatchObject({ code: "DIRECTORY_REFUSED", details: { httpStatus: 403 } });
  });

  test("an ensemble stays current through creates, updates, deletes and a directory restart", async () => {
    const first = await startDirectory();
    const port = Number(new URL(first.url).port);
    await put(first.url, batteryTd(1, "north", 100_000));
    await put(first.url, batteryTd(2, "north", 10_000));
    await put(first.url, meterTd(1));
    const vpp = new Discovery({ baseUrl: first.url, token: TOKENS.analyst!.token });
    const ensemble = vpp.follow({ filter: jsonPathFilter("$[?@['gt:region']=='north' && @['gt:maxDischargePowerW'] > 50000]"), reconnectMs: 50 });
    cleanups.push(() => ensemble.stop());
    const changes: EnsembleChange[] = [];
    ensemble.onChange((c) => changes.push(c));
    await ensemble.start();
    expect([...ensemble.things.keys()]).toEqual(["urn:gridthings:bess:1"]);

    await put(first.url, batteryTd(2, "north", 80_000));
    await waitFor("bess 2 to join", () => ensemble.things.has("urn:gridthings:bess:2"));
    await put(first.url, batteryTd(1, "south", 100_000));
    await waitFor("bess 1 to leave", () => !ensemble.things.has("urn:gridthings:bess:1"));
    await put(first.url, batteryTd(3, "north", 60_000));
    await fetch(`${first.url}/things/urn:gridthings:bess:3`, { method: "DELETE", headers: { authorization: `Bearer ${TOKENS.writer!.token}` } });
    await waitFor("bess 3 removed", () => changes.some((c) => c.type === "removed" && c.id === "urn:gridthings:bess:3"));

    await first.stop(true);
    const second = await startDirectory({ dataDir: first.dataDir }, port);
    running.push(second);
    await put(second.url, batteryTd(4, "north", 70_000));
    await waitFor("bess 4 after the restart", () => ensemble.things.has("urn:gridthings:bess:4"));
    expect([...ensemble.things.keys()].sort()).toEqual(["urn:gridthings:bess:2", "urn:gridthings:bess:4"]);
  });
});
