/** The Directory view's filters as JSONPath: valid RFC 9535 (json-p3, as the directory parses it), selecting what they say. */
import { jsonpath } from "json-p3";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a browser ES module without types (no DOM use: importable here)
import { distinct, filterQuery, kindOf } from "../../src/console/assets/directory/query.js";

const tds = [
  { id: "b1", "@type": ["saref:Device", "gt:Battery"], "gt:region": "north", "gt:substation": "sub-n1", "gt:feeder": "f-n1a" },
  { id: "b2", "@type": "gt:Battery", "gt:region": "south", "gt:substation": "sub-s1", "gt:feeder": "f-s1c" },
  { id: "pv", "@type": ["gt:PvPlant"], "gt:region": "north", "gt:substation": "sub-n1", "gt:feeder": "f-n1b" },
  { id: "odd", "@type": ["gt:Battery"], "gt:region": "it's" },
];
const ids = (q: string) => (jsonpath.query(q, tds).values() as Array<{ id: string }>).map((t) => t.id);

describe("directory filter queries", () => {
  it("is undefined without filters (the view pages through /things)", () => {
    expect(filterQuery({})).toBeUndefined();
    expect(filterQuery({ kind: "", region: "" })).toBeUndefined();
  });

  it("selects by kind (a string or an array @type), region, substation and feeder together", () => {
    expect(ids(filterQuery({ kind: "gt:Battery" }))).toEqual(["b1", "b2", "odd"]);
    expect(ids(filterQuery({ kind: "gt:Battery", region: "north" }))).toEqual(["b1"]);
    expect(ids(filterQuery({ region: "north" }))).toEqual(["b1", "pv"]);
    expect(ids(filterQuery({ substation: "sub-n1", feeder: "f-n1b" }))).toEqual(["pv"]);
    expect(ids(filterQuery({ kind: "gt:SmartMeter" }))).toEqual([]);
  });

  it("quotes values: an apostrophe or a backslash cannot break out of the literal", () => {
    expect(ids(filterQuery({ region: "it's" }))).toEqual(["odd"]);
    expect(ids(filterQuery({ region: "x' || @.id == 'b1" }))).toEqual([]);
    expect(() => jsonpath.compile(filterQuery({ region: "a\\b" }))).not.toThrow();
  });

  it("names a Thing's kind by its gt: type and lists facet values once, sorted", () => {
    expect(kindOf(tds[0])).toBe("gt:Battery");
    expect(kindOf({ "@type": "saref:Device" })).toBe("saref:Device");
    expect(distinct([["b", "a"], "b", null, "", 3])).toEqual(["a", "b"]);
  });
});
