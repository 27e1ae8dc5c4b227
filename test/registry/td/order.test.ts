import { describe, expect, test } from "vitest";
import { fc, test as prop } from "@fast-check/vitest";
import { compareCodePoints, sortedIndex } from "../../../registry/td/order.ts";

function byCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

describe("compareCodePoints", () => {
  test("puts astral characters after U+E000–U+FFFF, unlike UTF-16 comparison", () => {
    const ids = ["urn:\u{1F600}", "urn:\uFF21", "urn:a"];
    expect([...ids].sort(compareCodePoints)).toEqual(["urn:a", "urn:\uFF21", "urn:\u{1F600}"]);
    expect([...ids].sort()).not.toEqual([...ids].sort(compareCodePoints));
  });

  prop.prop([fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" })])("agrees in sign with code point order", (a, b) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(byCodePoints(a, b)));
  });

  test("sortedIndex finds the insertion point", () => {
    const sorted = ["a", "c", "e"];
    expect(sortedIndex(sorted, "a")).toBe(0);
    expect(sortedIndex(sorted, "d")).toBe(2);
    expect(sortedIndex(sorted, "z")).toBe(3);
    expect(sortedIndex([], "x")).toBe(0);
  });
});
