/**
 * The seed 000 load-step scenario (100 kW on the demo site) on the simulator, without wall time,
 * four ways in the same run: no control, remote dispatch through WoT (the VPP's own decision on a
 * sample every control period, its setpoints applied after the WoT latency), embedded droop
 * pushed to the batteries, and ideal zero-latency control.
 * Run: `npx tsx bench/regulation/run.ts [latencyMs=50] [controlPeriodMs=1000]`.
 * Latency default: the HTTP p99 of bench/control at 10 batteries, rounded up.
 */
import { readFileSync } from "node:fs";
import { parseSite } from "../../src/site/site-schema.ts";
import { runLoadStepScenario, type Strategy } from "../../src/vpp/regulation/load-step-scenario.ts";

const latencyMs = Number(process.argv[2] ?? 50);
const controlPeriodMs = Number(process.argv[3] ?? 1000);
const site = parseSite(readFileSync("tds/sites/demo.site.json", "utf8"), "demo");
const rows: string[] = [];
process.stdout.write(`load step 100 kW on ${site.id}, 120 s simulated; remote: sample every ${controlPeriodMs} ms, WoT latency ${latencyMs} ms; droop 0.1 %, deadband 0.005 Hz\n\n`);
rows.push("| strategy | nadir (Hz) | time outside ±0.02 Hz (s) | energy dispatched (kWh) | final (Hz) | commands |");
rows.push("| --- | --- | --- | --- | --- | --- |");
for (const strategy of ["none", "remote", "droop", "ideal"] as Strategy[]) {
  const t0 = performance.now();
  const r = runLoadStepScenario(site, { strategy, latencyMs, controlPeriodMs, durationSeconds: 120, droop: { deadbandHz: 0.005, droopPercent: 0.1 } });
  const ms = performance.now() - t0;
  rows.push(`| ${strategy} | ${r.nadirHz.toFixed(4)} | ${r.secondsOutsideBand.toFixed(1)} | ${(r.energyDispatchedWh / 1000).toFixed(2)} | ${r.finalFrequencyHz.toFixed(4)} | ${r.commands} |`);
  process.stderr.write(`${strategy}: ${ms.toFixed(0)} ms of computation\n`);
}
process.stdout.write(`${rows.join("\n")}\n`);
