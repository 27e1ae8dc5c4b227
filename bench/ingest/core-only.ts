/**
 * The meter stream's pure core alone (parse, VEE, aggregation, billing), in process, no MQTT and
 * no disk: the part to profile, `node --cpu-prof --import tsx bench/ingest/core-only.ts [meters] [readingsPerMeter]`.
 */
import { performance } from "node:perf_hooks";
import { flatTariff } from "../../src/vpp/billing/tariff.ts";
import { MeterStreamCore } from "../../src/vpp/metering/meter-stream-core.ts";
import { benchFleet, benchPayload, BENCH_NOW } from "./fleet.ts";

const [meters = 10_000, perMeter = 30] = process.argv.slice(2).map(Number);
const core = new MeterStreamCore({ tariff: flatTariff() });
for (const m of benchFleet(meters)) core.place(m);
const payloads: Array<[string, Buffer]> = [];
for (let k = 0; k < perMeter; k++) for (let i = 0; i < meters; i++) payloads.push([`meter-${i}/events/reading`, Buffer.from(benchPayload(`meter-${i}`, k, i))]);
const t = performance.now();
for (const [topic, p] of payloads) core.ingest(topic, p, BENCH_NOW);
const s = (performance.now() - t) / 1000;
process.stdout.write(`core only: ${Math.round(payloads.length / s).toLocaleString("en-US")} readings/s (${core.counters.accepted} accepted, ${core.counters.intervalsBilled} intervals)\n`);
