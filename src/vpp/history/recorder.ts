/**
 * The servient's one hook into the history: `record` once per control step. It turns the step's
 * observation into points and appends them (group commit); a failed write is logged, never thrown
 * into the control loop.
 */
import { logger } from "../../log/logger.ts";
import type { MeterView } from "../aggregation/types.ts";
import { HistoryStore, type HistoryStoreOptions } from "./history-store.ts";
import { pointsOfStep, type StepObservation } from "./step-points.ts";

const log = logger("vpp.history");

/** What the recorder needs of the meter stream: the per-meter views and each meter's Thing id. */
export interface MeterSource {
  meterViews(): MeterView[];
  meters(): ReadonlyArray<{ id: string; thingId: string }>;
}

export type StepRecord = Omit<StepObservation, "meters"> & { metering?: MeterSource | undefined };

export class HistoryRecorder {
  readonly store: HistoryStore;
  private failures = 0;
  /** Each meter's reading instant last recorded: a reading seen again at the next step is not re-sent. */
  private readonly meterSeen = new Map<string, string>();

  constructor(dataDir: string, options?: HistoryStoreOptions) {
    this.store = new HistoryStore(dataDir, options);
  }

  /** Resolves once the step's points are durable (or the failure logged); never rejects. */
  record(step: StepRecord): Promise<void> {
    try {
      const { metering, ...rest } = step;
      let meters: StepObservation["meters"];
      if (metering) {
        const thingIds = new Map(metering.meters().map((m) => [m.id, m.thingId]));
        meters = metering
          .meterViews()
          .filter((v) => v.readingAt !== null && this.meterSeen.get(v.meterId) !== v.readingAt && (this.meterSeen.set(v.meterId, v.readingAt), true))
          .map((v) => ({ ...v, thingId: thingIds.get(v.meterId) ?? v.meterId }));
      }
      return this.store.append(pointsOfStep({ ...rest, ...(meters ? { meters } : {}) })).catch((e: unknown) => this.failed(e));
    } catch (e) {
      this.failed(e);
      return Promise.resolve();
    }
  }

  close(): void {
    this.store.close();
  }

  private failed(e: unknown): void {
    // One line per 100 failures: a full disk must not flood the log at one step a second.
    if (this.failures++ % 100 === 0) log.warn({ err: e, failures: this.failures }, "history points not stored");
  }
}
