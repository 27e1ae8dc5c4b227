/**
 * Scale run of the grid simulator: 10,000 meters (the demo site's feeders scaled up) driven as
 * the WoT glue would at --speed 10: every meter read once per 15 s interval, the grid meter and
 * the physics once per simulated second, every battery once per second.
 * Prints simulated seconds per wall second and the headroom over --speed 10.
 * Run: npx tsx bench/sim/scale.bench.ts [meters=10000] [simMinutes=30]
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { SiteFile } from "../../src/site/site-file.ts";
import { GridSimulator } from "../../src/sim/index.ts";

const meters = Number(process.argv[2] ?? 10_000);
const simMinutes = Number(process.argv[3] ?? 30);
const site = JSON.parse(readFileSync(new URL("../../tds/sites/demo.site.json", import.meta.url), "utf8")) as SiteFile;
const base = site.regions.flatMap((r) => r.substations.flatMap((s) => s.feeders)).reduce((n, f) => n + f.meters, 0);
const factor = meters / base;
for (const r of site.regions) for (const s of r.substations) for (const f of s.feeders) f.meters = Math.round(f.meters * factor);
site.grid.systemBaseW *= factor;
site.grid.backgroundLoadW *= factor;

function run(label: string, readMeters: boolean): number {
  const sim = new GridSimulator(site, { startTimeMs: Date.parse("2026-06-22T18:00:00Z") });
  const ids = sim.meterIds();
  const batteries = sim.batteryIds();
  const t0 = performance.now();
  const endMs = sim.time() + simMinutes * 60_000;
  let cursor = 0;
  let meterReads = 0;
  while (sim.time() < endMs) {
    sim.step(1);
    sim.gridMeter();
    sim.physics();
    for (const b of batteries) sim.battery(b);
    if (readMeters) {
      // spread the meters' 15 s readings evenly over the 15 one-second ticks of an interval
      const perTick = Math.ceil(ids.length / 15);
      for (let i = 0; i < perTick; i++) {
        sim.meter(ids[cursor]!);
        cursor = (cursor + 1) % ids.length;
        meterReads++;
      }
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  const simS = simMinutes * 60;
  const ratio = simS / wallS;
  process.stdout.write(
    `${label}: ${ids.length} meters, ${simS} s simulated in ${wallS.toFixed(2)} s wall → ${ratio.toFixed(0)}× real time ` +
      `(${(ratio / 10).toFixed(1)}× the budget of --speed 10); ${meterReads} meter reads\n`,
  );
  return ratio;
}

const physicsOnly = run("physics + aggregates only", false);
const full = run("physics + every meter read per 15 s", true);
process.stdout.write(`meter reads cost ${(((physicsOnly - full) / physicsOnly) * 100).toFixed(0)} % of the physics-only rate\n`);
