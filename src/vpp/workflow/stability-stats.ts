/**
 * Seed 004 step 13's inputs, accumulated per UTC day from the regulation samples: energy the
 * batteries dispatched per hour, frequency per minute (min/max), and excursions out of the seed 000
 * band (count and time outside). Pure: a sample in, new stats out.
 */
export interface DayStats {
  day: string;
  /** Discharge energy per hour of the day, Wh (24 entries). */
  dischargeWhByHour: number[];
  chargeWhByHour: number[];
  /** Minute of day → [min, max] frequency, Hz. */
  frequencyByMinute: Record<number, [number, number]>;
  excursions: number;
  secondsOutside: number;
  minHz: number | null;
  maxHz: number | null;
  lastSample: { timeMs: number; frequencyHz: number; batteryW: number; outside: boolean } | null;
  commands: number;
}

export function emptyDay(day: string): DayStats {
  return { day, dischargeWhByHour: Array(24).fill(0), chargeWhByHour: Array(24).fill(0), frequencyByMinute: {}, excursions: 0, secondsOutside: 0, minHz: null, maxHz: null, lastSample: null, commands: 0 };
}

/** Adds one sample; the interval since the previous sample (capped at 60 s) counts at the previous sample's values. */
export function addSample(stats: DayStats, s: { timeMs: number; frequencyHz: number; batteryW: number }, nominalHz = 60, bandHz = 0.02): DayStats {
  if (!Number.isFinite(s.timeMs) || !Number.isFinite(s.frequencyHz) || !Number.isFinite(s.batteryW)) return stats;
  const date = new Date(s.timeMs);
  if (date.toISOString().slice(0, 10) !== stats.day) return stats;
  const outside = Math.abs(s.frequencyHz - nominalHz) > bandHz + 1e-9;
  const next: DayStats = { ...stats, dischargeWhByHour: [...stats.dischargeWhByHour], chargeWhByHour: [...stats.chargeWhByHour], frequencyByMinute: { ...stats.frequencyByMinute } };
  const prev = stats.lastSample;
  if (prev && s.timeMs > prev.timeMs) {
    const dtS = Math.min(60, (s.timeMs - prev.timeMs) / 1000);
    const hour = new Date(prev.timeMs).getUTCHours();
    if (prev.batteryW > 0) next.dischargeWhByHour[hour] = (next.dischargeWhByHour[hour] ?? 0) + (prev.batteryW * dtS) / 3600;
    else next.chargeWhByHour[hour] = (next.chargeWhByHour[hour] ?? 0) + (-prev.batteryW * dtS) / 3600;
    if (prev.outside) next.secondsOutside += dtS;
  }
  if (outside && !(prev?.outside ?? false)) next.excursions += 1;
  const minute = date.getUTCHours() * 60 + date.getUTCMinutes();
  const mm = next.frequencyByMinute[minute];
  next.frequencyByMinute[minute] = mm ? [Math.min(mm[0], s.frequencyHz), Math.max(mm[1], s.frequencyHz)] : [s.frequencyHz, s.frequencyHz];
  next.minHz = stats.minHz === null ? s.frequencyHz : Math.min(stats.minHz, s.frequencyHz);
  next.maxHz = stats.maxHz === null ? s.frequencyHz : Math.max(stats.maxHz, s.frequencyHz);
  next.lastSample = { timeMs: s.timeMs, frequencyHz: s.frequencyHz, batteryW: s.batteryW, outside };
  return next;
}
