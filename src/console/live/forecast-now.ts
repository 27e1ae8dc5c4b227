/** The VPP's generation forecast at one instant: linear between its points, held flat outside them. Pure. */
import type { GenerationForecastPoint } from "../../vpp/workflow/forecast.ts";

export interface ForecastNow {
  pvW: number;
  windW: number;
  byPlantW: Record<string, number>;
}

export function forecastAt(points: readonly GenerationForecastPoint[], timeMs: number): ForecastNow | null {
  const timed = points.map((p) => ({ p, t: Date.parse(p.time) })).filter((x) => Number.isFinite(x.t)).sort((a, b) => a.t - b.t);
  if (timed.length === 0 || !Number.isFinite(timeMs)) return null;
  const first = timed[0]!;
  const last = timed[timed.length - 1]!;
  if (timeMs <= first.t) return copy(first.p);
  if (timeMs >= last.t) return copy(last.p);
  const i = timed.findIndex((x) => x.t > timeMs);
  const a = timed[i - 1]!;
  const b = timed[i]!;
  const k = (timeMs - a.t) / (b.t - a.t);
  const mix = (x: number, y: number) => x + (y - x) * k;
  const byPlantW: Record<string, number> = {};
  for (const id of new Set([...Object.keys(a.p.byPlantW), ...Object.keys(b.p.byPlantW)])) byPlantW[id] = mix(a.p.byPlantW[id] ?? 0, b.p.byPlantW[id] ?? 0);
  return { pvW: mix(a.p.pvW, b.p.pvW), windW: mix(a.p.windW, b.p.windW), byPlantW };
}

function copy(p: GenerationForecastPoint): ForecastNow {
  return { pvW: p.pvW, windW: p.windW, byPlantW: { ...p.byPlantW } };
}
