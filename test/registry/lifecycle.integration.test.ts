import { afterEach, describe, expect, test } from "vitest";
import { auth, minimalTd, put, startDirectory, type Running } from "./harness.ts";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function start(options: Parameters<typeof startDirectory>[0] = {}): Promise<Running> {
  const r = await startDirectory(options);
  running.push(r);
  return r;
}

describe("registration lifecycle", () => {
  test("restart keeps every TD, with its registration", async () => {
    const first = await startDirectory();
    for (let i = 0; i < 20; i++) await put(first.url, minimalTd(`urn:life:${i}`, { registration: { ttl: 3600 } }));
    const before = await (await fetch(`${first.url}/things?limit=100`)).text();
    await first.stop(true);
    const second = await start({ dataDir: first.dataDir });
    expect(await (await fetch(`${second.url}/things?limit=100`)).text()).toBe(before);
  });

  test("a device that stops refreshing disappears when its TTL passes; a refresh keeps it", async () => {
    let clock = Date.parse("2026-01-01T00:00:00Z");
    const dir = await start({ now: () => new Date(clock), purgeIntervalMs: 60_000 });
    await put(dir.url, minimalTd("urn:life:silent", { registration: { ttl: 10 } }));
    await put(dir.url, minimalTd("urn:life:alive", { registration: { ttl: 10 } }));
    clock += 8_000;
    await put(dir.url, minimalTd("urn:life:alive", { registration: { ttl: 10 } }));
    clock += 8_000;
    expect((await fetch(`${dir.url}/things/urn:life:silent`)).status).toBe(404);
    expect((await fetch(`${dir.url}/things/urn:life:alive`)).status).toBe(200);
  });

  test("the purge schedule removes expired TDs from the store", async () => {
    let clock = Date.now();
    const dir = await startDirectory({ now: () => new Date(clock), purgeIntervalMs: 20 });
    await put(dir.url, minimalTd("urn:life:gone", { registration: { ttl: 1 } }));
    clock += 2_000;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(dir.part.directory.size).toBe(0);
    await dir.stop(true);
    const again = await start({ dataDir: dir.dataDir, now: () => new Date(clock - 1_500) });
    expect((await fetch(`${again.url}/things/urn:life:gone`)).status).toBe(404);
  });

  test("the server maximum TTL bounds a registration", async () => {
    const dir = await start({ maxTtlSeconds: 60 });
    await put(dir.url, minimalTd("urn:life:max", { registration: { ttl: 86_400 } }));
    const td = (await (await fetch(`${dir.url}/things/urn:life:max`)).json()) as { registration: { ttl: number } };
    expect(td.registration.ttl).toBe(60);
  });

  test("a deregistered TD is gone at once", async () => {
    const dir = await start();
    await put(dir.url, minimalTd("urn:life:bye"));
    await fetch(`${dir.url}/things/urn:life:bye`, { method: "DELETE", headers: auth("writer") });
    expect((await fetch(`${dir.url}/things/urn:life:bye`)).status).toBe(404);
  });

  test("a second directory on the same data directory fails clearly", async () => {
    const dir = await start();
    await expect(startDirectory({ dataDir: dir.dataDir })).rejects.toMatchObject({ code: "STORE_LOCKED" });
  });
});
