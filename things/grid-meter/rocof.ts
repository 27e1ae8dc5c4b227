/**
 * Rate of change of frequency by differentiating successive frequency readings (seed 003: "if
 * your meter does not provide it directly, … differentiating frequency over time"). Pure: the
 * caller passes the instant of each reading.
 */
export class RocofEstimator {
  private last: { hz: number; ms: number } | undefined;
  private value = 0;

  /** Feed one reading; returns Hz/s over the interval since the previous one (0 for the first). */
  update(frequencyHz: number, timeMs: number): number {
    if (!Number.isFinite(frequencyHz) || !Number.isFinite(timeMs)) return this.value;
    const last = this.last;
    if (last !== undefined && timeMs > last.ms) this.value = (frequencyHz - last.hz) / ((timeMs - last.ms) / 1000);
    if (last === undefined || timeMs > last.ms) this.last = { hz: frequencyHz, ms: timeMs };
    return this.value;
  }

  /** Forget the history (after a gap the next reading starts a new difference). */
  reset(): void {
    this.last = undefined;
    this.value = 0;
  }
}
