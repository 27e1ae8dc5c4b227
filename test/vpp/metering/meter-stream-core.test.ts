import { describe, expect, it } from "vitest";
import { flatTariff } from "../../../src/vpp/billing/tariff.ts";
import { MeterStreamCore } from "../../../src/vpp/metering/meter-stream-core.ts";

const NOW = Date.parse("2026-06-01T12:00:10Z");
const reading = (over: Record<string, unknown> = {}) => JSON.stringify({ meterId: "m1", sequence: 1, timestamp: "2026-06-01T12:00:00Z", activePowerW: 500, energyImportWh: 10, energyExportWh: 0, voltageV: 230, quality: "GOOD", ...over });

function core() {
  const c = new MeterStreamCore({ tariff: flatTariff() });
  c.place({ id: "m1", region: "r", substation: "s", feeder: "f" });
  c.place({ id: "m2", region: "r", substation: "s", feeder: "g" });
  return c;
}

describe("meter stream core: every message path", () => {
  const rows: Array<[string, string | undefined, string, string]> = [
    ["a good reading", "m1/events/reading", reading(), "accepted"],
    ["topic of another shape", "m1/reading", reading(), "rejected:MALFORMED"],
    ["unknown meter's topic", "m9/events/reading", reading({ meterId: "m9" }), "rejected:UNKNOWN_METER"],
    ["payload of another meter on a meter's topic", "m2/events/reading", reading(), "rejected:TOPIC_MISMATCH"],
    ["malformed payload on a known topic", "m1/events/reading", "garbage", "rejected:MALFORMED"],
    ["string where a number is due", "m1/events/reading", reading({ energyImportWh: "10" }), "rejected:NOT_A_NUMBER"],
    ["future timestamp", "m1/events/reading", reading({ timestamp: "2026-06-01T13:00:00Z" }), "rejected:FUTURE_TIMESTAMP"],
    ["no topic, unknown meter", undefined, reading({ meterId: "m9" }), "rejected:UNKNOWN_METER"],
    ["no topic, known meter", undefined, reading(), "accepted"],
  ];
  for (const [name, topic, payload, expected] of rows) {
    it(name, () => {
      const c = core();
      const out = c.ingest(topic, payload, NOW);
      expect(out.kind === "rejected" ? `rejected:${out.reason}` : out.kind).toBe(expected);
      expect(c.counters.received).toBe(1);
      expect(c.counters.rejectedTotal).toBe(expected.startsWith("rejected") ? 1 : 0);
    });
  }

  it("counts per meter where the meter is known, and reports quality", () => {
    const c = core();
    c.ingest("m1/events/reading", "garbage", NOW);
    expect(c.quality("m1", NOW)).toMatchObject({ state: "ERROR", rejected: expect.objectContaining({ MALFORMED: 1 }) });
    c.ingest("m1/events/reading", reading(), NOW);
    c.ingest("m1/events/reading", reading(), NOW);
    expect(c.quality("m1", NOW)).toMatchObject({ state: "GOOD", accepted: 1, duplicates: 1 });
    expect(c.quality("m2", NOW)).toMatchObject({ state: "STALE", lastReadingAt: null });
    expect(c.quality("m9", NOW)).toBeUndefined();
    expect(c.qualitySummary(NOW)).toEqual({ GOOD: 1, STALE: 1, ERROR: 0 });
    expect(c.snapshot(NOW).total).toMatchObject({ demandW: 500, meters: 1, stale: 1 });
    c.resetCounters();
    expect(c.counters.received).toBe(0);
    c.unplace("m1");
    expect(c.ingest("m1/events/reading", reading({ sequence: 2, timestamp: "2026-06-01T12:00:05Z" }), NOW)).toMatchObject({ kind: "rejected", reason: "UNKNOWN_METER" });
  });
});
