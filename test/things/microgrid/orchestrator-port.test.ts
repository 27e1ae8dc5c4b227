import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../../src/config/options.ts";
import { orchestratorPortOf } from "../../../src/cli/stack.ts";

describe("orchestrator port", () => {
  it.each([
    ["default stack", {}, {}, 8082],
    ["front door on a free port: orchestrator on a free port too", { port: "0" }, {}, 0],
    ["explicit flag wins", { port: "0", orchestratorPort: "9100" }, {}, 9100],
    ["explicit 0", { orchestratorPort: "0" }, {}, 0],
    ["environment", {}, { GRIDTHINGS_ORCHESTRATOR_PORT: "9200" }, 9200],
  ])("%s", (_name, flags, env, expected) => {
    expect(orchestratorPortOf(resolveSettings(flags, env))).toBe(expected);
  });

  it("refuses a port out of range", () => {
    expect(() => resolveSettings({ orchestratorPort: "70000" }, {})).toThrow(/--orchestrator-port/);
  });
});
