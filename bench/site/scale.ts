/**
 * Scale of one site process: starts tds/sites/large.site.json (10,080 smart meters and the demo's
 * other devices) on loopback, prints start time, memory, the meter readings published per second
 * at --speed 10 against the rate the site file asks for, and the stop time.
 * Run: node --import tsx bench/site/scale.ts [site-file] [speed]
 */
import { SiteRuntime } from "../../src/site/runtime.ts";
import { loadSite } from "../../src/site/load-site.ts";
import { TokenTable } from "../../src/auth/roles.ts";
import { listMeters } from "../../src/site/site-file.ts";

const file = process.argv[2] ?? "tds/sites/large.site.json";
const speed = Number(process.argv[3] ?? 10);
const out = (line: string) => process.stdout.write(line + "\n");

const site = await loadSite(file);
const meters = listMeters(site).length;
const t0 = performance.now();
const runtime = new SiteRuntime({ site, speed, host: "127.0.0.1", httpPort: 0, coapPort: 0, mqttPort: 0, modbusPort: 0, gridMeterModbusPort: 0, tokens: new TokenTable([]) });
await runtime.start();
const startS = (performance.now() - t0) / 1000;
const mem = process.memoryUsage();
out(`site ${site.id}: ${runtime.things.length} Things (${meters} smart meters) started in ${startS.toFixed(1)} s; heap ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB`);
const p0 = runtime.published;
const r0 = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const rate = (runtime.published - p0) / ((performance.now() - r0) / 1000);
const wanted = (meters * speed) / site.meterIntervalSeconds;
out(`published ${rate.toFixed(0)} readings/s at speed ${speed} (the site asks for ${wanted.toFixed(0)}/s): ratio ${(rate / wanted).toFixed(2)}`);
const s0 = performance.now();
await runtime.stop();
out(`stopped in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
