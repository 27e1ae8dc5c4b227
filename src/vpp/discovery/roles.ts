/**
 * The VPP's ensemble (seed 001 ensemble discovery): which TDs it composes, by semantic type and
 * placement. Pure: a TD in, a role (or none) out.
 */
import type { Td } from "../../discovery/index.ts";

export type Role = "battery" | "pv" | "wind" | "meter" | "grid-meter" | "weather" | "sim-control" | "orchestrator";

const TYPE_OF_ROLE: ReadonlyArray<[string, Role]> = [
  ["gt:Battery", "battery"],
  ["gt:PvPlant", "pv"],
  ["gt:WindPlant", "wind"],
  ["gt:SmartMeter", "meter"],
  ["gt:GridMeter", "grid-meter"],
  ["gt:WeatherService", "weather"],
  ["gt:SimulationControl", "sim-control"],
  ["gt:MicrogridOrchestrator", "orchestrator"],
];

export interface Placement {
  region?: string;
  substation?: string;
  feeder?: string;
}

export function types(td: Td): string[] {
  const t = td["@type"];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === "string") : typeof t === "string" ? [t] : [];
}

export function roleOf(td: Td): Role | undefined {
  const ts = types(td);
  return TYPE_OF_ROLE.find(([type]) => ts.includes(type))?.[1];
}

export function placementOf(td: Td): Placement {
  const s = (k: string) => (typeof td[k] === "string" ? (td[k] as string) : undefined);
  return { region: s("gt:region"), substation: s("gt:substation"), feeder: s("gt:feeder") };
}

/**
 * The ensemble filter: the roles wanted, and optionally a region/substation/feeder. Site-wide
 * Things without a placement (grid meter, weather, simulation control) always belong.
 */
export function ensembleFilter(roles: readonly Role[], scope: Placement = {}): (td: Td) => boolean {
  return (td) => {
    const role = roleOf(td);
    if (!role || !roles.includes(role) || typeof td.id !== "string") return false;
    const p = placementOf(td);
    for (const k of ["region", "substation", "feeder"] as const) {
      if (scope[k] !== undefined && p[k] !== undefined && p[k] !== scope[k]) return false;
    }
    return true;
  };
}

/** The JSONPath a directory search would use for the same ensemble (documented and tested equal). */
export function ensembleJsonPath(roles: readonly Role[]): string {
  const typesWanted = TYPE_OF_ROLE.filter(([, r]) => roles.includes(r)).map(([t]) => t);
  return `$[?(${typesWanted.map((t) => `@['@type'] == '${t}' || @['@type'][?@ == '${t}']`).join(" || ")})]`;
}
