import { runScenario, SCENARIOS, type ScenarioReport } from "./scenarios.ts";

/** Names of the depot simulator scenarios (FR-017), in a stable order. */
export function listDepotScenarios(): Array<{ name: string; edge_case: string; description: string }> {
  return Object.keys(SCENARIOS)
    .sort()
    .map((name) => ({ name, edge_case: (SCENARIOS[name] as { edge_case: string }).edge_case, description: (SCENARIOS[name] as { description: string }).description }));
}

/**
 * CLI entry (`gridthings depot-sim <scenario>`): runs one scenario on a fresh simulated depot with a
 * fixed clock and counter ids, and returns its report. Identical across runs (NFR-007).
 */
export function runDepotScenario(name: string): ScenarioReport {
  return runScenario(name);
}

/** Every scenario's report, for `--all` and the regression test. */
export function runAllDepotScenarios(): ScenarioReport[] {
  return listDepotScenarios().map((s) => runScenario(s.name));
}
