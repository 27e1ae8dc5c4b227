/**
 * The audit of allocation write-back (Apply Allocations): every limit written to a device, once
 * before it is sent and once with its result, on its own append-only stream `allocation_writes`.
 */

/** Why a limit is written: a cycle's allocation, or a fail-safe value (D-012). */
export const ALLOCATION_WRITE_TRIGGERS = ["CYCLE_APPLIED", "CYCLE_CURTAILED", "CYCLE_REJECTED", "CYCLE_STALE"] as const;
export type AllocationWriteTrigger = (typeof ALLOCATION_WRITE_TRIGGERS)[number];

export const ALLOCATION_WRITE_REQUESTED = "microgrid.allocation_write_requested";
export const ALLOCATION_WRITE_COMPLETED = "microgrid.allocation_write_completed";

export interface AllocationWrite {
  /** One id for the requested and completed records of one write. */
  write_id: string;
  microgrid_id: string;
  /** The cycle whose allocation is written; for CYCLE_STALE / CYCLE_REJECTED the last cycle seen, or null. */
  cycle_id: string | null;
  trigger: AllocationWriteTrigger;
  node_id: string;
  /** Title of the device Thing written to. */
  thing: string;
  affordance: "chargingLimit" | "setConnectorLimit";
  connector_id: string | null;
  /** The value written, W; null lifts the limit. */
  limit_watts: number | null;
  result: "REQUESTED" | "OK" | "FAILED";
  /** On FAILED: the device's or the transport's error code and message. */
  error_code: string | null;
  error: string | null;
}
