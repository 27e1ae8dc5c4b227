/**
 * History store figures: durable append rate (group commits of one simulated minute of a series
 * set, as the VPP writes them at high speed) and query time over a week of 1 s samples.
 * Run: `npx tsx bench/history/run.ts [series=5] [days=7] [commitSeconds=60]`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../../src/vpp/history/history-store.ts";
import type { HistoryPoint } from "../../src/vpp/history/series.ts";

const seriesCount = Number(process.argv[2] ?? 5);
const days = Number(process.argv[3] ?? 7);
const commitSeconds = Number(process.argv[4] ?? 60);
const T0 = Date.parse("2026-06-21T00:00:00Z");
const seconds = days * 86_400;
const names = Array.from({ length: seriesCount }, (_, i) => ({ name: "battery.soc", thingId: `urn:bench:battery-${i}` }));

const dir = await mkdtemp(join(tmpdir(), "gt-bench-history-"));
const store = new HistoryStore(dir, { rawRetentionMs: (days + 1) * 86_400_000, retentionMs: (days + 1) * 86_400_000 });
try {
  const started = performance.now();
  for (let s = 0; s < seconds; s += commitSeconds) {
    const batch: HistoryPoint[] = [];
    for (let k = s; k < Math.min(seconds, s + commitSeconds); k++) for (const [i, n] of names.entries()) batch.push({ ...n, atMs: T0 + k * 1000, value: 50 + 40 * Math.sin((k + i * 600) / 3600) });
    await store.append(batch);
  }
  const appendS = (performance.now() - started) / 1000;
  const points = seconds * seriesCount;
  console.log(`append  ${points.toLocaleString("en")} points (${seriesCount} series × ${days} d at 1 s) in ${appendS.toFixed(1)} s: ${Math.round(points / appendS).toLocaleString("en")} points/s, durable commits of ${commitSeconds * seriesCount} points`);
  const end = T0 + seconds * 1000;
  const cases: Array<[string, number, number]> = [
    ["week, 300 buckets", 7 * 86_400_000, 300],
    ["week, 2000 buckets", 7 * 86_400_000, 2000],
    ["day, 300 buckets", 86_400_000, 300],
    ["day, 2000 buckets (raw)", 86_400_000, 2000],
    ["hour, 300 buckets (raw)", 3_600_000, 300],
  ];
  for (const [label, span, points] of cases) {
    const times: number[] = [];
    let source = "";
    for (let t = 0; t < 20; t++) {
      const t0 = performance.now();
      source = store.query({ ...names[t % seriesCount]!, name: "battery.soc", fromMs: end - span, toMs: end, points }).source;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`query   ${label.padEnd(26)} from ${source.padEnd(6)} p50 ${times[10]!.toFixed(1)} ms  p95 ${times[18]!.toFixed(1)} ms`);
  }
} finally {
  store.close();
  await rm(dir, { recursive: true, force: true });
}
