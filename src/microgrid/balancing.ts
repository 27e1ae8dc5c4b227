import type { ConstraintIndex, NodeConstraintSet, ResolvedConstraint } from "./constraints.ts";
import { fallbackDemand } from "./fallback-demand.ts";
import { digest } from "./hash.ts";
import { orderReasonCodes } from "./reason-codes.ts";
import type {
  Breach,
  ConstraintType,
  CycleResult,
  DemandResolution,
  Microgrid,
  MicrogridNode,
  NodeAllocation,
  ReasonCode,
  SourceMode,
  TelemetryReading,
} from "./types.ts";

/** Everything one balancing cycle reads. Same input → byte-identical result (NFR-001). */
export interface CycleInput {
  microgrid: Microgrid;
  /** The authored topology (validated on write; checked again here: validate before allocate). */
  nodes: readonly MicrogridNode[];
  constraints: ConstraintIndex;
  /** Latest accepted reading per node. */
  telemetry: ReadonlyMap<string, TelemetryReading>;
  now: string;
  freshness_threshold_seconds: number;
  /** Optional subtree boundary (D-001): allocations and breaches reported for it and its ancestors. */
  scope_node_id: string | null;
  /** When the caller pins a topology version, a mismatch rejects the cycle. */
  expected_topology_version: number | null;
  actor: string;
  source: string;
  correlation_id: string;
  circuit_alias: { circuit_id: string; path: string } | null;
  policy_digests: { limits_digest: string; envelopes_digest: string };
}

const CONTROLLABLE = new Set(["CHARGE_POINT", "CONNECTOR"]);
const SAFE_ACTION_NOT_APPLIED = "ALLOCATIONS_NOT_APPLIED";

interface NodeBreach {
  idx: number;
  constraint: ResolvedConstraint;
  demand: number;
  infeasible: boolean;
}

/**
 * One validate-before-allocate pass (D-007, D-008, FR-003..006):
 * 1. check the tree (no orphan, no cycle) and the pinned version;
 * 2. resolve effective demand per node, measured first, else a derived fallback (D-012: the
 *    fallback assumes the node draws its own cap, else its last reading; generation is never assumed);
 * 3. evaluate every node cap bottom-up (subtree sums: aggregate caps bind even when every child is
 *    below its own cap) and classify breaches;
 * 4. allocate controllable demand top-down, ancestors before descendants, proportionally to what
 *    each child may use, so no ancestor, node or aggregate cap is exceeded.
 * Linear in the number of nodes.
 */
