/**
 * Grid balancing (seed 000 `grid_balance`): coordinates the batteries' setpoints with PV/wind
 * curtailment and checks the whole plan against node limits and operating envelopes before
 * anything is applied. Pure: `planBalancing(input) → plan`.
 *
 * - Over-frequency beyond what the batteries can absorb by charging: curtail renewables by the
 *   excess, shared by their output.
 * - Curtailment is released once the frequency is below nominal again (hysteresis: not at the
 *   band edge, or it would be re-imposed at once).
 * - Each node (a feeder, a substation) limits the sum of its batteries' discharge (export) and
 *   charge (import); an envelope bounds a node's net battery power. A plan that breaks one is
 *   scaled down on that node (reason NODE_LIMIT / ENVELOPE) — strictest wins — never applied as is.
 */
import type { FrequencyAssessment } from "../regulation/frequency.ts";
import type { DispatchDecision, Setpoint } from "../dispatch/storage-dispatch.ts";

export interface RenewableState {
  id: string;
  kind: "pv" | "wind";
  activePowerW: number;
  availablePowerW: number;
  curtailmentLimitW: number | null;
}

export interface NodeLimit {
  nodeId: string;
  /** Batteries below this node. */
  deviceIds: readonly string[];
  /** Largest total discharge, W. */
  maxExportW?: number;
  /** Largest total charge, W (positive number). */
  maxImportW?: number;
}

export interface OperatingEnvelope {
  nodeId: string;
  deviceIds: readonly string[];
  /** Net battery power of the node must stay within [minW, maxW] (+ discharge). */
  minW: number;
  maxW: number;
}

export interface BalancingInput {
  assessment: FrequencyAssessment;
  decision: DispatchDecision;
  renewables: readonly RenewableState[];
  limits?: readonly NodeLimit[];
  envelopes?: readonly OperatingEnvelope[];
  /** Every battery's setpoint after the decision (the dispatch state), so node sums count the unchanged ones too. */
  heldSetpointsW?: Readonly<Record<string, number>>;
}

export interface Curtailment {
  id: string;
  limitW: number | null;
  previousW: number | null;
}

export interface Violation {
  nodeId: string;
  reason: "NODE_LIMIT" | "ENVELOPE";
  plannedW: number;
  allowedW: number;
}

export interface BalancingPlan {
  setpoints: Setpoint[];
  curtailments: Curtailment[];
  /** What was scaled down and why. */
  violations: Violation[];
  /** Over-frequency excess the batteries cannot absorb, W. */
  excessW: number;
}

function scaleNode(setpoints: Map<string, Setpoint>, ids: readonly string[], sign: 1 | -1, allowedW: number): number {
  const members = ids.map((id) => setpoints.get(id)).filter((s): s is Setpoint => s !== undefined && Math.sign(s.targetW) === sign);
  const planned = members.reduce((s, p) => s + Math.abs(p.targetW), 0);
  if (planned <= allowedW + 1e-6) return planned;
  const factor = allowedW / planned;
  for (const m of members) setpoints.set(m.id, { ...m, targetW: m.targetW * factor });
  return planned;
}

export function validateSetpoints(setpoints: readonly Setpoint[], limits: readonly NodeLimit[] = [], envelopes: readonly OperatingEnvelope[] = []): { setpoints: Setpoint[]; violations: Violation[] } {
  const byId = new Map(setpoints.map((s) => [s.id, { ...s }]));
  const violations: Violation[] = [];
  for (const l of limits) {
    if (l.maxExportW !== undefined) {
      const planned = scaleNode(byId, l.deviceIds, 1, Math.max(0, l.maxExportW));
      if (planned > l.maxExportW + 1e-6) violations.push({ nodeId: l.nodeId, reason: "NODE_LIMIT", plannedW: planned, allowedW: l.maxExportW });
    }
    if (l.maxImportW !== undefined) {
      const planned = scaleNode(byId, l.deviceIds, -1, Math.max(0, l.maxImportW));
      if (planned > l.maxImportW + 1e-6) violations.push({ nodeId: l.nodeId, reason: "NODE_LIMIT", plannedW: -planned, allowedW: -l.maxImportW });
    }
  }
  for (const e of envelopes) {
    const planned = scaleNode(byId, e.deviceIds, 1, Math.max(0, e.maxW));
    if (planned > e.maxW + 1e-6) violations.push({ nodeId: e.nodeId, reason: "ENVELOPE", plannedW: planned, allowedW: e.maxW });
    const charge = scaleNode(byId, e.deviceIds, -1, Math.max(0, -e.minW));
    if (charge > -e.minW + 1e-6) violations.push({ nodeId: e.nodeId, reason: "ENVELOPE", plannedW: -charge, allowedW: e.minW });
  }
  return { setpoints: [...byId.values()], violations };
}

export function planBalancing(input: BalancingInput): BalancingPlan {
  const { assessment, decision, renewables } = input;
  const full = new Map<string, Setpoint>(Object.entries(input.heldSetpointsW ?? {}).map(([id, w]) => [id, { id, targetW: w, previousW: w }]));
  for (const s of decision.setpoints) full.set(s.id, s);
  const checked = validateSetpoints([...full.values()], input.limits, input.envelopes);
  const violations = checked.violations;
  const setpoints = checked.setpoints.filter((s) => s.targetW !== s.previousW || decision.setpoints.some((d) => d.id === s.id));
  const curtailments: Curtailment[] = [];
  const excessW = assessment.usable && assessment.outsideBand && assessment.deviationHz > 0 ? Math.max(0, -decision.requiredW - decision.availableChargeW) : 0;
  if (excessW > 0) {
    const total = renewables.reduce((s, r) => s + Math.max(0, r.activePowerW), 0);
    for (const r of renewables) {
      if (total <= 0 || r.activePowerW <= 0) continue;
      const cut = Math.min(r.activePowerW, (excessW * r.activePowerW) / total);
      const limitW = Math.max(0, Math.round(r.activePowerW - cut));
      if (r.curtailmentLimitW === null || limitW < r.curtailmentLimitW) curtailments.push({ id: r.id, limitW, previousW: r.curtailmentLimitW });
    }
  } else if (assessment.usable && assessment.deviationHz < 0) {
    for (const r of renewables) if (r.curtailmentLimitW !== null) curtailments.push({ id: r.id, limitW: null, previousW: r.curtailmentLimitW });
  }
  return { setpoints, curtailments, violations, excessW };
}
