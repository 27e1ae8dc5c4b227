/**
 * Balancing cycle against a bare traversal of the same tree, in the same run (seed 002 NFR: the
 * cycle stays linear). Run: `npx tsx bench/balancing/balancing.bench.ts [sizes…]`.
 * Prints one row per size: median cycle time, median bare traversal time, their ratio, ns per node.
 */
import { performance } from "node:perf_hooks";
import { runBalancingCycle } from "../../src/microgrid/balancing.ts";
import { ConstraintIndex } from "../../src/microgrid/constraints.ts";
import type { MicrogridNode, NodeLimit, TelemetryReading } from "../../src/microgrid/types.ts";

const MG = "mg-bench";
const NOW = "2030-01-01T00:00:00.000Z";

/** Grid connections of 10 circuits × 10 charge points × 2 connectors (+ PV), until `size` nodes. */
function buildTree(size: number) {
  const nodes: MicrogridNode[] = [];
  const limits: NodeLimit[] = [];
  const telemetry = new Map<string, TelemetryReading>();
  const add = (node_id: string, parent: string | null, node_type: MicrogridNode["node_type"], order: number) => {
    nodes.push({ node_id, microgrid_id: MG, parent_node_id: parent, name: node_id, node_type, attached_asset_type: node_type === "GRID_CONNECTION" ? "CIRCUIT" : (node_type as MicrogridNode["attached_asset_type"]), attached_asset_id: node_id, status: "ACTIVE", display_order: order });
  };
  const limit = (node_id: string, w: number) => limits.push({ node_limit_id: `l-${node_id}`, microgrid_id: MG, node_id, constraint_type: "CONSUMPTION_CAP", limit_watts: w, source_type: "MANUAL", status: "ACTIVE", updated_at: NOW });
  const reading = (node_id: string, w: number) => telemetry.set(node_id, { node_id, measured_demand_watts: w, observed_at: NOW });
  let g = 0;
  outer: for (;;) {
    const gc = `gc-${g}`;
    add(gc, null, "GRID_CONNECTION", g);
    limit(gc, 1_500_000);
    for (let c = 0; c < 10; c++) {
      const cir = `${gc}-c${c}`;
      add(cir, gc, "CIRCUIT", c);
      limit(cir, 150_000);
      for (let p = 0; p < 10; p++) {
        const cp = `${cir}-p${p}`;
        add(cp, cir, "CHARGE_POINT", p);
        limit(cp, 22_000);
        for (let k = 0; k < 2; k++) {
          const con = `${cp}-k${k}`;
          add(con, cp, "CONNECTOR", k);
          reading(con, 5_000 + ((p * 7 + k * 3 + c) % 10) * 1_000);
          if (nodes.length >= size) break outer;
        }
      }
    }
    const pv = `${gc}-pv`;
    add(pv, gc, "POWER_SOURCE", 99);
    reading(pv, -50_000);
    g++;
    if (nodes.length >= size) break;
  }
  // any node left without children and telemetry (cut at size) reports too
  const parents = new Set(nodes.map((n) => n.parent_node_id));
  for (const n of nodes) if (!parents.has(n.node_id) && !telemetry.has(n.node_id) && n.node_type !== "GRID_CONNECTION") reading(n.node_id, 1_000);
  return { nodes, limits, telemetry };
}

/** The least any cycle must do: index the nodes by id, link children, walk the tree, sum leaf demand. */
function bareTraversal(nodes: readonly MicrogridNode[], telemetry: ReadonlyMap<string, TelemetryReading>): number {
  const n = nodes.length;
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) idOf.set((nodes[i] as MicrogridNode).node_id, i);
  const parent = new Int32Array(n);
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = (nodes[i] as MicrogridNode).parent_node_id;
    parent[i] = p === null ? -1 : (idOf.get(p) as number);
    if (p !== null) count[(parent[i] as number) + 1] = (count[(parent[i] as number) + 1] as number) + 1;
  }
  for (let i = 0; i < n; i++) count[i + 1] = (count[i + 1] as number) + (count[i] as number);
  const fill = count.slice(0, n);
  const kids = new Int32Array(n);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i] as number;
    if (p < 0) roots.push(i);
    else kids[fill[p]!++] = i;
  }
  let total = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (count[i] === count[i + 1]) total += telemetry.get((nodes[i] as MicrogridNode).node_id)?.measured_demand_watts ?? 0;
    for (let k = count[i] as number; k < (count[i + 1] as number); k++) stack.push(kids[k] as number);
  }
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Interleaves the two measurements run by run, so machine noise hits both alike; medians. */
function measurePair(a: () => unknown, b: () => unknown, runs: number): [number, number] {
  for (let i = 0; i < runs; i++) {
    a(); // warm the JIT as much as we measure
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  return [median(ta), median(tb)];
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
const rows: string[] = ["nodes     cycle_ms  bare_ms  ratio  cycle_ns_per_node  outcome"];
for (const size of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) {
  const { nodes, limits, telemetry } = buildTree(size);
  let outcome = "";
  const runs = size >= 100_000 ? 9 : size >= 10_000 ? 25 : 200;
  const cycle = () => {
    // the constraint index is built inside the timed region: the engine builds it for every cycle
    const constraints = new ConstraintIndex({ limits, envelopes: [], health: [], circuitsByNode: new Map() });
    const r = runBalancingCycle({
      microgrid: { microgrid_id: MG, depot_id: "d", version: 1 }, nodes, constraints, telemetry, now: NOW, freshness_threshold_seconds: 60,
      scope_node_id: null, expected_topology_version: null, actor: "bench", source: "BENCH", correlation_id: "bench", circuit_alias: null,
      policy_digests: { limits_digest: "-", envelopes_digest: "-" },
    });
    outcome = `${r.outcome} ${r.reason_codes.join(",")}`;
  };
  const [cycleMs, bareMs] = measurePair(cycle, () => bareTraversal(nodes, telemetry), runs);
  rows.push(
    `${String(nodes.length).padEnd(9)} ${cycleMs.toFixed(2).padStart(8)} ${bareMs.toFixed(2).padStart(8)} ${(cycleMs / bareMs).toFixed(2).padStart(6)} ${((cycleMs * 1e6) / nodes.length).toFixed(0).padStart(18)}  ${outcome}`,
  );
}
process.stdout.write(`${rows.join("\n")}\n`);