export function runBalancingCycle(input: CycleInput): CycleResult {
  const { microgrid, nodes, constraints } = input;
  const now = input.now;
  const t = Date.parse(now);
  const cycle_id = `cyc-${digest(JSON.stringify([microgrid.microgrid_id, microgrid.version, input.correlation_id, now, input.scope_node_id, input.source]))}`;
  const n = nodes.length;
  const base = (): CycleResult => ({
    cycle_id,
    microgrid_id: microgrid.microgrid_id,
    node_id: input.scope_node_id,
    topology_version: microgrid.version,
    started_at: now,
    ended_at: now,
    outcome: "REJECTED",
    reason_codes: [],
    allocation_summary: { applied: false, requested_watts: 0, allocated_watts: 0, curtailed_watts: 0, fixed_demand_watts: 0, generation_watts: 0, by_node: [] },
    breaches: [],
    audit: {
      actor: input.actor,
      source: input.source,
      correlation_id: input.correlation_id,
      policy_version: { topology_version: microgrid.version, ...input.policy_digests },
      freshness_threshold_seconds: input.freshness_threshold_seconds,
      demand: [],
      circuit_alias: input.circuit_alias,
      missing_inputs: [],
      safe_action_taken: null,
    },
  });
  const aliasCodes: ReasonCode[] = input.circuit_alias ? ["LEGACY_ALIAS_TRANSLATION_APPLIED"] : [];
  const reject = (codes: ReasonCode[], missing: string[] = []): CycleResult => {
    const r = base();
    r.reason_codes = orderReasonCodes([...codes, ...aliasCodes]);
    r.audit.missing_inputs = missing;
    r.audit.safe_action_taken = SAFE_ACTION_NOT_APPLIED;
    return r;
  };

  if (input.expected_topology_version !== null && input.expected_topology_version !== microgrid.version) {
    return reject(["TOPOLOGY_VERSION_CONFLICT"]);
  }

  // --- 1. index the tree; a complete pre-order walk proves it is one rooted acyclic tree.
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) idOf.set((nodes[i] as MicrogridNode).node_id, i);
  const parent = new Int32Array(n);
  const childCount = new Int32Array(n);
  let roots = 0;
  for (let i = 0; i < n; i++) {
    const p = (nodes[i] as MicrogridNode).parent_node_id;
    if (p === null) {
      parent[i] = -1;
      roots++;
      continue;
    }
    const pi = idOf.get(p);
    if (pi === undefined) return reject(["TOPOLOGY_INVALID"]);
    parent[i] = pi;
    childCount[pi] = (childCount[pi] as number) + 1;
  }
  if (n === 0 || roots === 0 || idOf.size !== n) return reject(["TOPOLOGY_INVALID"]);
  // children in stable sibling order (display_order, node_id), stored in one flat array
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = (start[i] as number) + (childCount[i] as number);
  const fill = start.slice(0, n);
  const kids = new Int32Array(n);
  const rootList: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i] as number;
    if (p < 0) rootList.push(i);
    else {
      kids[fill[p] as number] = i;
      fill[p] = (fill[p] as number) + 1;
    }
  }
  const cmp = (a: number, b: number): number => {
    const x = nodes[a] as MicrogridNode;
    const y = nodes[b] as MicrogridNode;
    return x.display_order - y.display_order || (x.node_id < y.node_id ? -1 : x.node_id > y.node_id ? 1 : 0);
  };
  for (let i = 0; i < n; i++) {
    const s = start[i] as number;
    const e = start[i + 1] as number;
    if (e - s < 2) continue;
    let sorted = true;
    for (let k = s + 1; k < e && sorted; k++) sorted = cmp(kids[k - 1] as number, kids[k] as number) < 0;
    if (!sorted) kids.set(Array.from(kids.subarray(s, e)).sort(cmp), s);
  }
  rootList.sort(cmp);
  const order = new Int32Array(n);
  let visited = 0;
  const stack: number[] = [];
  for (let r = rootList.length - 1; r >= 0; r--) stack.push(rootList[r] as number);
  while (stack.length > 0) {
    const i = stack.pop() as number;
    order[visited++] = i;
    for (let k = (start[i + 1] as number) - 1; k >= (start[i] as number); k--) stack.push(kids[k] as number);
  }
  if (visited !== n) return reject(["TOPOLOGY_INVALID"]);
  for (const r of rootList) if ((nodes[r] as MicrogridNode).node_type !== "GRID_CONNECTION") return reject(["TOPOLOGY_INVALID"]);
  let scopeIdx = -1;
  if (input.scope_node_id !== null) {
    const s = idOf.get(input.scope_node_id);
    if (s === undefined) return reject(["TOPOLOGY_INVALID"]);
    scopeIdx = s;
  }

  // --- 2. effective demand, bottom-up sums.
  const fixed = new Float64Array(n); // uncontrollable consumption of the subtree
  const ctrl = new Float64Array(n); // controllable request of the subtree
  const gen = new Float64Array(n); // generation of the subtree
  const fallbackInSubtree = new Uint8Array(n);
  const inactive = new Uint8Array(n);
  const demandAudit: DemandResolution[] = [];
  const missing: string[] = [];
  const thresholdMs = input.freshness_threshold_seconds * 1000;
  // one pass over the telemetry and the constraint sets instead of a lookup per node
  const readingOf: Array<TelemetryReading | undefined> = new Array(n);
  for (const [id, r] of input.telemetry) {
    const i = idOf.get(id);
    if (i !== undefined) readingOf[i] = r;
  }
  const setOf: Array<NodeConstraintSet | undefined> = new Array(n);
  for (const [id, set] of constraints.entries()) {
    const i = idOf.get(id);
    if (i !== undefined) setOf[i] = set;
  }
  const effective = (i: number, type: ConstraintType): ResolvedConstraint | null => {
    const set = setOf[i];
    return set ? constraints.effectiveFor(set, type, t) : null;
  };
  // normalised UTC strings (24 chars) compare as instants: no Date.parse per reading on the hot path
  const oldestFresh = new Date(t - input.freshness_threshold_seconds * 1000).toISOString();
  const isFresh = (r: TelemetryReading): boolean => {
    if (!Number.isFinite(r.measured_demand_watts)) return false;
    if (r.observed_at.length === 24 && now.length === 24) return r.observed_at >= oldestFresh && r.observed_at <= now;
    const age = t - Date.parse(r.observed_at);
    return age >= 0 && age <= thresholdMs;
  };
  // pre-order: a node is inactive when it or an ancestor is not ACTIVE
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const p = parent[i] as number;
    inactive[i] = (nodes[i] as MicrogridNode).status !== "ACTIVE" || (p >= 0 && inactive[p] === 1) ? 1 : 0;
  }
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k] as number;
    const node = nodes[i] as MicrogridNode;
    const isLeaf = start[i] === start[i + 1];
    if (inactive[i] === 0) {
      const reading = readingOf[i];
      const fresh = reading !== undefined && isFresh(reading);
      if (isLeaf) {
        let value: number | null = null;
        let mode: SourceMode = "MEASURED";
        if (fresh) {
          value = (reading as TelemetryReading).measured_demand_watts;
        } else if (node.node_type === "VIRTUAL" || node.node_type === "GRID_CONNECTION") {
          value = reading ? null : 0; // nothing hangs below: no demand unless a stale meter says otherwise
        }
        if (value === null) {
          mode = "FALLBACK_DERIVED";
          const inputs: string[] = [];
          const derived = fallbackDemand(node.node_type, reading, node.node_type === "POWER_SOURCE" ? null : effective(i, "CONSUMPTION_CAP"));
          const fallback = derived.watts;
          if (derived.input) inputs.push(derived.input);
          const age = reading ? t - Date.parse(reading.observed_at) : null;
          demandAudit.push({
            node_id: node.node_id,
            effective_demand_watts: fallback,
            source_mode: mode,
            measured_demand_watts: reading ? reading.measured_demand_watts : null,
            fallback_demand_watts: fallback,
            observed_at: reading ? reading.observed_at : null,
            age_seconds: age === null ? null : Math.floor(age / 1000),
            freshness_threshold_seconds: input.freshness_threshold_seconds,
            inputs_used: inputs,
          });
          if (fallback === null) missing.push(node.node_id);
          value = fallback ?? 0;
          fallbackInSubtree[i] = 1;
        }
        // A controllable node without fresh telemetry cannot be trusted to follow a set-point: its
        // fallback demand is reserved as fixed load, and it is granted no more than it last drew.
        if (value >= 0) {
          if (CONTROLLABLE.has(node.node_type) && mode === "MEASURED") ctrl[i] = value;
          else fixed[i] = value;
        } else gen[i] = -value;
      }
    }
    const p = parent[i] as number;
    // an interior meter sees the net of its subtree; any excess over the children is unmanaged load
    if (!isLeaf && inactive[i] === 0) {
      const reading = readingOf[i];
      if (reading) {
        if (isFresh(reading)) {
          const residual = reading.measured_demand_watts - ((fixed[i] as number) + (ctrl[i] as number) - (gen[i] as number));
          if (residual > 0) fixed[i] = (fixed[i] as number) + residual;
        }
      }
    }
    if (p >= 0) {
      fixed[p] = (fixed[p] as number) + (fixed[i] as number);
      ctrl[p] = (ctrl[p] as number) + (ctrl[i] as number);
      gen[p] = (gen[p] as number) + (gen[i] as number);
      if (fallbackInSubtree[i] === 1) fallbackInSubtree[p] = 1;
    }
  }
  if (missing.length > 0) {
    const r = reject(["TELEMETRY_STALE_FALLBACK_USED", "TELEMETRY_INSUFFICIENT"], missing);
    r.audit.demand = demandAudit;
    return r;
  }

  // --- 3. constraints bottom-up: what each subtree may use, and breaches.
  const maxUse = new Float64Array(n);
  const sumChildMax = new Float64Array(n);
  const breachedBelow = new Uint8Array(n);
  const nodeBreaches: NodeBreach[] = [];
  const classOf = new Map<number, ReasonCode>();
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k] as number;
    const isLeaf = start[i] === start[i + 1];
    let use = isLeaf ? (ctrl[i] as number) : (sumChildMax[i] as number);
    if (inactive[i] === 1) use = 0;
    let breachedHere = false;
    const set = inactive[i] === 0 ? setOf[i] : undefined;
    if (set !== undefined) {
      const C = (fixed[i] as number) + (ctrl[i] as number);
      const G = gen[i] as number;
      for (const type of set.types) {
        const c = constraints.effectiveFor(set, type, t);
        if (!c) continue;
        const L = c.limit_watts;
        if (type === "CONSUMPTION_CAP") {
          use = Math.min(use, L - (fixed[i] as number));
          if (C > L) nodeBreaches.push({ idx: i, constraint: c, demand: C, infeasible: (fixed[i] as number) > L });
        } else if (type === "NET_CAP") {
          use = Math.min(use, L + G - (fixed[i] as number));
          const net = C - G;
          if (Math.abs(net) > L) nodeBreaches.push({ idx: i, constraint: c, demand: Math.abs(net), infeasible: net < 0 || (fixed[i] as number) - G > L });
        } else if (G > L) {
          nodeBreaches.push({ idx: i, constraint: c, demand: G, infeasible: true });
        }
        if (nodeBreaches.length > 0 && (nodeBreaches[nodeBreaches.length - 1] as NodeBreach).idx === i) breachedHere = true;
      }
    }
    if (breachedHere) classOf.set(i, isLeaf ? "NODE_CAP_EXCEEDED" : breachedBelow[i] === 1 ? "ANCESTOR_CAP_EXCEEDED" : "AGGREGATE_CAP_EXCEEDED");
    maxUse[i] = Math.max(0, use);
    const p = parent[i] as number;
    if (p >= 0) {
      sumChildMax[p] = (sumChildMax[p] as number) + (maxUse[i] as number);
      if (breachedHere || breachedBelow[i] === 1) breachedBelow[p] = 1;
    }
  }

  // scope: the subtree of the scope node plus its ancestors
  let inScope: Uint8Array | null = null;
  let onScopePath: Set<number> | null = null;
  if (scopeIdx >= 0) {
    inScope = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const p = parent[i] as number;
      if (i === scopeIdx || (p >= 0 && inScope[p] === 1)) inScope[i] = 1;
    }
    onScopePath = new Set<number>();
    for (let a = parent[scopeIdx] as number; a >= 0; a = parent[a] as number) onScopePath.add(a);
  }
  const reported = (i: number): boolean => inScope === null || inScope[i] === 1 || (onScopePath as Set<number>).has(i);

  const breaches: Breach[] = [];
  const codes: ReasonCode[] = [...aliasCodes];
  let infeasible = false;
  // found bottom-up; reported in pre-order (ancestors first), types in a fixed order per node
  const ordered: NodeBreach[] = [];
  for (let k = nodeBreaches.length - 1; k >= 0; k--) {
    let j = k;
    while (j > 0 && (nodeBreaches[j - 1] as NodeBreach).idx === (nodeBreaches[k] as NodeBreach).idx) j--;
    for (let m = j; m <= k; m++) ordered.push(nodeBreaches[m] as NodeBreach);
    k = j;
  }
  for (const b of ordered) {
    if (!reported(b.idx)) continue;
    const code = classOf.get(b.idx) as ReasonCode;
    codes.push(code);
    if (b.infeasible) infeasible = true;
    breaches.push({
      breach_id: `${cycle_id}-b${breaches.length + 1}`,
      microgrid_id: microgrid.microgrid_id,
      node_id: (nodes[b.idx] as MicrogridNode).node_id,
      constraint_ref: b.constraint.constraint_ref,
      reason_code: code,
      effective_demand_watts: Math.round(b.demand),
      resolved_limit_watts: b.constraint.limit_watts,
      source_mode: fallbackInSubtree[b.idx] === 1 ? "FALLBACK_DERIVED" : "MEASURED",
      detected_at: now,
    });
  }
  if (demandAudit.length > 0) codes.push("TELEMETRY_STALE_FALLBACK_USED");

  // --- 4. allocate top-down: ancestors first; each child gets its share of the parent's grant.
  const alloc = new Float64Array(n);
  const cumBefore = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const p = parent[i] as number;
    if (p < 0) {
      alloc[i] = maxUse[i] as number;
      continue;
    }
    const S = sumChildMax[p] as number;
    const A = alloc[p] as number;
    const m = maxUse[i] as number;
    if (S <= 0 || A <= 0 || m <= 0) alloc[i] = 0;
    else if (A >= S) alloc[i] = m;
    else {
      const before = cumBefore[p] as number;
      const after = before + m;
      alloc[i] = Math.min(m, Math.floor((after / S) * A) - Math.floor((before / S) * A));
    }
    cumBefore[p] = (cumBefore[p] as number) + m;
  }

  const byNode: NodeAllocation[] = [];
  let requested = 0;
  let allocated = 0;
  let fixedTotal = 0;
  let genTotal = 0;
  const fallbackLeaf = new Set(demandAudit.map((d) => d.node_id));
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    if (start[i] !== start[i + 1]) continue;
    if (!reported(i) || (onScopePath !== null && onScopePath.has(i))) continue;
    fixedTotal += fixed[i] as number;
    genTotal += gen[i] as number;
    const node = nodes[i] as MicrogridNode;
    if (!CONTROLLABLE.has(node.node_type)) continue;
    const stale = fallbackLeaf.size > 0 && fallbackLeaf.has(node.node_id);
    const last = stale ? Math.max(0, readingOf[i]?.measured_demand_watts ?? 0) : 0;
    const req = Math.round(stale ? (fixed[i] as number) : (ctrl[i] as number));
    const got = infeasible ? 0 : stale ? Math.round(Math.min(last, fixed[i] as number)) : Math.round(alloc[i] as number);
    requested += req;
    allocated += got;
    byNode.push({ node_id: node.node_id, requested_watts: req, allocated_watts: got, source_mode: stale ? "FALLBACK_DERIVED" : "MEASURED" });
  }

  const r = base();
  r.outcome = infeasible ? "REJECTED" : breaches.length > 0 ? "CURTAILED" : "APPLIED";
  r.reason_codes = orderReasonCodes(codes);
  r.breaches = breaches;
  r.allocation_summary = {
    applied: !infeasible,
    requested_watts: requested,
    allocated_watts: allocated,
    curtailed_watts: requested - allocated,
    fixed_demand_watts: Math.round(fixedTotal),
    generation_watts: Math.round(genTotal),
    by_node: byNode,
  };
  r.audit.demand = demandAudit;
  r.audit.safe_action_taken = infeasible ? SAFE_ACTION_NOT_APPLIED : null;
  return r;
}
