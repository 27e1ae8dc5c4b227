/**
 * Validation of site files: a JSON Schema for the shape (ajv, every error listed with its path),
 * then the cross-field rules a schema cannot say: unique ids, placements that exist, Modbus unit
 * ids unique within 1..247, limits that make sense.
 */
import { Ajv } from "ajv";
import { CodedError, type ErrorCatalogue } from "../errors/coded-error.ts";
import type { SiteFile } from "./site-file.ts";

export const SITE_ERRORS = {
  SITE_FILE_UNREADABLE: { status: 400, title: "The site file cannot be read or is not JSON" },
  SITE_FILE_INVALID: { status: 400, title: "The site file does not follow the site-file format" },
} as const satisfies ErrorCatalogue;

const id = { type: "string", pattern: "^[a-z0-9][a-z0-9-]{0,62}$" };
const protocols = { type: "array", items: { enum: ["http", "coap", "mqtt", "modbus"] }, minItems: 1, uniqueItems: true };
const watts = { type: "number", minimum: 0, maximum: 1e9 };
const placement = { region: id, substation: id, feeder: id };

export const SITE_SCHEMA = {
  type: "object",
  required: ["id", "title", "seed", "meterIntervalSeconds", "grid", "regions", "gridMeter", "batteries", "pv", "wind", "weather"],
  additionalProperties: false,
  properties: {
    $comment: { type: "string" },
    $schema: { type: "string" },
    id,
    title: { type: "string", minLength: 1 },
    seed: { type: "integer", minimum: 0, maximum: 4294967295 },
    startTime: { type: "string", format: "date-time" },
    meterIntervalSeconds: { type: "integer", minimum: 1, maximum: 3600 },
    grid: {
      type: "object",
      additionalProperties: false,
      required: ["nominalFrequencyHz", "systemBaseW", "inertiaSeconds", "dampingPerUnit", "governorDroopPerUnit", "secondaryControlSeconds", "nominalVoltageV", "backgroundLoadW"],
      properties: {
        nominalFrequencyHz: { enum: [50, 60] },
        systemBaseW: { type: "number", exclusiveMinimum: 0 },
        inertiaSeconds: { type: "number", exclusiveMinimum: 0, maximum: 30 },
        dampingPerUnit: { type: "number", minimum: 0, maximum: 100 },
        governorDroopPerUnit: { type: "number", minimum: 0, maximum: 1 },
        governorTimeConstantSeconds: { type: "number", minimum: 0, maximum: 600 },
        secondaryControlSeconds: { type: "number", minimum: 0, maximum: 86400 },
        nominalVoltageV: { type: "number", exclusiveMinimum: 0, maximum: 100000 },
        backgroundLoadW: watts,
      },
    },
    regions: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "substations"],
        properties: {
          id,
          title: { type: "string" },
          substations: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["id", "feeders"],
              properties: {
                id,
                title: { type: "string" },
                feeders: {
                  type: "array",
                  minItems: 1,
                  items: {
                    type: "object",
                    additionalProperties: false,
                    required: ["id", "meters", "profile"],
                    properties: {
                      id,
                      title: { type: "string" },
                      meters: { type: "integer", minimum: 0, maximum: 1000000 },
                      profile: { enum: ["residential", "commercial", "industrial"] },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    gridMeter: {
      type: "object",
      additionalProperties: false,
      required: ["mode", "registerMap", "unitId", "pollSeconds", "protocols"],
      properties: {
        mode: { enum: ["physical", "virtual"] },
        registerMap: { type: "string", pattern: "^[A-Za-z0-9._-]+\\.map\\.json$" },
        unitId: { type: "integer", minimum: 1, maximum: 247 },
        host: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        pollSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
        protocols,
      },
    },
    batteries: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region", "substation", "feeder", "capacityWh", "maxDischargeW", "maxChargeW", "initialSocPercent", "minSocPercent", "maxSocPercent", "rampWPerS", "protocols"],
        properties: {
          id,
          title: { type: "string" },
          ...placement,
          capacityWh: { type: "number", exclusiveMinimum: 0, maximum: 1e10 },
          maxDischargeW: { type: "number", exclusiveMinimum: 0, maximum: 1e9 },
          maxChargeW: { type: "number", exclusiveMinimum: 0, maximum: 1e9 },
          initialSocPercent: { type: "number", minimum: 0, maximum: 100 },
          minSocPercent: { type: "number", minimum: 0, maximum: 100 },
          maxSocPercent: { type: "number", minimum: 0, maximum: 100 },
          rampWPerS: { type: "number", exclusiveMinimum: 0 },
          protocols,
          modbusUnitId: { type: "integer", minimum: 1, maximum: 247 },
          owner: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: { name: { type: "string" }, phone: { type: "string", pattern: "^\\+[0-9]{6,15}$" }, email: { type: "string", format: "email" } },
          },
        },
      },
    },
    pv: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region", "substation", "feeder", "peakW", "protocols"],
        properties: { id, title: { type: "string" }, ...placement, peakW: { type: "number", exclusiveMinimum: 0 }, protocols },
      },
    },
    wind: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region", "substation", "feeder", "ratedW", "cutInMs", "ratedMs", "cutOutMs", "protocols"],
        properties: {
          id,
          title: { type: "string" },
          ...placement,
          ratedW: { type: "number", exclusiveMinimum: 0 },
          cutInMs: { type: "number", minimum: 0 },
          ratedMs: { type: "number", exclusiveMinimum: 0 },
          cutOutMs: { type: "number", exclusiveMinimum: 0 },
          protocols,
        },
      },
    },
    chargePoints: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "region", "substation", "feeder", "connectors", "maxPowerW", "protocols"],
        properties: {
          id,
          title: { type: "string" },
          ...placement,
          connectors: {
            type: "array",
            minItems: 1,
            maxItems: 16,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["id", "maxPowerW"],
              properties: { id, maxPowerW: { type: "number", exclusiveMinimum: 0, maximum: 1e7 } },
            },
          },
          maxPowerW: { type: "number", exclusiveMinimum: 0, maximum: 1e8 },
          protocols: { ...protocols, items: { enum: ["http", "coap", "mqtt"] } },
        },
      },
    },
    weather: {
      type: "object",
      additionalProperties: false,
      required: ["latitudeDeg", "longitudeDeg", "meanCloudCover", "meanWindSpeedMs"],
      properties: {
        latitudeDeg: { type: "number", minimum: -90, maximum: 90 },
        longitudeDeg: { type: "number", minimum: -180, maximum: 180 },
        meanCloudCover: { type: "number", minimum: 0, maximum: 1 },
        meanWindSpeedMs: { type: "number", minimum: 0, maximum: 60 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s));
ajv.addFormat("email", /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
const validateShape = ajv.compile(SITE_SCHEMA);

export interface SiteProblem {
  field: string;
  description: string;
}

function crossFieldProblems(site: SiteFile): SiteProblem[] {
  const problems: SiteProblem[] = [];
  const seen = new Map<string, string>();
  const unique = (value: string, field: string) => {
    const prior = seen.get(value);
    if (prior) problems.push({ field, description: `id "${value}" is already used at ${prior}` });
    else seen.set(value, field);
  };
  const feeders = new Map<string, { region: string; substation: string }>();
  site.regions.forEach((r, ri) => {
    unique(r.id, `/regions/${ri}/id`);
    r.substations.forEach((s, si) => {
      unique(s.id, `/regions/${ri}/substations/${si}/id`);
      s.feeders.forEach((f, fi) => {
        unique(f.id, `/regions/${ri}/substations/${si}/feeders/${fi}/id`);
        feeders.set(f.id, { region: r.id, substation: s.id });
      });
    });
  });
  const placed = (kind: string, list: Array<{ id: string; region: string; substation: string; feeder: string }>) =>
    list.forEach((d, i) => {
      unique(d.id, `/${kind}/${i}/id`);
      const f = feeders.get(d.feeder);
      if (!f) problems.push({ field: `/${kind}/${i}/feeder`, description: `feeder "${d.feeder}" is not in the site's regions` });
      else if (f.region !== d.region || f.substation !== d.substation) {
        problems.push({ field: `/${kind}/${i}`, description: `feeder "${d.feeder}" belongs to ${f.region}/${f.substation}, not ${d.region}/${d.substation}` });
      }
    });
  placed("batteries", site.batteries);
  placed("pv", site.pv);
  placed("wind", site.wind);
  const chargePoints = site.chargePoints ?? [];
  placed("chargePoints", chargePoints);
  chargePoints.forEach((cp, i) => cp.connectors.forEach((c, j) => unique(c.id, `/chargePoints/${i}/connectors/${j}/id`)));
  const units = new Map<number, string>();
  site.batteries.forEach((b, i) => {
    if (b.minSocPercent >= b.maxSocPercent) problems.push({ field: `/batteries/${i}`, description: "minSocPercent must be below maxSocPercent" });
    if (b.initialSocPercent < b.minSocPercent || b.initialSocPercent > b.maxSocPercent) problems.push({ field: `/batteries/${i}/initialSocPercent`, description: "must lie between minSocPercent and maxSocPercent" });
    if (b.protocols.includes("modbus")) {
      if (b.modbusUnitId === undefined) problems.push({ field: `/batteries/${i}/modbusUnitId`, description: "a battery served over Modbus needs a unit id" });
      else if (units.has(b.modbusUnitId)) problems.push({ field: `/batteries/${i}/modbusUnitId`, description: `unit id ${b.modbusUnitId} is already used by ${units.get(b.modbusUnitId)}` });
      else units.set(b.modbusUnitId, b.id);
    }
  });
  site.wind.forEach((w, i) => {
    if (!(w.cutInMs < w.ratedMs && w.ratedMs < w.cutOutMs)) problems.push({ field: `/wind/${i}`, description: "needs cutInMs < ratedMs < cutOutMs" });
  });
  if (site.gridMeter.host !== undefined && site.gridMeter.mode !== "physical") problems.push({ field: "/gridMeter/host", description: "only a physical meter has a host" });
  return problems;
}

/** Validates a parsed site file; throws SITE_FILE_INVALID listing every problem. */
export function validateSite(value: unknown, source = "site file"): SiteFile {
  if (!validateShape(value)) {
    const validationErrors = (validateShape.errors ?? []).map((e) => ({ field: e.instancePath || "/", description: `${e.message ?? "invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}` }));
    throw new CodedError("SITE_FILE_INVALID", SITE_ERRORS.SITE_FILE_INVALID, `${source}: ${validationErrors.map((p) => `${p.field} ${p.description}`).join("; ")}`, { validationErrors });
  }
  const site = value as unknown as SiteFile;
  const problems = crossFieldProblems(site);
  if (problems.length > 0) {
    throw new CodedError("SITE_FILE_INVALID", SITE_ERRORS.SITE_FILE_INVALID, `${source}: ${problems.map((p) => `${p.field} ${p.description}`).join("; ")}`, { validationErrors: problems });
  }
  return site;
}

export function parseSite(text: string, source = "site file"): SiteFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CodedError("SITE_FILE_UNREADABLE", SITE_ERRORS.SITE_FILE_UNREADABLE, `${source}: not JSON (${(e as Error).message})`);
  }
  return validateSite(value, source);
}
