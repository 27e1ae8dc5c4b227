import { describe, expect, it } from "vitest";
import { jsonpath } from "json-p3";
import { ensembleFilter, ensembleJsonPath, placementOf, roleOf } from "../../../src/vpp/discovery/roles.ts";

const td = (id: string, type: string[], placement: Record<string, string> = {}) => ({ id, "@type": type, ...Object.fromEntries(Object.entries(placement).map(([k, v]) => [`gt:${k}`, v])) });
const tds = [
  td("b1", ["saref:Device", "gt:Battery"], { region: "north", feeder: "f1" }),
  td("b2", ["saref:Device", "gt:Battery"], { region: "south", feeder: "f9" }),
  td("pv1", ["gt:PvPlant"], { region: "north", feeder: "f2" }),
  td("m1", ["saref:Meter", "gt:SmartMeter"], { region: "north", feeder: "f1" }),
  td("gm", ["saref:Meter", "gt:GridMeter"]),
  td("w", ["gt:WeatherService"]),
  td("x", ["saref:Device"]),
  { id: "y", "@type": "gt:WindPlant" },
];

describe("ensemble roles (seed 001 ensemble discovery)", () => {
  it("maps semantic types to roles", () => {
    expect(tds.map(roleOf)).toEqual(["battery", "battery", "pv", "meter", "grid-meter", "weather", undefined, "wind"]);
  });

  it("filters by role and placement; site-wide Things always belong", () => {
    const f = ensembleFilter(["battery", "pv", "grid-meter", "weather"], { region: "north" });
    expect(tds.filter(f).map((t) => t.id)).toEqual(["b1", "pv1", "gm", "w"]);
    expect(tds.filter(ensembleFilter(["battery"], { feeder: "f9" })).map((t) => t.id)).toEqual(["b2"]);
    expect(ensembleFilter(["battery"])({ "@type": ["gt:Battery"] })).toBe(false);
  });

  it("reads the placement terms", () => {
    expect(placementOf(tds[0]!)).toEqual({ region: "north", substation: undefined, feeder: "f1" });
  });

  it("gives a JSONPath that finds the same Things in the directory", () => {
    const roles = ["battery", "pv", "wind"] as const;
    const found = jsonpath.query(ensembleJsonPath([...roles]), tds as never).values().map((t) => (t as { id: string }).id);
    expect(found.sort()).toEqual(tds.filter(ensembleFilter([...roles])).map((t) => t.id).sort());
  });
});
