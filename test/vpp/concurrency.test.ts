import { describe, expect, it } from "vitest";
import { mapLimit } from "../../src/vpp/concurrency.ts";

describe("mapLimit", () => {
  it("keeps order and never exceeds the limit", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 4, 3, 2, 1, 0], 2, async (x, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return x * 10 + i;
    });
    expect(out).toEqual([50, 41, 32, 23, 14, 5]);
    expect(most).toBe(2);
  });
  it("handles empty input and propagates a failure", async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    await expect(mapLimit([1], 0, async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
  });
});
