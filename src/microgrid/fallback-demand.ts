/**
 * A leaf's demand when it has no fresh reading (seed 002 "Effective Demand", derived fallback), in
 * one place for the balancing cycle and the fail-safe limits: a power source counts only its last
 * measured consumption (generation is never counted on); any other node its own consumption cap,
 * else its last reading, floored at 0; with neither, nothing is known (null). `input` names what
 * was used, for the cycle's audit.
 */
import type { ResolvedConstraint } from "./constraints.ts";
import type { MicrogridNode, TelemetryReading } from "./types.ts";

export function fallbackDemand(
  nodeType: MicrogridNode["node_type"],
  reading: TelemetryReading | undefined,
  ownCap: Pick<ResolvedConstraint, "limit_watts" | "constraint_ref"> | null | undefined,
): { watts: number | null; input: string | null } {
  if (nodeType === "POWER_SOURCE") return reading ? { watts: Math.max(0, reading.measured_demand_watts), input: "last_measured_consumption_only" } : { watts: 0, input: "generation_assumed_zero" };
  if (ownCap) return { watts: ownCap.limit_watts, input: `own_cap:${ownCap.constraint_ref}` };
  if (reading) return { watts: Math.max(0, reading.measured_demand_watts), input: `last_measured:${reading.observed_at}` };
  return { watts: null, input: null };
}
