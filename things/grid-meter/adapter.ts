/**
 * The protocol adapter of seed 003: polls a Modbus meter through its TD with node-wot's Modbus
 * client every `pollSeconds`, converts the vendor registers to the seed 003 channels (units, sign
 * inversion, derived channels, RoCoF), stamps the Timestamp and keeps the quality honest: a failed
 * or dropped-out poll never refreshes the values or the Timestamp. Works the same for the
 * simulated stand-in and a real meter (its TD is generated from the map, host and unit id).
 * Lifecycle: construct, `start()` (first poll awaited), `stop()`.
 */
import type { RegisterMap } from "../../src/modbus/register-map.ts";
import type { RegisterReadResult } from "../../src/wot/modbus-reader.ts";
import { logger } from "../../src/log/logger.ts";
import { channelsFromRegisters, checkMapFeedsChannels, completeChannels } from "./channels.ts";
import { gridMeterError } from "./errors.ts";
import { gridMeterQuality, type PollHistory } from "./quality.ts";
import { RocofEstimator } from "./rocof.ts";
import { emptySnapshot, type GridMeterSnapshot, type GridMeterSource } from "./snapshot.ts";
import type { GridMeterChannels } from "../../src/sim/index.ts";

const log = logger("things.grid-meter.adapter");

/** Modbus exception 0B: the device (or the gateway in front of it) has no fresh data. */
const DROPOUT_EXCEPTION = 0x0b;

export interface MeterRegisterReader {
  readRegisters(names?: readonly string[]): Promise<RegisterReadResult>;
}

export interface GridMeterAdapterOptions {
  /** The consumed meter (a ModbusDevice from the node-wot reader). */
  device: MeterRegisterReader;
  map: RegisterMap;
  pollSeconds: number;
  /** Clock of the polling, ms: staleness is judged against it. */
  now: () => number;
  /** Clock of the Timestamp, ms (the simulated time for a simulated site); default `now`. */
  stampNow?: () => number;
  /** Poll by itself every pollSeconds (default true); false: the caller calls `poll()`. */
  timer?: boolean;
}

export class GridMeterAdapter implements GridMeterSource {
  private readonly pollMs: number;
  private readonly registers: string[];
  private readonly rocof = new RocofEstimator();
  private readonly listeners = new Set<(s: GridMeterSnapshot) => void>();
  private readonly history: PollHistory = {};
  private channels: GridMeterChannels | undefined;
  private stampMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastQuality: GridMeterSnapshot["quality"] | undefined;
  polls = 0;
  failedPolls = 0;

  constructor(private readonly options: GridMeterAdapterOptions) {
    if (!Number.isFinite(options.pollSeconds) || options.pollSeconds <= 0 || options.pollSeconds > 3600) {
      throw gridMeterError("GRID_METER_CONFIG_INVALID", `pollSeconds ${options.pollSeconds} is not in (0, 3600]`);
    }
    checkMapFeedsChannels(options.map);
    this.pollMs = options.pollSeconds * 1000;
    this.registers = options.map.registers.filter((r) => r.channel !== undefined).map((r) => r.name);
  }

  async start(): Promise<void> {
    await this.poll();
    if (this.options.timer !== false && !this.timer) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.timer.unref?.();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One poll; a poll still in flight is not doubled (it counts as missed for staleness). */
  poll(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.pollOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async pollOnce(): Promise<void> {
    const atMs = this.options.now();
    const stampMs = (this.options.stampNow ?? this.options.now)();
    this.polls++;
    let result: RegisterReadResult;
    try {
      result = await this.options.device.readRegisters(this.registers);
    } catch (error) {
      result = { values: {}, failures: { "*": { kind: "other", message: (error as Error).message } } };
    }
    const failures = Object.values(result.failures);
    if (failures.length > 0) {
      this.failedPolls++;
      const dropout = failures.every((f) => f.modbusCode === DROPOUT_EXCEPTION);
      this.history.lastOutcome = { ok: false, atMs, dropout };
      log.debug({ failures: result.failures, dropout }, "grid meter poll failed");
    } else {
      const measured = channelsFromRegisters(this.options.map, result.values);
      const rocof = measured.Frequency_RoCoF ?? this.rocof.update(measured.Frequency ?? Number.NaN, stampMs);
      this.channels = completeChannels(measured, rocof);
      this.stampMs = stampMs;
      this.history.lastGoodMs = atMs;
      this.history.lastOutcome = { ok: true, atMs };
    }
    this.notify();
  }

  snapshot(): GridMeterSnapshot {
    const quality = gridMeterQuality(this.history, this.options.now(), this.pollMs);
    if (!this.channels) return emptySnapshot(quality === "GOOD" ? "STALE" : quality);
    return { ...this.channels, Timestamp: new Date(this.stampMs).toISOString(), quality };
  }

  onChange(listener: (s: GridMeterSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    const snapshot = this.snapshot();
    if (snapshot.quality !== this.lastQuality) log.info({ quality: snapshot.quality }, "grid meter quality");
    this.lastQuality = snapshot.quality;
    for (const listener of this.listeners) listener(snapshot);
  }
}
