import { describe, expect, it } from "vitest";
import { fallbackDemand } from "../../src/microgrid/fallback-demand.ts";
import { reading } from "./fixtures.ts";

describe("fallbackDemand", () => {
  const cap = { limit_watts: 16_000, constraint_ref: "lim-load1" };
  it.each<[string, Parameters<typeof fallbackDemand>, ReturnType<typeof fallbackDemand>]>([
    ["a power source counts its last consumption only", ["POWER_SOURCE", reading("pv1", 3000), cap], { watts: 3000, input: "last_measured_consumption_only" }],
    ["never its generation", ["POWER_SOURCE", reading("pv1", -8000), null], { watts: 0, input: "last_measured_consumption_only" }],
    ["a power source never read: nothing", ["POWER_SOURCE", undefined, null], { watts: 0, input: "generation_assumed_zero" }],
    ["a node's own cap comes before its last reading", ["CIRCUIT", reading("load1", 2000), cap], { watts: 16_000, input: "own_cap:lim-load1" }],
    ["else its last reading, floored at 0", ["CIRCUIT", reading("load1", -500), null], { watts: 0, input: `last_measured:${reading("load1", 0).observed_at}` }],
    ["with neither, nothing is known", ["CHARGE_POINT", undefined, undefined], { watts: null, input: null }],
  ])("%s", (_name, args, expected) => {
    expect(fallbackDemand(...args)).toEqual(expected);
  });
});
