/**
 * parseIsoInstant against what it replaced (a regex, then Date.parse): the same instant for every
 * string of the ISO shape whose date exists, NaN for days that do not exist and anything else.
 */
import { describe, expect } from "vitest";
import { fc, it } from "@fast-check/vitest";
import { parseIsoInstant } from "../../../src/vpp/metering/iso-instant.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const reference = (s: string) => (ISO.test(s) ? Date.parse(s) : Number.NaN);
const daysIn = (y: number, m: number) => new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 1 : 0);
const pad = (n: number, w: number) => String(n).padStart(w, "0");

const shaped = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
    frac: fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }),
    zone: fc.oneof(fc.constant("Z"), fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })).map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`), fc.constant("")),
  })
  .map((p) => ({ ...p, text: `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}T${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${p.frac === undefined ? "" : "." + p.frac}${p.zone}` }));

describe("parseIsoInstant", () => {
  it.prop([shaped], { numRuns: 3000 })("agrees with regex + Date.parse on every existing date, NaN on days that do not exist", (p) => {
    const got = parseIsoInstant(p.text);
    const dayExists = p.mo >= 1 && p.mo <= 12 && p.d >= 1 && p.d <= daysIn(p.y, p.mo);
    if (dayExists) expect(got).toEqual(reference(p.text));
    else expect(got).toBeNaN();
  });

  it.prop([fc.string({ maxLength: 40 })])("NaN for any string that is not of the ISO instant shape", (s) => {
    if (!ISO.test(s)) expect(parseIsoInstant(s)).toBeNaN();
  });

  it.each([
    ["2026-06-01T12:00:00Z", Date.UTC(2026, 5, 1, 12)],
    ["2026-06-01T12:00:00.5+02:00", Date.UTC(2026, 5, 1, 10, 0, 0, 500)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["0050-01-01T00:00:00Z", -60589296000000],
    ["2026-06-01T24:00:00.000Z", Date.UTC(2026, 5, 2)],
  ])("%s", (text, ms) => expect(parseIsoInstant(text)).toBe(ms));

  it.each(["2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-06-01T12:00:00", "2026-06-01 12:00:00Z", "2026-06-01T12:00:00.Z", "2026-06-01T24:00:01Z", "2026-06-01T24:00:00.8Z", "2026-06-01T24:00:00.0001Z", ""])("refuses %j", (text) => {
    expect(parseIsoInstant(text)).toBeNaN();
  });
});
