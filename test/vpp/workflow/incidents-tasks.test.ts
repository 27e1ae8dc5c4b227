import { describe, expect, it } from "vitest";
import { DEFAULT_INCIDENTS, EMPTY_BOOK, observeGrid, validateIncidentConfig, type IncidentBook } from "../../../src/vpp/workflow/incidents.ts";
import { technicianTaskFor } from "../../../src/vpp/workflow/tasks.ts";

const obs = (t: number, f: number, v: number[] = [230, 230, 230]) => ({ timeMs: t * 1000, frequencyHz: f, voltagesV: v });

describe("incidents (seed 004 steps 8 and 14)", () => {
  it("opens a voltage incident beyond the threshold, keeps one per kind, and tracks the worst value", () => {
    let book: IncidentBook = EMPTY_BOOK;
    const a = observeGrid(book, obs(0, 60, [230, 245, 230]));
    expect(a.effects.opened).toHaveLength(1);
    expect(a.effects.opened[0]).toMatchObject({ kind: "VOLTAGE_DEVIATION", worstValue: 245 });
    book = a.book;
    const b = observeGrid(book, obs(1, 60, [200, 230, 230]));
    expect(b.effects.opened).toEqual([]);
    expect(b.effects.updated[0]!.worstValue).toBe(200);
    expect(b.book.active).toHaveLength(1);
  });

  it("does not open one inside the threshold; the threshold is configurable", () => {
    expect(observeGrid(EMPTY_BOOK, obs(0, 60, [240, 230, 230])).effects.opened).toEqual([]);
    expect(observeGrid(EMPTY_BOOK, obs(0, 60, [240, 230, 230]), { ...DEFAULT_INCIDENTS, voltageThreshold: 0.03 }).effects.opened).toHaveLength(1);
  });

  it("opens a frequency excursion incident and archives everything once nominal long enough", () => {
    let { book } = observeGrid(EMPTY_BOOK, obs(0, 59.95, [250, 230, 230]));
    expect(book.active.map((i) => i.kind).sort()).toEqual(["FREQUENCY_EXCURSION", "VOLTAGE_DEVIATION"]);
    book = observeGrid(book, obs(10, 60)).book;
    expect(book.active).toHaveLength(2);
    const r = observeGrid(book, obs(40, 60));
    expect(r.effects.archived).toHaveLength(2);
    expect(r.book.active).toEqual([]);
    expect(r.book.archived.every((i) => i.archivedAt === new Date(40_000).toISOString())).toBe(true);
  });

  it("restarts the nominal hold when the grid deviates again", () => {
    let { book } = observeGrid(EMPTY_BOOK, obs(0, 59.95));
    book = observeGrid(book, obs(10, 60)).book;
    book = observeGrid(book, obs(20, 59.9)).book;
    expect(observeGrid(book, obs(45, 60)).book.active).toHaveLength(1);
  });

  it("refuses a bad configuration", () => {
    expect(() => validateIncidentConfig({ ...DEFAULT_INCIDENTS, voltageThreshold: 0 })).toThrow(/threshold/);
    expect(() => validateIncidentConfig({ ...DEFAULT_INCIDENTS, nominalHz: -1 })).toThrow();
  });

  it("ignores NaN voltages", () => {
    expect(observeGrid(EMPTY_BOOK, obs(0, 60, [Number.NaN])).effects.opened).toEqual([]);
  });
});

describe("technician tasks (seed 004 step 7)", () => {
  it("creates one open task per device and code", () => {
    const t = technicianTaskFor([], "bess-1", { code: "CELL_OVERTEMP", message: "cell 4 at 70 °C", timestamp: "2026-06-21T19:00:00Z" }, 0)!;
    expect(t).toMatchObject({ thingId: "bess-1", code: "CELL_OVERTEMP", team: "Maintenance", status: "open", createdAt: "2026-06-21T19:00:00Z" });
    expect(technicianTaskFor([t], "bess-1", { code: "CELL_OVERTEMP" }, 0)).toBeUndefined();
    expect(technicianTaskFor([t], "bess-2", { code: "CELL_OVERTEMP" }, 0)).toBeDefined();
    expect(technicianTaskFor([{ ...t, status: "closed" }], "bess-1", { code: "CELL_OVERTEMP" }, 0)).toBeDefined();
  });

  it("copes with a malformed event", () => {
    expect(technicianTaskFor([], "bess-1", "nonsense", 5000)).toMatchObject({ code: "UNKNOWN_HARDWARE_ERROR", createdAt: "1970-01-01T00:00:05.000Z" });
    expect(technicianTaskFor([], "bess-1", { code: 5, timestamp: "never" }, 0)!.code).toBe("UNKNOWN_HARDWARE_ERROR");
  });
});
