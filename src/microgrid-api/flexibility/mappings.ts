import { errorFactory, type ErrorCatalogue } from "../../errors/coded-error.ts";
import type { CsipSiteMapping } from "../csip-aus/csip-aus-adapter.ts";
import type { OscpGroupMapping } from "../oscp/oscp-adapter.ts";

export const FLEXIBILITY_ERRORS = {
  FLEXIBILITY_MAPPING_INVALID: {
    status: 422,
    title: "A capability control point's external configuration cannot map a flexibility protocol onto a node (violated_rule names the rule)",
  },
} as const satisfies ErrorCatalogue;
const fail = errorFactory(FLEXIBILITY_ERRORS);

/** `external_config_type` of a control point fed by OSCP 2.0: `external_config_ref` is the capacity group_id. */
export const OSCP_CONFIGURATION = "OSCP_CONFIGURATION";
/** `external_config_type` of a control point fed by IEEE 2030.5 CSIP-AUS: `external_config_ref` is the site EndDevice's LFDI. */
export const CSIP_AUS_CONFIGURATION = "CSIP_AUS_CONFIGURATION";

/** What the mappings read of a microgrid: a MicrogridDefinition or the service's current configuration. */
export interface MicrogridConfiguration {
  microgrid_id: string;
  nodes: ReadonlyArray<{ node_id: string }>;
  control_points: ReadonlyArray<{
    control_point_id: string;
    node_id?: string | null;
    state: string;
    control_source: string;
    external_config_type?: string | null;
    external_config_ref?: string | null;
  }>;
}

export interface FlexibilityMappings {
  oscp: OscpGroupMapping[];
  csip: CsipSiteMapping[];
}

/** LFDI: the 160-bit long-form device identifier, 40 hex digits (IEEE 2030.5 §6.3.4). */
const LFDI = /^[0-9A-Fa-f]{40}$/;
/** An OSCP group_id as the OSCP message schema accepts it, with no surrounding blanks. */
const GROUP_ID = /^\S(?:.{0,198}\S)?$/;

/**
 * Which OSCP capacity group and which CSIP-AUS EndDevice feed which node, read from the capability
 * control points (seed 002 D-024: external configuration is referenced opaquely by
 * `external_config_type` + `external_config_ref`). Every control point of these two types must
 * target an existing node with control_source EXTERNAL and carry a well-formed reference; the
 * enabled ones are mapped, each reference once. Anything else is FLEXIBILITY_MAPPING_INVALID.
 */
export function flexibilityMappings(microgrids: readonly MicrogridConfiguration[]): FlexibilityMappings {
  const oscp: OscpGroupMapping[] = [];
  const csip: CsipSiteMapping[] = [];
  const seen = new Map<string, { microgrid_id: string; control_point_id: string }>();
  for (const m of microgrids) {
    const nodes = new Set(m.nodes.map((n) => n.node_id));
    for (const cp of m.control_points) {
      const type = cp.external_config_type ?? null;
      if (type !== OSCP_CONFIGURATION && type !== CSIP_AUS_CONFIGURATION) continue;
      const ref = cp.external_config_ref ?? null;
      const where = { microgrid_id: m.microgrid_id, control_point_id: cp.control_point_id, external_config_type: type, external_config_ref: ref };
      const invalid = (rule: string, why: string, extra: Record<string, unknown> = {}) =>
        fail("FLEXIBILITY_MAPPING_INVALID", `control point ${cp.control_point_id} of ${m.microgrid_id}: ${why}`, { ...where, violated_rule: rule, ...extra });
      if (type === OSCP_CONFIGURATION && (ref === null || !GROUP_ID.test(ref))) throw invalid("OSCP_GROUP_ID_WELL_FORMED", "external_config_ref must be the OSCP group_id (1–200 characters, no surrounding blanks)");
      if (type === CSIP_AUS_CONFIGURATION && (ref === null || !LFDI.test(ref))) throw invalid("LFDI_IS_40_HEX_DIGITS", "external_config_ref must be the EndDevice's LFDI (40 hex digits)");
      if (cp.control_source !== "EXTERNAL") throw invalid("CONTROL_SOURCE_IS_EXTERNAL", `a protocol-fed control point has control_source EXTERNAL, not ${cp.control_source}`);
      const node_id = cp.node_id ?? null;
      if (node_id === null) throw invalid("NODE_REQUIRED", "a protocol-fed control point targets one node (envelopes are node-scoped)");
      if (!nodes.has(node_id)) throw invalid("NODE_EXISTS", `node ${node_id} is not in the microgrid`, { node_id });
      if (cp.state !== "enabled") continue;
      const key = `${type}\u0000${type === CSIP_AUS_CONFIGURATION ? (ref as string).toLowerCase() : ref}`;
      const first = seen.get(key);
      if (first) throw invalid("EXTERNAL_CONFIG_REF_UNIQUE", `${ref} is already mapped by control point ${first.control_point_id} of ${first.microgrid_id}`, { mapped_by: first });
      seen.set(key, { microgrid_id: m.microgrid_id, control_point_id: cp.control_point_id });
      const target = { microgrid_id: m.microgrid_id, node_id, origin_control_point_id: cp.control_point_id };
      if (type === OSCP_CONFIGURATION) oscp.push({ group_id: ref as string, ...target });
      else csip.push({ lfdi: (ref as string).toLowerCase(), ...target });
    }
  }
  oscp.sort((a, b) => (a.group_id < b.group_id ? -1 : a.group_id > b.group_id ? 1 : 0));
  csip.sort((a, b) => (a.lfdi < b.lfdi ? -1 : a.lfdi > b.lfdi ? 1 : 0));
  return { oscp, csip };
}
