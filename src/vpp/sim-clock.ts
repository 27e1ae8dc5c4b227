/**
 * The VPP knows time only from its Things: the grid meter's `Timestamp`. Between samples it
 * extrapolates at the observed rate (simulated ms per real ms, measured from the first sample to
 * the latest, so it is steady), so a site run at --speed 100 still gets a consistent "now" for
 * reading validation. Pure apart from the injected wall clock.
 */
export class ObservedClock {
  private first: { sampleMs: number; wallMs: number } | undefined;
  private last: { sampleMs: number; wallMs: number } | undefined;

  constructor(private readonly wall: () => number = Date.now) {}

  get known(): boolean {
    return this.last !== undefined;
  }

  /** Real milliseconds the rate is measured over. */
  get spanMs(): number {
    return this.first && this.last ? this.last.wallMs - this.first.wallMs : 0;
  }

  get speed(): number {
    if (!this.first || !this.last || this.spanMs < 500 || this.last.sampleMs <= this.first.sampleMs) return 1;
    return (this.last.sampleMs - this.first.sampleMs) / this.spanMs;
  }

  observe(sampleMs: number): void {
    if (!Number.isFinite(sampleMs)) return;
    const wallMs = this.wall();
    if (!this.first || !this.last) {
      this.first = { sampleMs, wallMs };
      this.last = { sampleMs, wallMs };
      return;
    }
    if (sampleMs >= this.last.sampleMs) this.last = { sampleMs, wallMs };
  }

  now(): number {
    if (!this.last) return this.wall();
    return this.last.sampleMs + (this.wall() - this.last.wallMs) * this.speed;
  }
}
