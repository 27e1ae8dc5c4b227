import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MICROGRID_API_ERRORS } from "../../src/microgrid-api/errors.ts";
import { CSIP_AUS_ERRORS } from "../../src/microgrid-api/csip-aus/csip-aus-adapter.ts";
import { OSCP_ERRORS } from "../../src/microgrid-api/oscp/oscp-adapter.ts";
import { FLEXIBILITY_ERRORS } from "../../src/microgrid-api/flexibility/mappings.ts";
import { MICROGRID_ERRORS } from "../../src/microgrid/errors.ts";
import { COMPATIBILITY_REASON_CODES, REASON_CODE_PRECEDENCE } from "../../src/microgrid/types.ts";
import { listDepotScenarios } from "../../src/microgrid/simulator/run.ts";

const readme = readFileSync(new URL("../../src/microgrid/README.md", import.meta.url), "utf8");

describe("microgrid README", () => {
  it("lists every error code with its status", () => {
    for (const [code, spec] of Object.entries({ ...MICROGRID_ERRORS, ...MICROGRID_API_ERRORS, ...OSCP_ERRORS, ...CSIP_AUS_ERRORS, ...FLEXIBILITY_ERRORS })) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });
  it("lists the reason codes in precedence order and the compatibility codes", () => {
    const positions = REASON_CODE_PRECEDENCE.map((c) => readme.indexOf(`| \`${c}\` |`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const c of COMPATIBILITY_REASON_CODES) expect(readme).toContain(`\`${c}\``);
  });
  it("lists every simulator scenario", () => {
    for (const s of listDepotScenarios()) expect(readme).toContain(`| \`${s.name}\` |`);
  });
});
