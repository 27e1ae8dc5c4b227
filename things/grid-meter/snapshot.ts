/** What every grid-meter source (adapter, virtual meter) serves: the seed 003 channels, Timestamp and quality. */
import type { GridMeterChannels, Quality } from "../../src/sim/index.ts";
import { CHANNEL_NAMES } from "./channels.ts";

export interface GridMeterSnapshot extends GridMeterChannels {
  /** UTC ISO 8601 instant of the reading the values come from. */
  Timestamp: string;
  quality: Quality;
}

export interface GridMeterSource {
  snapshot(): GridMeterSnapshot;
  /** Called after every new reading or quality change; returns an unsubscribe function. */
  onChange(listener: (snapshot: GridMeterSnapshot) => void): () => void;
}

/** Before the first good reading: zeros at the epoch, never presented as GOOD. */
export function emptySnapshot(quality: Quality): GridMeterSnapshot {
  const zeros = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, 0])) as unknown as GridMeterChannels;
  return { ...zeros, Timestamp: new Date(0).toISOString(), quality };
}
