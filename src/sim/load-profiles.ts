import type { FeederSpec } from "../site/site-file.ts";

export type ProfileKind = FeederSpec["profile"];

/** Gaussian bump on the 24 h circle. */
function bump(hour: number, centre: number, width: number): number {
  let d = Math.abs(hour - centre);
  if (d > 12) d = 24 - d;
  return Math.exp(-(d * d) / (2 * width * width));
}

/** Smooth 0→1→0 window between `from` and `to` hours with `edge` hours of ramp. */
function window(hour: number, from: number, to: number, edge: number): number {
  const up = 1 / (1 + Math.exp(-(hour - from) / (edge / 4)));
  const down = 1 / (1 + Math.exp((hour - to) / (edge / 4)));
  return up * down;
}

/**
 * How much of a weekend it is, 0..1, at local `hour` of a day whose weekday is `weekday`
 * (0 = Sunday): blended over the first two hours of the day so loads never jump at midnight.
 */
export function weekendness(hour: number, weekday: number): number {
  const isWeekend = (d: number): number => (d === 0 || d === 6 ? 1 : 0);
  const a = Math.min(1, hour / 2);
  return isWeekend((weekday + 6) % 7) * (1 - a) + isWeekend(weekday) * a;
}

/**
 * Mean active power of a typical meter of each family, W, at local solar `hour`, `weekend`
 * 0..1 (see `weekendness`). Residential: morning and evening peaks; commercial: daytime plateau,
 * quiet weekends; industrial: flat two-shift day with a night crew.
 */
export function profileW(kind: ProfileKind, hour: number, weekend: number): number {
  switch (kind) {
    case "residential":
      return 350 + 900 * bump(hour, 7.5, 1.1) + 1500 * bump(hour, 19, 1.8) + (200 + 300 * weekend) * bump(hour, 13, 3);
    case "commercial":
      return (1 - 0.55 * weekend) * (1800 + 6200 * window(hour, 8, 18, 1));
    case "industrial": {
      const shifts = window(hour, 6, 22, 0.5);
      return (1 - 0.4 * weekend) * (11000 + 11000 * shifts - 2000 * bump(hour, 14, 0.25));
    }
  }
}

/** Shape of the load of the area outside the site, mean ≈ 1 over a day. */
export function backgroundShape(hour: number): number {
  return 0.8 + 0.15 * window(hour, 8, 20, 2) + 0.2 * bump(hour, 19, 2);
}
