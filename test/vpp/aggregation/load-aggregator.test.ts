import { describe, expect, it } from "vitest";
import { LoadAggregator } from "../../../src/vpp/aggregation/load-aggregator.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");

describe("load aggregation", () => {
  it("sums fresh meters by feeder, substation and region; stale ones are counted apart", () => {
    const agg = new LoadAggregator(45_000);
    agg.place({ id: "a", region: "north", substation: "s1", feeder: "f1" });
    agg.place({ id: "b", region: "north", substation: "s1", feeder: "f1" });
    agg.place({ id: "c", region: "north", substation: "s2", feeder: "f1" }); // same feeder name, other substation
    agg.place({ id: "d", region: "south", substation: "s9", feeder: "f9" });
    agg.place({ id: "e", region: "south", substation: "s9", feeder: "f9" }); // never read
    agg.update("a", 1000, NOW - 1000);
    agg.update("b", -400, NOW - 2000);
    agg.update("c", 250.04, NOW);
    agg.update("d", 3000, NOW - 60_000); // stale
    agg.update("a", 9999, NOW - 5000); // late: older than the latest, ignored
    agg.update("zz", 1, NOW); // unknown: ignored
    const s = agg.snapshot(NOW);
    expect(s.total).toMatchObject({ key: "all", demandW: 850, importW: 1250, exportW: 400, meters: 3, stale: 2, newestReadingAt: new Date(NOW).toISOString() });
    expect(s.regions.map((r) => [r.key, r.demandW, r.meters, r.stale])).toEqual([
      ["north", 850, 3, 0],
      ["south", 0, 0, 2],
    ]);
    expect(s.substations.map((r) => [r.key, r.demandW])).toEqual([
      ["north/s1", 600],
      ["north/s2", 250],
      ["south/s9", 0],
    ]);
    expect(s.feeders.map((r) => [r.key, r.feeder, r.demandW])).toEqual([
      ["north/s1/f1", "f1", 600],
      ["north/s2/f1", "f1", 250],
      ["south/s9/f9", "f9", 0],
    ]);
    expect(JSON.stringify(s)).not.toMatch(/"a"|"b"|meterId/); // aggregates only
    expect(agg.meterView("a", NOW)).toEqual({ meterId: "a", region: "north", substation: "s1", feeder: "f1", activePowerW: 1000, readingAt: new Date(NOW - 1000).toISOString(), fresh: true });
    expect(agg.meterView("e", NOW)).toMatchObject({ activePowerW: null, fresh: false });
    expect(agg.meterView("zz", NOW)).toBeUndefined();
    agg.remove("c");
    expect(agg.snapshot(NOW).total.meters).toBe(2);
    expect(agg.meterViews(NOW).map((v) => v.meterId)).toEqual(["a", "b", "d", "e"]);
  });

  it("an empty ensemble aggregates to zero", () => {
    const s = new LoadAggregator(1000).snapshot(NOW);
    expect(s.total).toMatchObject({ demandW: 0, meters: 0, stale: 0, newestReadingAt: null });
    expect(s.regions).toEqual([]);
  });
});
