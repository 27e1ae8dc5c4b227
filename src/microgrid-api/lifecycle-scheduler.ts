import { logger } from "../log/logger.ts";
import type { MicrogridService } from "./service.ts";

const log = logger("microgrid.scheduler");

export interface SchedulerOptions {
  /** Longest sleep between evaluations even when no boundary is due (catches clock jumps), ms. */
  maxDelayMs?: number;
  /** When set, every microgrid gets a ScheduledEventRebalancePeriodic{microgrid_id} at this period, ms. */
  rebalanceIntervalMs?: number;
}

/**
 * The envelope lifecycle scheduler driver (FR-032, D-023): sleeps until the next block boundary,
 * envelope expiry or forecast-source staleness, then asks the service to evaluate. Also drives the
 * periodic rebalance of every microgrid when configured. The only place in the microgrid with timers.
 */
export class EnvelopeLifecycleScheduler {
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private readonly maxDelayMs: number;

  constructor(private readonly service: MicrogridService, private readonly options: SchedulerOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.service.onScheduleChange(() => this.arm());
    void this.tick();
    if (this.options.rebalanceIntervalMs) {
      this.periodic = setInterval(() => void this.rebalanceAll(), this.options.rebalanceIntervalMs);
      this.periodic.unref();
    }
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.periodic) clearInterval(this.periodic);
    this.timer = undefined;
    this.periodic = undefined;
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.service.nextLifecycleInstant();
    const delay = next === null ? this.maxDelayMs : Math.min(this.maxDelayMs, Math.max(0, next.getTime() - this.service.now().getTime()));
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      await this.service.evaluateLifecycle();
    } catch (e) {
      log.error({ err: e }, "lifecycle evaluation failed");
    }
    this.arm();
  }

  private async rebalanceAll(): Promise<void> {
    for (const m of this.service.listMicrogrids()) {
      try {
        await this.service.scheduledRebalance({ microgrid_id: m.microgrid_id });
      } catch (e) {
        log.warn({ err: e, microgrid_id: m.microgrid_id }, "periodic rebalance failed");
      }
    }
  }
}
