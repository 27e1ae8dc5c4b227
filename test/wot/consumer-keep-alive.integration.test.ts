/**
 * The consumer reuses HTTP connections: node-wot's client gives each consumed Thing its own agent
 * without keep-alive, which opened a TCP connection per call (bench/control at 1,000 batteries).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Consumer } from "../../src/wot/consumer.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

describe("Consumer over HTTP", () => {
  let server: Server;
  let base = "";
  let connections = 0;
  const consumer = new Consumer({ timeoutMs: 5000, protocols: ["http"] });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/slow/")) return; // never answers
      res.setHeader("content-type", "application/json");
      res.end(req.url?.endsWith("/properties/x") ? "42" : "null");
    });
    server.on("connection", () => connections++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const td = (name: string): JsonObject => ({
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    id: `urn:test:${name}`,
    title: name,
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: ["nosec_sc"],
    properties: { x: { type: "number", readOnly: true, forms: [{ href: `${base}/${name}/properties/x`, op: ["readproperty"], contentType: "application/json" }] } },
  });

  it("reads of many Things share keep-alive connections", async () => {
    const things = await Promise.all(["a", "b", "c"].map((n) => consumer.consume(td(n), "http")));
    for (let i = 0; i < 10; i++) for (const t of things) expect(await consumer.read(t, "x")).toBe(42);
    // 30 sequential reads of three Things: one connection, not thirty.
    expect(connections).toBe(1);
  });

  it("a read of a property the Thing does not have fails, and the consumer keeps working", async () => {
    const thing = await consumer.consume(td("d"), "http");
    await expect(consumer.read(thing, "nope")).rejects.toThrow();
    expect(await consumer.read(thing, "x")).toBe(42);
  });

  it("a call that gets no answer in time fails with DEVICE_UNAVAILABLE, naming the Thing by its title", async () => {
    const quick = new Consumer({ timeoutMs: 300, protocols: ["http"] });
    await quick.start();
    try {
      const thing = await quick.consume(td("slow"), "http");
      await expect(quick.read(thing, "x")).rejects.toMatchObject({ code: "DEVICE_UNAVAILABLE", message: expect.stringContaining("read slow.x") });
    } finally {
      await quick.stop();
    }
  });
});
