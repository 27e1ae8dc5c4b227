/**
 * The VPP knows time only from its Things: the grid meter's `Timestamp`. Between two samples it
 * extrapolates with the observed rate (simulated ms per real ms), so a site run at --speed 10
 * still gets a consistent "now" for reading validation. Pure apart from the injected wall clock.
 */
export class ObservedClock {
  private lastSampleMs: number | undefined;
  private lastWallMs = 0;
  private rate = 1;

  constructor(private readonly wall: () => number = Date.now) {}

  get known(): boolean {
    return this.lastSampleMs !== undefined;
  }

  get speed(): number {
    return this.rate;
  }

  observe(sampleMs: number): void {
    if (!Number.isFinite(sampleMs)) return;
    const wall = this.wall();
    if (this.lastSampleMs !== undefined && sampleMs > this.lastSampleMs && wall > this.lastWallMs) {
      const r = (sampleMs - this.lastSampleMs) / (wall - this.lastWallMs);
      if (r > 0 && r < 10_000) this.rate = 0.7 * this.rate + 0.3 * r;
    }
    if (this.lastSampleMs === undefined || sampleMs >= this.lastSampleMs) {
      this.lastSampleMs = sampleMs;
      this.lastWallMs = wall;
    }
  }

  now(): number {
    if (this.lastSampleMs === undefined) return this.wall();
    return this.lastSampleMs + (this.wall() - this.lastWallMs) * this.rate;
  }
}
