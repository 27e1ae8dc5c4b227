import type { SiteFile } from "../site/site-file.ts";
import { simError } from "./errors.ts";

/**
 * Checks the numbers the physics relies on; throws SIM_INVALID_SITE naming the first bad field.
 * (Schema validation of the whole file is `site-schema.ts`'s job; this guards the simulator.)
 */
export function validateSiteForSimulation(site: SiteFile): void {
  const bad = (path: string, why: string, value: unknown): never => {
    throw simError("SIM_INVALID_SITE", `${path} ${why} (got ${JSON.stringify(value)})`, { path, value: value as never });
  };
  const num = (path: string, v: unknown, min: number, max = Infinity, exclusiveMin = false): number => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (exclusiveMin && v === min)) {
      bad(path, `must be a finite number ${exclusiveMin ? ">" : "≥"} ${min}${max < Infinity ? ` and ≤ ${max}` : ""}`, v);
    }
    return v as number;
  };
  if (typeof site !== "object" || site === null) bad("site", "must be an object", site);
  if (typeof site.grid !== "object" || site.grid === null) bad("grid", "must be an object", site.grid);
  const g = site.grid;
  num("grid.nominalFrequencyHz", g.nominalFrequencyHz, 0, Infinity, true);
  num("grid.systemBaseW", g.systemBaseW, 0, Infinity, true);
  num("grid.inertiaSeconds", g.inertiaSeconds, 0, Infinity, true);
  num("grid.dampingPerUnit", g.dampingPerUnit, 0);
  num("grid.governorDroopPerUnit", g.governorDroopPerUnit, 0);
  if (g.governorTimeConstantSeconds !== undefined) num("grid.governorTimeConstantSeconds", g.governorTimeConstantSeconds, 0);
  num("grid.secondaryControlSeconds", g.secondaryControlSeconds, 0);
  num("grid.nominalVoltageV", g.nominalVoltageV, 0, Infinity, true);
  num("grid.backgroundLoadW", g.backgroundLoadW, 0);
  if (!Array.isArray(site.regions)) bad("regions", "must be an array", site.regions);
  if (!Array.isArray(site.batteries)) bad("batteries", "must be an array", site.batteries);
  if (!Array.isArray(site.pv)) bad("pv", "must be an array", site.pv);
  if (!Array.isArray(site.wind)) bad("wind", "must be an array", site.wind);
  if (typeof site.weather !== "object" || site.weather === null) bad("weather", "must be an object", site.weather);
  num("weather.latitudeDeg", site.weather.latitudeDeg, -90, 90);
  num("weather.longitudeDeg", site.weather.longitudeDeg, -180, 180);
  num("weather.meanCloudCover", site.weather.meanCloudCover, 0, 1);
  num("weather.meanWindSpeedMs", site.weather.meanWindSpeedMs, 0);

  const ids = new Set<string>(["grid-meter", "weather"]);
  const unique = (path: string, id: unknown): void => {
    if (typeof id !== "string" || id.length === 0) bad(path, "must be a non-empty string", id);
    if (ids.has(id as string)) bad(path, "is not unique among the site's devices", id);
    ids.add(id as string);
  };
  site.regions.forEach((r, ri) =>
    r.substations.forEach((s, si) =>
      s.feeders.forEach((f, fi) => {
        const at = `regions[${ri}].substations[${si}].feeders[${fi}]`;
        num(`${at}.meters`, f.meters, 0);
        if (!Number.isInteger(f.meters)) bad(`${at}.meters`, "must be an integer", f.meters);
        if (!["residential", "commercial", "industrial"].includes(f.profile)) bad(`${at}.profile`, "is not a known load profile", f.profile);
      }),
    ),
  );
  site.batteries.forEach((b, i) => {
    const at = `batteries[${i}]`;
    unique(`${at}.id`, b.id);
    num(`${at}.capacityWh`, b.capacityWh, 0, Infinity, true);
    num(`${at}.maxDischargeW`, b.maxDischargeW, 0);
    num(`${at}.maxChargeW`, b.maxChargeW, 0);
    num(`${at}.rampWPerS`, b.rampWPerS, 0, Infinity, true);
    num(`${at}.minSocPercent`, b.minSocPercent, 0, 100);
    num(`${at}.maxSocPercent`, b.maxSocPercent, b.minSocPercent, 100);
    num(`${at}.initialSocPercent`, b.initialSocPercent, b.minSocPercent, b.maxSocPercent);
  });
  site.pv.forEach((p, i) => {
    unique(`pv[${i}].id`, p.id);
    num(`pv[${i}].peakW`, p.peakW, 0);
  });
  site.wind.forEach((w, i) => {
    const at = `wind[${i}]`;
    unique(`${at}.id`, w.id);
    num(`${at}.ratedW`, w.ratedW, 0);
    num(`${at}.cutInMs`, w.cutInMs, 0);
    num(`${at}.ratedMs`, w.ratedMs, w.cutInMs, Infinity, true);
    num(`${at}.cutOutMs`, w.cutOutMs, w.ratedMs, Infinity, true);
  });
}
