/** The recent frequency window a new page gets at once, so that its chart is not empty. Pure. */

export interface FrequencyPoint {
  /** The snapshot's sequence number (the SSE event id). */
  seq: number;
  /** Simulated (grid meter) time, ms since the epoch. */
  t: number;
  frequencyHz: number;
  rocofHzPerS: number | null;
}

export class FrequencyHistory {
  private readonly points: FrequencyPoint[] = [];

  /** `capacity` points at most (600 at one sample a second: ten minutes). */
  constructor(private readonly capacity = 600) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  add(point: FrequencyPoint): void {
    const last = this.points[this.points.length - 1];
    // The same meter reading sampled twice adds nothing; a clock going back (a restarted site) starts afresh.
    if (last && point.t === last.t) return;
    if (last && point.t < last.t) this.points.length = 0;
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  /** The window, oldest first; with `afterSeq`, only what came after that event (a reconnect fills its gap). */
  since(afterSeq?: number): FrequencyPoint[] {
    if (afterSeq === undefined) return [...this.points];
    return this.points.filter((p) => p.seq > afterSeq);
  }

  /** The newest `count` points. */
  last(count: number): FrequencyPoint[] {
    return count <= 0 ? [] : this.points.slice(-count);
  }
}
