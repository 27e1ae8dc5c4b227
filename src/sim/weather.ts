import type { WeatherSpec } from "../site/site-file.ts";
import { centered, valueNoise } from "./prng.ts";
import { clearSkyIrradiance, cloudTransmission, localSolarTime, sunElevationSine } from "./solar.ts";

export interface WeatherSample {
  irradianceWm2: number;
  windSpeedMs: number;
  temperatureC: number;
  cloudCover: number;
}

export interface ForecastPoint {
  time: string;
  timeMs: number;
  irradianceWm2: number;
  windSpeedMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
// Noise streams: each quantity draws from its own stream of the seed.
const S_CLOUD_SLOW = 101;
const S_CLOUD_FAST = 102;
const S_WIND_SLOW = 103;
const S_WIND_GUST = 104;
const S_TEMP = 105;
const S_FC_CLOUD = 201;
const S_FC_WIND = 202;

/**
 * The weather process: a pure function of (seed, site, time). Cloud cover and wind speed are
 * seeded value noise around the site's means (slow weather systems plus fast gusts and passing
 * clouds); irradiance is clear sky by sun position times the cloud transmission.
 */
export class WeatherModel {
  private readonly intervals = new Map<number, WeatherSample>();

  constructor(
    private readonly seed: number,
    private readonly spec: WeatherSpec,
  ) {}

  cloudCover(timeMs: number): number {
    const slow = valueNoise(this.seed, S_CLOUD_SLOW, timeMs / (45 * MINUTE)) - 0.5;
    const fast = valueNoise(this.seed, S_CLOUD_FAST, timeMs / (4 * MINUTE)) - 0.5;
    return clamp01(this.spec.meanCloudCover + 0.8 * slow + 0.3 * fast);
  }

  windSpeed(timeMs: number): number {
    const slow = valueNoise(this.seed, S_WIND_SLOW, timeMs / (90 * MINUTE)) - 0.5;
    const gust = valueNoise(this.seed, S_WIND_GUST, timeMs / (2 * MINUTE)) - 0.5;
    return Math.max(0, this.spec.meanWindSpeedMs * (1 + 1.1 * slow + 0.3 * gust));
  }

  clearSky(timeMs: number): number {
    return clearSkyIrradiance(sunElevationSine(timeMs, this.spec.latitudeDeg, this.spec.longitudeDeg));
  }

  at(timeMs: number): WeatherSample {
    const cloudCover = this.cloudCover(timeMs);
    const irradianceWm2 = this.clearSky(timeMs) * cloudTransmission(cloudCover);
    const { hour } = localSolarTime(timeMs, this.spec.longitudeDeg);
    const diurnal = Math.sin((2 * Math.PI * (hour - 9)) / 24);
    const temperatureC = 16 + 6 * diurnal - 3 * cloudCover + 2 * (valueNoise(this.seed, S_TEMP, timeMs / (3 * HOUR)) - 0.5);
    return { irradianceWm2, windSpeedMs: this.windSpeed(timeMs), temperatureC, cloudCover };
  }

  /** The sample at the start of fixed interval `k` of `intervalMs` (memoised; pure). */
  atInterval(k: number, intervalMs: number): WeatherSample {
    let s = this.intervals.get(k);
    if (s === undefined) {
      if (this.intervals.size > 4096) this.intervals.clear();
      s = this.at(k * intervalMs);
      this.intervals.set(k, s);
    }
    return s;
  }

  /**
   * A forecast issued at `issuedMs`: the later actual plus a seeded error that grows with the lead
   * time, and a small systematic bias (the forecast sees slightly too few clouds and too little
   * wind) that a forecast-model update can learn from actuals.
   */
  forecast(issuedMs: number, sampleAt: (timeMs: number) => WeatherSample, hours: number, stepMinutes: number): ForecastPoint[] {
    const stepMs = stepMinutes * MINUTE;
    const count = Math.max(1, Math.round((hours * 60) / stepMinutes));
    const first = Math.ceil(issuedMs / stepMs) * stepMs;
    const points: ForecastPoint[] = [];
    for (let i = 0; i < count; i++) {
      const timeMs = first + i * stepMs;
      const actual = sampleAt(timeMs);
      const lead = Math.min(1, Math.sqrt(Math.max(0, timeMs - issuedMs) / (4 * HOUR)));
      const issueKey = Math.floor(issuedMs / HOUR);
      const cloudError = 0.35 * lead * centered(this.seed, S_FC_CLOUD, issueKey, Math.floor(timeMs / (30 * MINUTE)));
      const windError = 0.3 * lead * centered(this.seed, S_FC_WIND, issueKey, Math.floor(timeMs / (30 * MINUTE)));
      const cloud = clamp01(actual.cloudCover - 0.05 + cloudError);
      points.push({
        time: new Date(timeMs).toISOString(),
        timeMs,
        irradianceWm2: this.clearSky(timeMs) * cloudTransmission(cloud),
        windSpeedMs: Math.max(0, actual.windSpeedMs * (0.92 + windError)),
      });
    }
    return points;
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
