/**
 * Sequential property reads per second (and p50/p99 latency) over HTTP, CoAP and Modbus TCP
 * against a GridThings device Thing (a battery of the small site, simulation stopped) and against
 * a bare server of the same protocol answering the same value, measured in the same run with the
 * same plain client on both sides (fetch/undici keep-alive, the `coap` package agent,
 * modbus-serial's client), so that the ratio measures the server. For HTTP a third column gives
 * node-wot's consumer against the GridThings Thing.
 *
 * Run: npm run bench:things [-- seconds-per-case=3]
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { SiteRuntime } from "../../src/site/runtime.ts";
import { loadSite } from "../../src/site/load-site.ts";
import { TokenTable } from "../../src/auth/roles.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import { closePlainClient, connectPlainClient, type PlainModbusClient } from "../../src/modbus/plain-client.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { bareCoap, bareHttp, bareModbus, type Bare } from "./bare-servers.ts";

const require = createRequire(import.meta.url);
const SECONDS = Number(process.argv[2] ?? 3);
const PROPERTY = "stateOfCharge";
const THING = "bess-north-1";

interface Result {
  reads: number;
  perSecond: number;
  p50us: number;
  p99us: number;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Runs `read` back to back: a short warm-up, then `seconds` of timed reads. */
async function measure(read: () => Promise<unknown>, seconds: number): Promise<Result> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await read();
  const samples: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    const t0 = now;
    await read();
    now = performance.now();
    samples.push(now - t0);
  }
  const sorted = Float64Array.from(samples).sort();
  return { reads: samples.length, perSecond: samples.length / ((now - start) / 1000), p50us: quantile(sorted, 0.5) * 1000, p99us: quantile(sorted, 0.99) * 1000 };
}

// ---- plain clients ---------------------------------------------------------------------------

function httpReader(url: string): () => Promise<unknown> {
  return async () => {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    return JSON.parse(await res.text());
  };
}

interface CoapModule {
  Agent: new (options: { type: "udp4" }) => { close(): void };
  request(options: Record<string, unknown>): {
    on(event: "response", cb: (res: { code: string; payload: Buffer }) => void): void;
    on(event: "error", cb: (err: Error) => void): void;
    end(): void;
  };
}

function coapReader(url: string, agent: object): () => Promise<unknown> {
  const coap = require("coap") as CoapModule;
  const u = new URL(url);
  const options = { hostname: u.hostname, port: Number(u.port), pathname: decodeURIComponent(u.pathname), method: "GET", confirmable: true, agent };
  return () =>
    new Promise((resolve, reject) => {
      const req = coap.request(options);
      req.on("response", (res) => (res.code === "2.05" ? resolve(JSON.parse(res.payload.toString("utf8"))) : reject(new Error(`${url}: CoAP ${res.code}`))));
      req.on("error", reject);
      req.end();
    });
}

function modbusReader(client: PlainModbusClient, href: string): () => Promise<unknown> {
  const u = new URL(href);
  const [, address] = u.pathname.split("/").filter(Boolean).map(Number);
  const quantity = Number(u.searchParams.get("quantity") ?? "2");
  return async () => {
    const { buffer } = await client.readHoldingRegisters(address as number, quantity);
    return buffer.readFloatBE(0);
  };
}

function formHref(td: JsonObject, scheme: string): string {
  const forms = ((td.properties as Record<string, { forms: Array<{ href: string; op: string | string[] }> }>)[PROPERTY]?.forms ?? []);
  const form = forms.find((f) => f.href.startsWith(`${scheme}:`) && [f.op].flat().includes("readproperty"));
  if (!form) throw new Error(`${THING} has no ${scheme} read form for ${PROPERTY}`);
  return form.href;
}

// ---- the run ---------------------------------------------------------------------------------

function fmt(r: Result | undefined): string {
  if (!r) return "".padEnd(30);
  return `${Math.round(r.perSecond).toLocaleString("en-US").padStart(7)}/s  p50 ${Math.round(r.p50us).toString().padStart(5)} µs  p99 ${Math.round(r.p99us).toString().padStart(5)} µs`;
}

