/**
 * Seed 004 steps 11, 12 and 15: from the weather service's forecast (irradiance, wind speed every
 * 15 min for 4 h), predict each PV and wind plant's output; then learn from actuals: a per-plant
 * scale on the physical model, updated by exponential smoothing, with its error tracked (mean
 * absolute error, bias, count). Pure.
 */
import { vppError } from "../errors.ts";

export interface WeatherPoint {
  time: string;
  irradianceWm2: number;
  windSpeedMs: number;
}

export interface Plant {
  id: string;
  kind: "pv" | "wind";
  ratedW: number;
  /** Wind power curve, m/s (defaults 3 / 12 / 25). */
  cutInMs?: number;
  ratedMs?: number;
  cutOutMs?: number;
}

export interface PlantModel {
  /** Learned ratio actual / physical model. */
  scale: number;
  samples: number;
  meanAbsErrorW: number;
  biasW: number;
}

export interface ForecastModel {
  plants: Record<string, PlantModel>;
  /** Smoothing factor for the scale, 0..1. */
  alpha: number;
}

export interface GenerationForecastPoint {
  time: string;
  pvW: number;
  windW: number;
  byPlantW: Record<string, number>;
}

export const NEW_MODEL: ForecastModel = { plants: {}, alpha: 0.2 };

export function physicalOutputW(plant: Plant, point: Pick<WeatherPoint, "irradianceWm2" | "windSpeedMs">): number {
  if (plant.kind === "pv") return Math.max(0, Math.min(plant.ratedW, (plant.ratedW * Math.max(0, point.irradianceWm2)) / 1000));
  const cutIn = plant.cutInMs ?? 3;
  const rated = plant.ratedMs ?? 12;
  const cutOut = plant.cutOutMs ?? 25;
  const v = point.windSpeedMs;
  if (!(v >= cutIn) || v >= cutOut) return 0;
  if (v >= rated) return plant.ratedW;
  return (plant.ratedW * (v ** 3 - cutIn ** 3)) / (rated ** 3 - cutIn ** 3);
}

/** Parses the weather Thing's `forecast` value; throws VPP_BAD_ARGUMENT when it is not a forecast. */
export function parseWeatherForecast(value: unknown): WeatherPoint[] {
  if (!Array.isArray(value)) throw vppError("VPP_BAD_ARGUMENT", "a weather forecast must be an array of points");
  return value.map((p, i) => {
    const r = (typeof p === "object" && p !== null ? p : {}) as Record<string, unknown>;
    if (typeof r.time !== "string" || Number.isNaN(Date.parse(r.time)) || typeof r.irradianceWm2 !== "number" || typeof r.windSpeedMs !== "number" || !Number.isFinite(r.irradianceWm2) || !Number.isFinite(r.windSpeedMs)) {
      throw vppError("VPP_BAD_ARGUMENT", `forecast point ${i} needs time, irradianceWm2 and windSpeedMs`);
    }
    return { time: r.time, irradianceWm2: r.irradianceWm2, windSpeedMs: r.windSpeedMs };
  });
}

/** The next `hours` (4 in seed 004) of expected generation, per 15-minute point. */
export function predictGeneration(model: ForecastModel, plants: readonly Plant[], weather: readonly WeatherPoint[], fromMs: number, hours = 4): GenerationForecastPoint[] {
  const until = fromMs + hours * 3_600_000;
  return weather
    .filter((p) => Date.parse(p.time) > fromMs - 1 && Date.parse(p.time) <= until)
    .map((p) => {
      const byPlantW: Record<string, number> = {};
      let pvW = 0;
      let windW = 0;
      for (const plant of plants) {
        const w = Math.min(plant.ratedW, physicalOutputW(plant, p) * (model.plants[plant.id]?.scale ?? 1));
        byPlantW[plant.id] = w;
        if (plant.kind === "pv") pvW += w;
        else windW += w;
      }
      return { time: p.time, pvW, windW, byPlantW };
    });
}

/** Step 15: learn from an actual output observed under known weather. */
export function updateModel(model: ForecastModel, plant: Plant, weatherNow: Pick<WeatherPoint, "irradianceWm2" | "windSpeedMs">, actualW: number): ForecastModel {
  if (!Number.isFinite(actualW) || actualW < 0) throw vppError("VPP_BAD_ARGUMENT", `actual output of ${plant.id} must be a non-negative number, got ${actualW}`);
  const prior = model.plants[plant.id] ?? { scale: 1, samples: 0, meanAbsErrorW: 0, biasW: 0 };
  const physical = physicalOutputW(plant, weatherNow);
  const predicted = Math.min(plant.ratedW, physical * prior.scale);
  const error = predicted - actualW;
  const n = prior.samples + 1;
  const scale = physical > plant.ratedW * 0.02 ? (1 - model.alpha) * prior.scale + model.alpha * (actualW / physical) : prior.scale;
  const next: PlantModel = { scale, samples: n, meanAbsErrorW: prior.meanAbsErrorW + (Math.abs(error) - prior.meanAbsErrorW) / n, biasW: prior.biasW + (error - prior.biasW) / n };
  return { ...model, plants: { ...model.plants, [plant.id]: next } };
}
