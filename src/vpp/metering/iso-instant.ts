/**
 * ISO 8601 instants with a zone (`2026-06-01T12:00:00Z`, `…:00.123+02:00`) to epoch ms without a
 * regular expression and `Date.parse`: the meter stream parses one per reading, and this was a
 * tenth of its pure cost. Same answers as the regex + `Date.parse` it replaces (property-tested),
 * but stricter where that was lax: a day that does not exist (02-30, 04-31) is NaN, where
 * `Date.parse` rolled it into the next month. NaN for anything else, including a bare local time.
 */
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function parseIsoInstant(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Number.NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0) return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : (DAYS[month - 1] as number))) return Number.NaN;
  if (minute > 59 || second > 59 || hour > 24 || (hour === 24 && (minute !== 0 || second !== 0))) return Number.NaN;
  let at = 19;
  let ms = 0;
  if (s.charCodeAt(at) === 46) {
    const start = ++at;
    let fraction = false; // a non-zero digit anywhere, even past the milliseconds
    while (at < n && at - start < 10) {
      const c = s.charCodeAt(at) - 48;
      if (c < 0 || c > 9) break;
      if (at - start < 3) ms += c * (at - start === 0 ? 100 : at - start === 1 ? 10 : 1);
      if (c !== 0) fraction = true;
      at++;
    }
    if (at === start || at - start > 9) return Number.NaN;
    if (hour === 24 && fraction) return Number.NaN; // 24:00 is the end of the day, exactly
  }
  let offsetMin = 0;
  const zone = s.charCodeAt(at);
  if (zone === 90 && at + 1 === n) {
    // Z
  } else if ((zone === 43 || zone === 45) && at + 6 === n && s.charCodeAt(at + 3) === 58) {
    const oh = digits(s, at + 1, 2);
    const om = digits(s, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return Number.NaN;
    offsetMin = (zone === 43 ? 1 : -1) * (oh * 60 + om);
  } else return Number.NaN;
  // Date.UTC reads years 0–99 as 1900–1999; 400 Gregorian years are exactly 146,097 days.
  const utc = year < 100 ? Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - 146_097 * 86_400_000 : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - offsetMin * 60_000;
}
