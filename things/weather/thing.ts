/** Weather service (seed 004 step 11): irradiance, wind speed and temperature now, and a 4-hour forecast. HTTP. */
import type { ThingSpec, HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import type { Protocol } from "../../src/site/site-file.ts";
import { deviceTd, type DeviceContext, type TickListener } from "../common/device-context.ts";

export const WEATHER_ID = "weather";

export function weatherThingSpec(ctx: DeviceContext, protocols: Protocol[] = ["http"]): ThingSpec {
  const now = () => ctx.sim.weather();
  return {
    td: deviceTd(ctx, "weather.tm.json", { DEVICE_ID: WEATHER_ID, LATITUDE: ctx.site.weather.latitudeDeg, LONGITUDE: ctx.site.weather.longitudeDeg }),
    protocols,
    properties: {
      irradiance: { read: () => now().irradianceWm2 },
      windSpeed: { read: () => now().windSpeedMs },
      temperature: { read: () => now().temperatureC },
      cloudCover: { read: () => now().cloudCover * 100 },
      forecast: { read: () => ctx.sim.weatherForecast(4, 15).map(({ time, irradianceWm2, windSpeedMs }) => ({ time, irradianceWm2, windSpeedMs })) },
      timestamp: { read: () => now().timestamp },
      quality: { read: () => now().quality },
    },
  };
}

export function weatherPublisher(thing: HostedThing): TickListener {
  return {
    onTick() {
      for (const p of ["irradiance", "windSpeed", "temperature", "quality"]) thing.emitPropertyChange(p);
    },
  };
}
