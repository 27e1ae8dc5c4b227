import { describe, expect, it } from "vitest";
import { parseReading } from "../../../src/vpp/metering/parse-reading.ts";

const good = { meterId: "m1", sequence: 3, timestamp: "2026-06-01T12:00:15.000Z", activePowerW: 812.4, energyImportWh: 1234.567, energyExportWh: 0, voltageV: 231.2, quality: "GOOD" };
const text = (o: unknown) => JSON.stringify(o);

describe("parseReading: one row per malformed payload", () => {
  const rows: Array<[string, string | Uint8Array, string]> = [
    ["not JSON", "{nope", "MALFORMED"],
    ["JSON array", "[1,2]", "MALFORMED"],
    ["JSON null", "null", "MALFORMED"],
    ["JSON string", '"m1"', "MALFORMED"],
    ["meterId missing", text({ ...good, meterId: undefined }), "MALFORMED"],
    ["meterId empty", text({ ...good, meterId: "" }), "MALFORMED"],
    ["meterId a number", text({ ...good, meterId: 5 }), "MALFORMED"],
    ["sequence missing", text({ ...good, sequence: undefined }), "MALFORMED"],
    ["power a string", text({ ...good, activePowerW: "812" }), "NOT_A_NUMBER"],
    ["power 'NaN' string", text({ ...good, activePowerW: "NaN" }), "NOT_A_NUMBER"],
    ["power null (NaN serialised)", text({ ...good, activePowerW: Number.NaN }), "NOT_A_NUMBER"],
    ["import register a boolean", text({ ...good, energyImportWh: true }), "NOT_A_NUMBER"],
    ["voltage an object", text({ ...good, voltageV: {} }), "NOT_A_NUMBER"],
    ["sequence fractional", text({ ...good, sequence: 1.5 }), "NOT_A_NUMBER"],
    ["sequence negative", text({ ...good, sequence: -1 }), "NOT_A_NUMBER"],
    ["register negative", text({ ...good, energyExportWh: -1 }), "ROLLBACK"],
    ["timestamp missing", text({ ...good, timestamp: undefined }), "BAD_TIMESTAMP"],
    ["timestamp a number", text({ ...good, timestamp: 1780000000000 }), "BAD_TIMESTAMP"],
    ["timestamp without zone", text({ ...good, timestamp: "2026-06-01T12:00:15" }), "BAD_TIMESTAMP"],
    ["timestamp garbage", text({ ...good, timestamp: "yesterday" }), "BAD_TIMESTAMP"],
    ["timestamp impossible date", text({ ...good, timestamp: "2026-13-45T99:00:00Z" }), "BAD_TIMESTAMP"],
    ["quality unknown", text({ ...good, quality: "FINE" }), "MALFORMED"],
    ["bytes not UTF-8 JSON", new Uint8Array([0xff, 0xfe, 0x00]), "MALFORMED"],
  ];
  for (const [name, payload, reason] of rows) {
    it(name, () => {
      const out = parseReading(payload);
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.reason).toBe(reason);
    });
  }

  it("parses a good payload into integer mWh, from text and from bytes", () => {
    for (const payload of [text(good), new TextEncoder().encode(text(good))]) {
      const out = parseReading(payload);
      expect(out).toEqual({ ok: true, reading: { meterId: "m1", sequence: 3, timeMs: Date.parse(good.timestamp), activePowerW: 812.4, importMilliWh: 1234567, exportMilliWh: 0, voltageV: 231.2, deviceQuality: "GOOD" } });
    }
    const noQuality = parseReading(text({ ...good, quality: undefined }));
    expect(noQuality.ok && noQuality.reading.deviceQuality).toBe("GOOD");
  });
});
