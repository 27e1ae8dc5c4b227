import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SIM_ERRORS } from "../../src/sim/index.ts";

describe("src/sim/README.md", () => {
  it("lists every SIM_ERRORS code with its status", () => {
    const readme = readFileSync(new URL("../../src/sim/README.md", import.meta.url), "utf8");
    for (const [code, spec] of Object.entries(SIM_ERRORS)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });
});
