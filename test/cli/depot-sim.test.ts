/**
 * `gridthings depot-sim` as a user runs it: the scenario list, a JSON report identical across
 * runs, and exit 2 with the list for an unknown or missing scenario.
 */
import { describe, expect, it } from "vitest";
import { listDepotScenarios } from "../../src/microgrid/simulator/run.ts";
import { runCli } from "../support/cli.ts";

describe("gridthings depot-sim", () => {
  it("--list prints every scenario with its edge case", async () => {
    const run = await runCli(["depot-sim", "--list"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(listDepotScenarios().map((s) => s.name));
    expect(lines.length).toBeGreaterThanOrEqual(17);
  });

  // One scenario through the process (each run starts a CLI); every scenario's determinism is tested in test/microgrid.
  it.each(["aggregate-cap-breach"])("%s prints a passing JSON report, byte-identical across two runs", async (scenario) => {
    const [a, b] = await Promise.all([runCli(["depot-sim", scenario]), runCli(["depot-sim", scenario])]);
    expect(a.code, a.stderr).toBe(0);
    const report = JSON.parse(a.stdout) as { scenario: string; passed: boolean; checks: unknown[] };
    expect(report.scenario).toBe(scenario);
    expect(report.passed).toBe(true);
    expect(report.checks.length).toBeGreaterThan(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it.each([
    [["depot-sim", "no-such-scenario"], 'unknown scenario "no-such-scenario"'],
    [["depot-sim"], "a scenario is required"],
  ])("%j exits 2 naming the scenarios", async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("aggregate-cap-breach");
    expect(run.stderr).toContain("telemetry-stale-fallback");
  });
});
