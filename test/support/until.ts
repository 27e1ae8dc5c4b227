/**
 * Waiting in tests for something that happens on its own time (a tick, a broker round trip, a
 * cycle): poll until it is there, never sleep a fixed time and hope. A loaded CI machine is slow,
 * so the deadlines are generous and a timeout names what did not happen (and the last error seen).
 */

/** Polls `probe` until it returns a value other than undefined, and returns that value. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls `check` until it is true. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 20): Promise<void> {
  await until(what, async () => ((await check()) ? true : undefined), timeoutMs, intervalMs);
}
