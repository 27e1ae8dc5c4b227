/**
 * Control latency: from the regulation step that sees a frequency excursion to every battery's
 * setpoint applied (write acknowledged by the device), for 10, 100 and 1,000 batteries, per
 * protocol the batteries offer for setpoint writes. One step is what the VPP servient does: read
 * the grid meter's `channels` and every battery's `telemetry` (HTTP, in parallel), decide
 * (assess → dispatch → allocate), then write `target_output_kw` to every battery, 64 calls in
 * flight at most (as the servient does).
 * CoAP and MQTT do not offer power-changing writes (they cannot carry the operator token), so
 * only HTTP and Modbus TCP are measured; one Modbus gateway serves at most 247 unit ids.
 * HTTP calls go over the consumer's one keep-alive agent (src/wot/consumer.ts).
 * Run: `npx tsx bench/control/run.ts [sizes=10,100,1000] [trials=30] [--in-flight=64]`.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseSite } from "../../src/site/site-schema.ts";
import { SiteRuntime } from "../../src/site/runtime.ts";
import type { BatterySpec } from "../../src/site/site-file.ts";
import { TokenTable } from "../../src/auth/roles.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { startGridMeter } from "../../things/grid-meter/index.ts";
import { assessFrequency, DEFAULT_REGULATION } from "../../src/vpp/regulation/frequency.ts";
import { decideDispatch, INITIAL_DISPATCH_STATE } from "../../src/vpp/dispatch/storage-dispatch.ts";
import { batteryStateFromTelemetry, type BatteryState } from "../../src/vpp/dispatch/battery-state.ts";
import { gridSampleFromChannels } from "../../src/vpp/grid-sample.ts";
import { mapLimit } from "../../src/vpp/concurrency.ts";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const sizes = (positional[0] ?? "10,100,1000").split(",").map(Number);
const trials = Number(positional[1] ?? 30);
/** Calls in flight per fan-out (the servient's IN_FLIGHT). */
const IN_FLIGHT = Number(process.argv.find((a) => a.startsWith("--in-flight="))?.slice(12) ?? 64);
const TOKEN = "bench-control-operator-token";
const base = parseSite(readFileSync("tds/sites/small.site.json", "utf8"), "small");
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] as number;

function siteWith(n: number) {
  const template = base.batteries[0] as BatterySpec;
  const modbus = n <= 247;
  const batteries: BatterySpec[] = Array.from({ length: n }, (_, i) => ({
    ...template,
    id: `bess-bench-${String(i + 1).padStart(4, "0")}`,
    title: undefined,
    maxDischargeW: 50_000,
    maxChargeW: 50_000,
    protocols: modbus ? ["http", "modbus"] : ["http"],
    ...(modbus ? { modbusUnitId: i + 1 } : { modbusUnitId: undefined }),
  }));
  return { ...base, batteries };
}

process.stdout.write(`excursion → every setpoint applied, ${trials} trials per row (fewer at 1,000), ${IN_FLIGHT} calls in flight, this machine (load average ${loadavg()[0]!.toFixed(1)})\n\n| batteries | protocol | p50 (ms) | p99 (ms) | max (ms) |\n| --- | --- | --- | --- | --- |\n`);
for (const n of sizes) {
  const runtime = new SiteRuntime({ site: siteWith(n), speed: 1, host: "127.0.0.1", httpPort: 0, coapPort: null as unknown as number, mqttPort: 0, modbusPort: 0, gridMeterModbusPort: 0, tokens: new TokenTable([{ token: TOKEN, subject: "bench", roles: ["operator"] }]), gridMeter: startGridMeter });
  await runtime.start();
  const consumer = new Consumer({ token: TOKEN, timeoutMs: 60_000 });
  await consumer.start();
  try {
    const tdOf = async (url: string) => (await (await fetch(url)).json()) as JsonObject;
    const batteries = runtime.things.filter((t) => t.kind === "bess");
    const tds = await mapLimit(batteries, 32, (b) => tdOf(b.tdUrl));
    const gmEntry = runtime.things.find((t) => t.kind === "grid-meter");
    if (!gmEntry) throw new Error("no grid meter");
    const gm = await consumer.consume(await tdOf(gmEntry.tdUrl), "http");
    const reads = await Promise.all(tds.map((td) => consumer.consume(td, "http")));
    for (const protocol of n <= 247 ? (["http", "modbus"] as const) : (["http"] as const)) {
      const writes = protocol === "http" ? reads : await Promise.all(tds.map((td) => consumer.consume(td, protocol)));
      const times: number[] = [];
      let partial = 0;
      const rounds = n >= 1000 ? Math.min(trials, 10) : trials;
      for (let t = 0; t <= rounds; t++) {
        const t0 = performance.now();
        const [channels, telemetry] = await Promise.all([consumer.read(gm, "channels"), mapLimit(reads, IN_FLIGHT, (r) => consumer.read(r, "telemetry"))]);
        const sample = gridSampleFromChannels(channels)!;
        // Alternate a deficit and a surplus so every trial changes every setpoint.
        const f = t % 2 === 0 ? 59.95 : 60.05;
        const states = telemetry.map((v, i) => batteryStateFromTelemetry(String(tds[i]!.id), v)).filter((s): s is BatteryState => s !== undefined);
        // Stiffness scaled so the command asks ~5 kW of each battery (above the 500 W minimum change).
        const regulation = { ...DEFAULT_REGULATION, stiffnessWPerHz: (n * 5000) / 0.05 };
        const { decision } = decideDispatch(INITIAL_DISPATCH_STATE, assessFrequency({ ...sample, frequencyHz: f, rocofHzPerS: 0, quality: "GOOD" }, sample.timeMs, regulation), states, sample.timeMs);
        const byId = new Map(tds.map((td, i) => [String(td.id), writes[i]!]));
        await mapLimit(decision.setpoints, IN_FLIGHT, (s) => consumer.write(byId.get(s.id)!, "target_output_kw", Math.round(s.targetW) / 1000));
        if (decision.setpoints.length !== states.length) partial++;
        if (t > 0) times.push(performance.now() - t0); // the first round warms connections up
      }
      process.stdout.write(`| ${n} | ${protocol} | ${pct(times, 50).toFixed(1)} | ${pct(times, 99).toFixed(1)} | ${Math.max(...times).toFixed(1)} |${partial ? ` (${partial} rounds changed fewer than all setpoints)` : ""}\n`);
    }
  } finally {
    await consumer.stop();
    await runtime.stop();
  }
}
process.exit(0);
