import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import mergePatch from "tiny-merge-patch";
import { createMergePatch } from "../../../registry/td/merge-patch.ts";

// `__proto__` members are out of this property's domain: the directory refuses bodies that carry them
// (BODY_NOT_JSON) and the reference applier, tiny-merge-patch, deliberately skips them. The unit test
// below checks that createMergePatch itself keeps such a member as an own property.
const noProto = (v: unknown): boolean => !JSON.stringify(v).includes('"__proto__"');
const json = fc
  .dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { noNullPrototype: true, maxKeys: 5 })
  .filter(noProto);

describe("createMergePatch", () => {
  test.prop([json, json], { numRuns: 200 })("applying the patch to a gives b (b without null members)", (a, b) => {
    const withoutNulls = JSON.parse(JSON.stringify(b, (_k, v) => (v === null ? undefined : v))) as Record<string, unknown>;
    const clean = (o: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(o, (_k, v) => (v === null ? undefined : v)));
    expect(clean(mergePatch(clean(a), createMergePatch(clean(a), withoutNulls)) as Record<string, unknown>)).toEqual(withoutNulls);
  });

  test("a member named __proto__ becomes an own member of the patch, not its prototype", () => {
    const to = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
    const patch = createMergePatch({}, to);
    expect(Object.getPrototypeOf(patch)).toBe(Object.prototype);
    expect(Object.hasOwn(patch, "__proto__")).toBe(true);
    expect(JSON.stringify(patch)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  test("removed members become null, unchanged ones are left out", () => {
    expect(createMergePatch({ a: 1, b: { c: 2, d: 3 }, e: 5 }, { a: 1, b: { c: 2 }, f: [1] })).toEqual({ e: null, b: { d: null }, f: [1] });
  });
});
