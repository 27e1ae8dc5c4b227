/**
 * publishTd: Thing-level forms that nothing is left of are left out (an empty `forms` array breaks
 * the TD schema), so a TD is valid as exposed.
 */
import { describe, expect, it } from "vitest";
import { publishTd, type JsonObject } from "../../src/wot/published-td.ts";
import { validateTdSchema } from "../../src/td/td-validator.ts";

function liveTd(thingOps: string[]): JsonObject {
  return {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    title: "agg",
    id: "urn:test:agg",
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: ["nosec_sc"],
    properties: {
      total: { type: "number", readOnly: true, forms: [{ href: "http://127.0.0.1:1/agg/properties/total", op: ["readproperty"] }] },
      households: { type: "object", readOnly: true, forms: [{ href: "http://127.0.0.1:1/agg/properties/households", op: ["readproperty"] }] },
    },
    forms: thingOps.map((op) => ({ href: `http://127.0.0.1:1/agg/properties`, op: [op] })),
  };
}

const options = (privateReads: string[]) => ({ name: "agg", protocols: new Set(["http" as const]), powerChanging: new Set<string>(), privateReads: new Set(privateReads) });

describe("publishTd Thing-level forms", () => {
  it("leaves `forms` out when the only ones were read-all forms of a Thing with private properties, and the TD validates", () => {
    const td = publishTd(liveTd(["readallproperties", "readmultipleproperties"]), options(["properties/households"]));
    expect("forms" in td).toBe(false);
    expect(validateTdSchema(td)).toEqual([]);
  });

  it("leaves `forms` out when only operations node-wot does not route were offered", () => {
    const td = publishTd(liveTd(["writeallproperties", "observeallproperties"]), options([]));
    expect("forms" in td).toBe(false);
    expect(validateTdSchema(td)).toEqual([]);
  });

  it("keeps the read-all form when no property is private", () => {
    const td = publishTd(liveTd(["readallproperties"]), options([]));
    expect(td.forms).toEqual([{ href: "http://127.0.0.1:1/agg/properties", op: "readallproperties" }]);
    expect(validateTdSchema(td)).toEqual([]);
  });

  it("does not touch a TD without Thing-level forms, nor its input", () => {
    const live = liveTd([]);
    delete live.forms;
    const before = structuredClone(live);
    expect("forms" in publishTd(live, options(["properties/households"]))).toBe(false);
    expect(live).toEqual(before);
  });
});
