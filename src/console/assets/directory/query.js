// The directory view's semantic filters as an RFC 9535 JSONPath query for /search/jsonpath.

export const KINDS = [
  ["gt:Battery", "Battery"],
  ["gt:PvPlant", "PV plant"],
  ["gt:WindPlant", "Wind plant"],
  ["gt:ChargePoint", "EV charge point"],
  ["gt:SmartMeter", "Smart meter (household)"],
  ["gt:GridMeter", "Grid meter"],
  ["gt:WeatherService", "Weather service"],
  ["gt:MicrogridOrchestrator", "Microgrid orchestrator"],
  ["gt:VirtualPowerPlant", "Virtual power plant"],
  ["gt:LoadAggregation", "Load aggregation"],
  ["gt:SimulationControl", "Simulation control"],
];

export const kindLabel = (type) => KINDS.find(([t]) => t === type)?.[1] ?? type;
export const typesOf = (td) => [].concat(td?.["@type"] ?? []).filter((t) => typeof t === "string");
/** The Thing's kind: its first gt: type (gt:Battery), else its first type. */
export const kindOf = (td) => typesOf(td).find((t) => t.startsWith("gt:")) ?? typesOf(td)[0] ?? "";

const literal = (s) => `'${String(s).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** undefined when no filter is set (then the view pages through /things). */
export function filterQuery({ kind, region, substation, feeder }) {
  const conds = [];
  if (kind) conds.push(`(@['@type'] == ${literal(kind)} || @['@type'][?@ == ${literal(kind)}])`);
  if (region) conds.push(`@['gt:region'] == ${literal(region)}`);
  if (substation) conds.push(`@['gt:substation'] == ${literal(substation)}`);
  if (feeder) conds.push(`@['gt:feeder'] == ${literal(feeder)}`);
  return conds.length ? `$[?${conds.join(" && ")}]` : undefined;
}

/** Distinct string values, sorted (a facet list from a JSONPath answer). */
export const distinct = (values) => [...new Set(values.flat().filter((v) => typeof v === "string" && v !== ""))].sort();
