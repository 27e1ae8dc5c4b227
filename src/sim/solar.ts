/**
 * Sun position and clear-sky irradiance. Low-precision solar ephemeris (Astronomical Almanac,
 * ≈0.01° over decades) and the Haurwitz clear-sky model; plenty for a load/PV simulator.
 */
const DEG = Math.PI / 180;

/** Sine of the sun's elevation above the horizon at `timeMs` (UTC) for a site. */
export function sunElevationSine(timeMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const d = timeMs / 86_400_000 + 2440587.5 - 2451545.0; // days since J2000.0
  const g = (357.529 + 0.98560028 * d) * DEG;
  const q = 280.459 + 0.98564736 * d;
  const eclipticLon = (q + 1.915 * Math.sin(g) + 0.02 * Math.sin(2 * g)) * DEG;
  const obliquity = (23.439 - 0.00000036 * d) * DEG;
  const rightAscension = Math.atan2(Math.cos(obliquity) * Math.sin(eclipticLon), Math.cos(eclipticLon));
  const declination = Math.asin(Math.sin(obliquity) * Math.sin(eclipticLon));
  const gmstHours = 18.697374558 + 24.06570982441908 * d;
  const hourAngle = (gmstHours * 15 + longitudeDeg) * DEG - rightAscension;
  const lat = latitudeDeg * DEG;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

/** Haurwitz clear-sky global horizontal irradiance, W/m², from the sine of the sun's elevation. */
export function clearSkyIrradiance(elevationSine: number): number {
  if (elevationSine <= 0.01) return 0;
  return 1098 * elevationSine * Math.exp(-0.057 / elevationSine);
}

/** Kasten–Czeplak cloud attenuation: share of clear-sky irradiance left under cloud cover 0..1. */
export function cloudTransmission(cloudCover: number): number {
  return 1 - 0.75 * Math.pow(Math.min(1, Math.max(0, cloudCover)), 3.4);
}

/** Local mean solar time as fractional hours 0..24 and day of week 0..6 (0 = Sunday). */
export function localSolarTime(timeMs: number, longitudeDeg: number): { hour: number; weekday: number } {
  const localMs = timeMs + (longitudeDeg / 15) * 3_600_000;
  const days = Math.floor(localMs / 86_400_000);
  const hour = (localMs - days * 86_400_000) / 3_600_000;
  const weekday = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return { hour, weekday };
}
