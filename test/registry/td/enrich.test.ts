import { describe, expect, test } from "vitest";
import { DISCOVERY_CONTEXT, enrich, expiresAtMs, isHousehold, registrationFor } from "../../../registry/td/enrich.ts";

const now = new Date("2026-01-01T00:00:00.000Z");
const td = { "@context": "https://www.w3.org/2022/wot/td/v1.1", id: "urn:a", title: "A" };

describe("registration information", () => {
  test("created and modified are set by the server; created survives updates", () => {
    const first = enrich(td, undefined, now, {});
    const later = enrich({ ...td, registration: { created: "1999-01-01T00:00:00Z" } }, first, new Date(now.getTime() + 5000), {});
    expect(first.registration).toEqual({ created: now.toISOString(), modified: now.toISOString() });
    expect(later.registration).toMatchObject({ created: now.toISOString(), modified: "2026-01-01T00:00:05.000Z" });
  });

  test("a ttl sets expires and overrides a client expires", () => {
    const r = registrationFor({ ...td, registration: { ttl: 30, expires: "2030-01-01T00:00:00Z" } }, undefined, now, {});
    expect(r).toMatchObject({ ttl: 30, expires: "2026-01-01T00:00:30.000Z" });
  });

  test("a client expires is kept when there is no ttl", () => {
    expect(registrationFor({ ...td, registration: { expires: "2026-02-01T00:00:00Z" } }, undefined, now, {}).expires).toBe("2026-02-01T00:00:00.000Z");
  });

  test("the server maximum caps ttl, expires and TDs without either", () => {
    const policy = { maxTtlSeconds: 60 };
    expect(registrationFor({ ...td, registration: { ttl: 3600 } }, undefined, now, policy)).toMatchObject({ ttl: 60, expires: "2026-01-01T00:01:00.000Z" });
    expect(registrationFor({ ...td, registration: { expires: "2030-01-01T00:00:00Z" } }, undefined, now, policy).expires).toBe("2026-01-01T00:01:00.000Z");
    expect(registrationFor(td, undefined, now, policy).expires).toBe("2026-01-01T00:01:00.000Z");
  });

  test("the discovery context is added once, after the TD context", () => {
    expect(enrich(td, undefined, now, {})["@context"]).toEqual(["https://www.w3.org/2022/wot/td/v1.1", DISCOVERY_CONTEXT]);
    const twice = enrich(enrich(td, undefined, now, {}), undefined, now, {});
    expect(twice["@context"]).toEqual(["https://www.w3.org/2022/wot/td/v1.1", DISCOVERY_CONTEXT]);
  });

  test("expiresAtMs is Infinity without expiry", () => {
    expect(expiresAtMs(enrich(td, undefined, now, {}))).toBe(Infinity);
    expect(expiresAtMs(enrich({ ...td, registration: { ttl: 1 } }, undefined, now, {}))).toBe(now.getTime() + 1000);
  });

  test("household TDs are those with gt:privacy household", () => {
    expect(isHousehold({ ...td, "gt:privacy": "household" })).toBe(true);
    expect(isHousehold({ ...td, "https://gridthings.dev/ns#privacy": "household" })).toBe(true);
    expect(isHousehold({ ...td, "gt:privacy": "public" })).toBe(false);
    expect(isHousehold(td)).toBe(false);
  });
});
