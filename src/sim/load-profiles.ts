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
 * Mean active power of a typical meter of each family, W, at local solar `hour` and `weekday`
 * (0 = Sunday). Residential: morning and evening peaks; commercial: daytime plateau, quiet
 * weekends; industrial: flat two-shift day with a night crew.
 */
export function profileW(kind: ProfileKind, hour: number, weekday: number): number {
  const weekend = weekday === 0 || weekday === 6;
  switch (kind) {
    case "residential":
      return 350 + 900 * bump(hour, 7.5, 1.1) + 1500 * bump(hour, 19, 1.8) + (weekend ? 500 : 200) * bump(hour, 13, 3);
    case "commercial":
      return (weekend ? 0.45 : 1) * (1800 + 6200 * window(hour, 8, 18, 1)) ;
    case "industrial": {
      const shifts = window(hour, 6, 22, 0.5);
      return (weekend ? 0.6 : 1) * (11000 + 11000 * shifts - 2000 * bump(hour, 14, 0.25));
    }
  }
}

/** Shape of the load of the area outside the site, mean ≈ 1 over a day. */
export function backgroundShape(hour: number): number {
  return 0.8 + 0.15 * window(hour, 8, 20, 2) + 0.2 * bump(hour, 19, 2);
}
