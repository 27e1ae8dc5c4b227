import { requireFinite } from "./errors.ts";

/** A clock the caller injects; the simulator itself never reads the wall clock. */
export interface SimClock {
  nowMs(): number;
}

/** Simulated instant after `realElapsedMs` of wall time at `speed` × real time, from `startMs`. */
export function simTimeAt(realElapsedMs: number, speed: number, startMs: number): number {
  requireFinite("realElapsedMs", realElapsedMs, 0);
  requireFinite("speed", speed, Number.MIN_VALUE);
  requireFinite("startMs", startMs);
  return startMs + realElapsedMs * speed;
}

/** A clock that shows whatever the simulator's time is (for Things that stamp readings). */
export function clockOf(source: { time(): number }): SimClock {
  return { nowMs: () => source.time() };
}

/** A hand-moved clock for tests and scripted demos. */
export class ManualClock implements SimClock {
  private current: number;
  constructor(startMs: number) {
    this.current = requireFinite("startMs", startMs);
  }
  nowMs(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = requireFinite("ms", ms, this.current);
  }
  advance(ms: number): void {
    this.current += requireFinite("ms", ms, 0);
  }
}
