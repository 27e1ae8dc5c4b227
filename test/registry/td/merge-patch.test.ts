import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import mergePatch from "tiny-merge-patch";
import { createMergePatch } from "../../../registry/td/merge-patch.ts";

const json = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { noNullPrototype: true, maxKeys: 5 });

describe("createMergePatch", () => {
  test.prop([json, json], { numRuns: 200 })("applying the patch to a gives b (b without null members)", (a, b) => {
    const withoutNulls = JSON.parse(JSON.stringify(b, (_k, v) => (v === null ? undefined : v))) as Record<string, unknown>;
    const clean = (o: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(o, (_k, v) => (v === null ? undefined : v)));
    expect(clean(mergePatch(clean(a), createMergePatch(clean(a), withoutNulls)) as Record<string, unknown>)).toEqual(withoutNulls);
  });

  test("removed members become null, unchanged ones are left out", () => {
    expect(createMergePatch({ a: 1, b: { c: 2, d: 3 }, e: 5 }, { a: 1, b: { c: 2 }, f: [1] })).toEqual({ e: null, b: { d: null }, f: [1] });
  });
});
