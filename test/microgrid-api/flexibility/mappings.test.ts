import { describe, expect, it } from "vitest";
import { isCodedError } from "../../../src/errors/coded-error.ts";
import { flexibilityMappings, type MicrogridConfiguration } from "../../../src/microgrid-api/flexibility/mappings.ts";
import { loadMicrogridDefinitions } from "../../../src/microgrid-api/part.ts";
import { TDS } from "../harness.ts";

const LFDI = "3E4F45AB31EDFE5B67E343E5E4562E31984E23E5";
type ControlPoint = MicrogridConfiguration["control_points"][number];

const cp = (over: Partial<ControlPoint> = {}): ControlPoint => ({
  control_point_id: "cp-1", node_id: "gc-1", state: "enabled", control_source: "EXTERNAL",
  external_config_type: "OSCP_CONFIGURATION", external_config_ref: "group-1", ...over,
});
const mg = (control_points: ControlPoint[], microgrid_id = "mg-1"): MicrogridConfiguration => ({
  microgrid_id, nodes: [{ node_id: "gc-1" }, { node_id: "gc-2" }], control_points,
});

/** The FLEXIBILITY_MAPPING_INVALID thrown, with its details. */
function refusal(microgrids: MicrogridConfiguration[]): { code: string; details: Record<string, unknown>; message: string } {
  try {
    flexibilityMappings(microgrids);
  } catch (e) {
    if (!isCodedError(e)) throw e;
    return { code: e.code, details: { ...e.details }, message: e.message };
  }
  throw new Error("no error");
}

describe("flexibilityMappings", () => {
  it("maps the demo depot: the OSCP group on gc-f-n1a and the CSIP-AUS EndDevice on gc-f-n1b, each with its control point", () => {
    const m = flexibilityMappings(loadMicrogridDefinitions(TDS));
    expect(m.oscp).toEqual([{ group_id: "oscp-group-f-n1a", microgrid_id: "mg-depot-north-1", node_id: "gc-f-n1a", origin_control_point_id: "cp-der-f-n1a" }]);
    expect(m.csip).toEqual([{ lfdi: LFDI.toLowerCase(), microgrid_id: "mg-depot-north-1", node_id: "gc-f-n1b", origin_control_point_id: "cp-der-f-n1b" }]);
  });

  it("ignores other external configuration types, control points without one, and disabled ones; sorts by reference", () => {
    const m = flexibilityMappings([
      mg([
        cp({ control_point_id: "b", external_config_ref: "group-b" }),
        cp({ control_point_id: "a", node_id: "gc-2", external_config_ref: "group-a" }),
        cp({ control_point_id: "ems", external_config_type: "EMS_CONFIGURATION", external_config_ref: "x", node_id: null }),
        cp({ control_point_id: "local", external_config_type: null, external_config_ref: null, control_source: "LOCAL" }),
        cp({ control_point_id: "off", state: "disabled", external_config_ref: "group-off" }),
      ]),
    ]);
    expect(m.oscp.map((g) => g.group_id)).toEqual(["group-a", "group-b"]);
    expect(m.csip).toEqual([]);
  });

  it("a definition's control point may leave the optional fields out", () => {
    expect(flexibilityMappings([mg([{ control_point_id: "lb", state: "enabled", control_source: "LOCAL" }])])).toEqual({ oscp: [], csip: [] });
  });

  it.each([
    ["an OSCP control point without a reference", cp({ external_config_ref: null }), "OSCP_GROUP_ID_WELL_FORMED"],
    ["an OSCP group id with blanks around it", cp({ external_config_ref: " group-1" }), "OSCP_GROUP_ID_WELL_FORMED"],
    ["an OSCP group id longer than OSCP accepts", cp({ external_config_ref: "g".repeat(201) }), "OSCP_GROUP_ID_WELL_FORMED"],
    ["a CSIP-AUS reference that is not an LFDI", cp({ external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: "site-1" }), "LFDI_IS_40_HEX_DIGITS"],
    ["a CSIP-AUS LFDI one digit short", cp({ external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: LFDI.slice(1) }), "LFDI_IS_40_HEX_DIGITS"],
    ["a LOCAL control point", cp({ control_source: "LOCAL" }), "CONTROL_SOURCE_IS_EXTERNAL"],
    ["a whole-microgrid control point", cp({ node_id: null }), "NODE_REQUIRED"],
    ["a node that is not in the microgrid", cp({ node_id: "ghost" }), "NODE_EXISTS"],
    ["a disabled control point on a missing node", cp({ node_id: "ghost", state: "disabled" }), "NODE_EXISTS"],
  ])("refuses %s", (_what, point, rule) => {
    const r = refusal([mg([point])]);
    expect(r.code).toBe("FLEXIBILITY_MAPPING_INVALID");
    expect(r.details).toMatchObject({ violated_rule: rule, microgrid_id: "mg-1", control_point_id: "cp-1" });
    expect(r.message).toContain("cp-1");
  });

  it("refuses a group id mapped twice, across microgrids too, naming both control points", () => {
    const r = refusal([mg([cp()]), mg([cp({ control_point_id: "cp-2" })], "mg-2")]);
    expect(r.details).toMatchObject({ violated_rule: "EXTERNAL_CONFIG_REF_UNIQUE", microgrid_id: "mg-2", control_point_id: "cp-2", mapped_by: { microgrid_id: "mg-1", control_point_id: "cp-1" } });
  });

  it("refuses an LFDI mapped twice in different letter cases; a disabled duplicate is not a mapping", () => {
    const csip = (id: string, ref: string, state = "enabled") => cp({ control_point_id: id, external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: ref, state });
    expect(refusal([mg([csip("a", LFDI), csip("b", LFDI.toLowerCase())])]).details).toMatchObject({ violated_rule: "EXTERNAL_CONFIG_REF_UNIQUE", control_point_id: "b" });
    expect(flexibilityMappings([mg([csip("a", LFDI), csip("b", LFDI, "disabled")])]).csip.map((s) => s.origin_control_point_id)).toEqual(["a"]);
  });

  it("the same reference under OSCP and CSIP-AUS is two namespaces, not a duplicate", () => {
    const ref = LFDI.toLowerCase();
    const m = flexibilityMappings([mg([cp({ external_config_ref: ref }), cp({ control_point_id: "cp-2", node_id: "gc-2", external_config_type: "CSIP_AUS_CONFIGURATION", external_config_ref: ref })])]);
    expect([m.oscp.length, m.csip.length]).toEqual([1, 1]);
  });
});
