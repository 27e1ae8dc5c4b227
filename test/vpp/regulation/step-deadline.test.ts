import { describe, expect, it } from "vitest";
import { runStepWithDeadline, type Timers } from "../../../src/vpp/regulation/step-deadline.ts";

/** Timers fired by hand: no waiting in the test. */
function manualTimers(): Timers & { fire(): void; pending: number } {
  const fns = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => (fns.set(++next, fn), next),
    clearTimeout: (h) => void fns.delete(h as number),
    fire: () => {
      for (const [k, fn] of [...fns]) (fns.delete(k), fn());
    },
    get pending() {
      return fns.size;
    },
  };
}

describe("runStepWithDeadline (seed 000: 5 s per regulation step)", () => {
  it("returns the step's value and clears its timer", async () => {
    const t = manualTimers();
    expect(await runStepWithDeadline(async () => 42, 5000, "freq_regulate", t)).toEqual({ ok: true, value: 42 });
    expect(t.pending).toBe(0);
  });

  it("abandons a step past its deadline, aborts its signal and reports VPP_STEP_TIMEOUT", async () => {
    const t = manualTimers();
    let signal: AbortSignal | undefined;
    let wroteAfterDeadline = false;
    let release!: () => void;
    const outcome = runStepWithDeadline(
      async (s) => {
        signal = s;
        await new Promise<void>((r) => (release = r));
        if (!s.aborted) wroteAfterDeadline = true;
        return 1;
      },
      5000,
      "freq_regulate",
      t,
    );
    await Promise.resolve();
    t.fire();
    const r = await outcome;
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.timedOut).toBe(true);
    expect(r.ok === false && (r.error as { code?: string }).code).toBe("VPP_STEP_TIMEOUT");
    expect(signal?.aborted).toBe(true);
    release();
    await new Promise((r) => setImmediate(r));
    expect(wroteAfterDeadline).toBe(false);
  });

  it("reports a failing step without calling it a timeout", async () => {
    const r = await runStepWithDeadline(async () => Promise.reject(new Error("boom")), 5000, "x", manualTimers());
    expect(r).toMatchObject({ ok: false, timedOut: false });
  });

  it("refuses a non-positive timeout", async () => {
    await expect(runStepWithDeadline(async () => 1, 0, "x")).rejects.toThrow(/positive/);
  });
});
