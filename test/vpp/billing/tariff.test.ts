import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTariff, flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { loadTariffFile } from "../../../src/vpp/billing/tariff-file.ts";
import { isCodedError } from "../../../src/errors/coded-error.ts";

const TARIFFS = join(import.meta.dirname, "../../../tds/tariffs");
const base = {
  id: "t",
  currency: "USD",
  timezone: "America/Chicago",
  intervalMinutes: 15,
  default: { name: "off", importPricePerKwh: 0.1, exportPricePerKwh: 0.02 },
  periods: [{ name: "peak", days: ["mon", "tue", "wed", "thu", "fri"], from: "16:00", to: "21:00", importPricePerKwh: 0.3, exportPricePerKwh: 0.05 }],
};

describe("tariff files", () => {
  it("every tariff file in tds/tariffs is valid", async () => {
    const files = readdirSync(TARIFFS).filter((f) => f.endsWith(".tariff.json"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) await expect(loadTariffFile(join(TARIFFS, f))).resolves.toBeDefined();
  });

  it("finds the period by local weekday and time (time zone and DST)", async () => {
    const t = await loadTariffFile(join(TARIFFS, "residential-tou.tariff.json"));
    // Monday 2026-06-01 16:00 CDT = 21:00Z: peak starts
    expect(t.periodAt(Date.parse("2026-06-01T21:00:00Z")).name).toBe("peak");
    expect(t.periodAt(Date.parse("2026-06-01T20:45:00Z")).name).toBe("shoulder");
    expect(t.periodAt(Date.parse("2026-06-02T02:00:00Z")).name).toBe("off-peak"); // 21:00 CDT Monday: peak ended
    // Monday 2026-01-05 16:00 CST = 22:00Z (standard time)
    expect(t.periodAt(Date.parse("2026-01-05T22:00:00Z")).name).toBe("peak");
    expect(t.periodAt(Date.parse("2026-01-05T21:45:00Z")).name).toBe("shoulder");
    // Saturday 2026-06-06 17:00 CDT
    expect(t.periodAt(Date.parse("2026-06-06T22:00:00Z"))).toEqual({ name: "weekend-peak", importPricePerKwh: 0.2, exportPricePerKwh: 0.06 });
    expect(flatTariff().periodAt(0).name).toBe("flat");
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ["not an object", [1], /not a JSON object/],
    ["unknown field", { ...base, colour: "red" }, /unknown field colour/],
    ["bad currency", { ...base, currency: "dollars" }, /currency/],
    ["unknown time zone", { ...base, timezone: "Mars/Olympus" }, /not an IANA time zone/],
    ["interval not 15", { ...base, intervalMinutes: 30 }, /intervalMinutes must be 15/],
    ["default missing", { ...base, default: undefined }, /default/],
    ["negative price", { ...base, default: { ...base.default, importPricePerKwh: -1 } }, /non-negative/],
    ["price a string", { ...base, periods: [{ ...base.periods[0], importPricePerKwh: "0.3" }] }, /importPricePerKwh/],
    ["time not HH:MM", { ...base, periods: [{ ...base.periods[0], from: "4pm" }] }, /"HH:MM"/],
    ["time off the quarter hour", { ...base, periods: [{ ...base.periods[0], from: "16:10" }] }, /15-minute boundary/],
    ["from after to", { ...base, periods: [{ ...base.periods[0], from: "22:00", to: "06:00" }] }, /crosses midnight|not before/],
    ["unknown weekday", { ...base, periods: [{ ...base.periods[0], days: ["monday"] }] }, /not one of/],
    ["no weekdays", { ...base, periods: [{ ...base.periods[0], days: [] }] }, /days must list/],
    ["overlapping periods", { ...base, periods: [base.periods[0], { ...base.periods[0], name: "x", from: "20:00", to: "22:00" }] }, /overlap on mon/],
    ["periods not an array", { ...base, periods: {} }, /periods must be an array/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses: ${name}`, () => {
      try {
        parseTariff(value, "test.tariff.json");
        expect.unreachable();
      } catch (e) {
        expect(isCodedError(e) && e.code).toBe("TARIFF_INVALID");
        expect((e as Error).message).toMatch(message);
      }
    });
  }

  it("lists every problem at once", () => {
    expect(() => parseTariff({ ...base, currency: 1, intervalMinutes: 5 })).toThrow(/currency.*intervalMinutes/);
  });

  it("refuses a missing file and a file that is not JSON", async () => {
    await expect(loadTariffFile("/nonexistent/x.tariff.json")).rejects.toMatchObject({ code: "TARIFF_INVALID" });
    await expect(loadTariffFile(join(import.meta.dirname, "tariff.test.ts"))).rejects.toThrow(/not JSON/);
  });
});
