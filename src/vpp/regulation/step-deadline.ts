/**
 * Seed 000: `freq_regulate` has `timeout_sec: 5`. A step runs with an abort signal; past the time
 * limit the signal fires, the step's result is dropped (no write after it), and the caller gets a
 * VPP_STEP_TIMEOUT report. Fail-safe means the setpoints already on the devices are held: they
 * were valid when sent, and dropping them to zero would worsen the deviation the step answers.
 * Timers are injected so the behaviour is tested without waiting.
 */
import { vppError } from "../errors.ts";

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type StepOutcome<T> = { ok: true; value: T } | { ok: false; timedOut: boolean; error: Error };

export async function runStepWithDeadline<T>(step: (signal: AbortSignal) => Promise<T>, timeoutMs: number, name: string, timers: Timers = realTimers): Promise<StepOutcome<T>> {
  if (!(timeoutMs > 0)) throw vppError("VPP_BAD_ARGUMENT", `step timeout must be positive, got ${timeoutMs}`);
  const controller = new AbortController();
  let handle: unknown;
  const deadline = new Promise<StepOutcome<T>>((resolve) => {
    handle = timers.setTimeout(() => {
      controller.abort();
      resolve({ ok: false, timedOut: true, error: vppError("VPP_STEP_TIMEOUT", `${name} exceeded ${timeoutMs} ms and was abandoned; setpoints held`, { step: name, timeoutMs }) });
    }, timeoutMs);
  });
  const run = step(controller.signal).then(
    (value): StepOutcome<T> => ({ ok: true, value }),
    (error: unknown): StepOutcome<T> => ({ ok: false, timedOut: false, error: error instanceof Error ? error : new Error(String(error)) }),
  );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    timers.clearTimeout(handle);
  }
}