async function main(): Promise<void> {
  const site = await loadSite(new URL("../../tds/sites/small.site.json", import.meta.url).pathname);
  const runtime = new SiteRuntime({
    site,
    speed: 1,
    host: "127.0.0.1",
    httpPort: 0,
    coapPort: 0,
    mqttPort: 0,
    modbusPort: 0,
    gridMeterModbusPort: 0,
    tokens: new TokenTable([]),
    kinds: ["bess"],
    realNow: () => 0, // the simulation stands still: every read answers the same value
  });
  await runtime.start();
  const bares: Bare[] = [];
  const agent = new (require("coap") as CoapModule).Agent({ type: "udp4" });
  const clients: PlainModbusClient[] = [];
  const consumer = new Consumer({ protocols: ["http"] });
  try {
    const td = runtime.hosted(THING)!.td;
    const value = await httpReader(formHref(td, "http"))();
    const body = JSON.stringify(value);
    const modbusHref = formHref(td, "modbus+tcp");
    const m = new URL(modbusHref);
    const [unitId, address] = m.pathname.split("/").filter(Boolean).map(Number) as [number, number];
    const gtModbus = await connectPlainClient(m.hostname, Number(m.port), unitId);
    clients.push(gtModbus);
    const words = (await gtModbus.readHoldingRegisters(address, 2)).data;

    const bareH = await bareHttp(body);
    const bareC = await bareCoap(body);
    const bareM = await bareModbus(address, words);
    bares.push(bareH, bareC, bareM);
    const bm = new URL(bareM.url);
    const bareModbusClient = await connectPlainClient(bm.hostname, Number(bm.port), 1);
    clients.push(bareModbusClient);

    await consumer.start();
    const consumed = await consumer.consume(td, "http");

    const cases: Array<{ protocol: string; gridthings: () => Promise<unknown>; bare: () => Promise<unknown>; nodeWot?: () => Promise<unknown> }> = [
      { protocol: "HTTP", gridthings: httpReader(formHref(td, "http")), bare: httpReader(bareH.url), nodeWot: () => consumer.read(consumed, PROPERTY) },
      { protocol: "CoAP", gridthings: coapReader(formHref(td, "coap"), agent), bare: coapReader(bareC.url, agent) },
      { protocol: "Modbus TCP", gridthings: modbusReader(gtModbus, modbusHref), bare: modbusReader(bareModbusClient, bareM.url) },
    ];
    const lines = [
      `bench/things: sequential reads of ${THING} ${PROPERTY} (= ${body}), ${SECONDS} s per case, Node ${process.version}`,
      "",
      `${"protocol".padEnd(11)}| ${"GridThings device Thing".padEnd(38)}| ${"bare server, same value".padEnd(38)}| ratio | node-wot consumer → GridThings`,
      `${"-".repeat(11)}|${"-".repeat(40)}|${"-".repeat(40)}|-------|-------------------------------`,
    ];
    for (const c of cases) {
      for (const read of [c.gridthings, c.bare, c.nodeWot]) {
        const got = read ? await read() : value;
        // float32 registers carry the value to 7 digits
        if (Math.abs(Number(got) - Number(value)) > Math.abs(Number(value)) * 1e-6) throw new Error(`${c.protocol}: a server answered ${JSON.stringify(got)}, not ${body}`);
      }
      const gridthings = await measure(c.gridthings, SECONDS);
      const bare = await measure(c.bare, SECONDS);
      const nodeWot = c.nodeWot ? await measure(c.nodeWot, SECONDS) : undefined;
      const ratio = (bare.perSecond / gridthings.perSecond).toFixed(2);
      lines.push(`${c.protocol.padEnd(11)}| ${fmt(gridthings).padEnd(38)}| ${fmt(bare).padEnd(38)}| ${ratio.padStart(5)}×| ${nodeWot ? fmt(nodeWot) : "—"}`);
    }
    lines.push("", "ratio = bare reads/s ÷ GridThings reads/s (same client, same run): how much the GridThings stack costs per read.");
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await consumer.stop().catch(() => undefined);
    for (const c of clients) await closePlainClient(c);
    // Not awaited: coap 1.5's Agent.close(done) never calls `done` when the agent already closed its idle socket.
    agent.close();
    for (const b of bares) await b.stop();
    await runtime.stop();
  }
}

await main();
