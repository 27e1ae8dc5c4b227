import { describe, expect, it } from "vitest";
import { instantiate, mergeContexts, resolvePath, type JsonObject } from "../../src/tm/instantiate.ts";
import { isCodedError } from "../../src/errors/coded-error.ts";

const files: Record<string, JsonObject> = {
  "base.tm.json": {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1", { a: "https://a.example/" }],
    "@type": "tm:ThingModel",
    title: "base",
    version: { model: "2.1.0" },
    id: "urn:x:{{ID}}",
    properties: { shared: { type: "number", unit: "W", readOnly: true } },
  },
  "parts/frag.tm.json": {
    "@type": "tm:ThingModel",
    properties: { p: { type: "number", minimum: 0, maximum: "{{MAX}}", unit: "W" } },
  },
  "child.tm.json": {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1", { b: "https://b.example/" }],
    "@type": ["tm:ThingModel", "b:Thing"],
    title: "{{ID}} child",
    links: [{ rel: "tm:extends", href: "./base.tm.json", type: "application/tm+json" }, { rel: "manual", href: "https://m.example/" }],
    "tm:optional": ["/properties/opt"],
    properties: {
      limited: { "tm:ref": "./parts/frag.tm.json#/properties/p", title: "limited" },
      shared: { readOnly: false },
      opt: { type: "string" },
    },
  },
  "cycle-a.tm.json": { "@type": "tm:ThingModel", links: [{ rel: "tm:extends", href: "./cycle-b.tm.json" }] },
  "cycle-b.tm.json": { "@type": "tm:ThingModel", links: [{ rel: "tm:extends", href: "./cycle-a.tm.json" }] },
  "bad-ref.tm.json": { "@type": "tm:ThingModel", properties: { x: { "tm:ref": "./parts/frag.tm.json#/properties/nope" } } },
};
const load = (path: string) => {
  const doc = files[path];
  if (!doc) throw new Error(`no file ${path}`);
  return structuredClone(doc);
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isCodedError(e) ? e.code : "not-coded";
  }
  return undefined;
}

describe("Thing Model instantiation", () => {
  const td = instantiate(load, { model: "child.tm.json", values: { ID: "dev-1", MAX: 5000 }, modelHref: "http://h/models/child.tm.json" });

  it("merges tm:extends parents under the child, the child winning", () => {
    expect(td.id).toBe("urn:x:dev-1");
    expect((td.properties as JsonObject).shared).toEqual({ type: "number", unit: "W", readOnly: false });
  });

  it("resolves tm:ref relative to the referring file, with local overrides", () => {
    expect((td.properties as JsonObject).limited).toEqual({ type: "number", minimum: 0, maximum: 5000, unit: "W", title: "limited" });
  });

  it("substitutes placeholders, numbers where the whole value is a placeholder", () => {
    expect(td.title).toBe("dev-1 child");
    expect(((td.properties as JsonObject).limited as JsonObject).maximum).toBe(5000);
  });

  it("merges @context prefix maps and drops tm:ThingModel from @type", () => {
    expect(td["@context"]).toEqual(["https://www.w3.org/2022/wot/td/v1.1", { a: "https://a.example/", b: "https://b.example/" }]);
    expect(td["@type"]).toEqual(["b:Thing"]);
  });

  it("drops tm:optional affordances not asked for and keeps those asked for", () => {
    expect((td.properties as JsonObject).opt).toBeUndefined();
    const kept = instantiate(load, { model: "child.tm.json", values: { ID: "d", MAX: 1 }, keepOptional: ["properties/opt"] });
    expect((kept.properties as JsonObject).opt).toEqual({ type: "string" });
    expect(kept["tm:optional"]).toBeUndefined();
  });

  it("keeps other links, adds rel=type to the model, turns version.model into the TD version", () => {
    expect(td.links).toEqual([{ rel: "manual", href: "https://m.example/" }, { rel: "type", href: "http://h/models/child.tm.json", type: "application/tm+json" }]);
    expect(td.version).toEqual({ instance: "2.1.0", model: "2.1.0" });
  });

  it("fails with coded errors for a missing placeholder, a cycle, a dangling pointer and a missing file", () => {
    expect(codeOf(() => instantiate(load, { model: "child.tm.json", values: { ID: "x" } }))).toBe("TM_PLACEHOLDER_MISSING");
    expect(codeOf(() => instantiate(load, { model: "cycle-a.tm.json", values: {} }))).toBe("TM_CYCLE");
    expect(codeOf(() => instantiate(load, { model: "bad-ref.tm.json", values: {} }))).toBe("TM_REF_INVALID");
    expect(codeOf(() => instantiate(load, { model: "nope.tm.json", values: {} }))).toBe("TM_NOT_FOUND");
  });

  it("resolves relative paths and merges contexts", () => {
    expect(resolvePath("a/b/c.tm.json", "../d.tm.json")).toBe("a/d.tm.json");
    expect(resolvePath("c.tm.json", "./x/y.tm.json")).toBe("x/y.tm.json");
    expect(mergeContexts("https://td", ["https://td", { x: "y" }])).toEqual(["https://td", { x: "y" }]);
  });
});
