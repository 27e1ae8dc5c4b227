/**
 * Seed 004 step 7: a task for the maintenance team when a DER reports a critical hardware error.
 * One open task per device and error code: a repeated event does not open a second one. Pure.
 */
export interface TechnicianTask {
  id: string;
  thingId: string;
  code: string;
  message: string;
  team: "Maintenance";
  createdAt: string;
  status: "open" | "closed";
}

export function technicianTaskFor(open: readonly TechnicianTask[], thingId: string, event: unknown, nowMs: number): TechnicianTask | undefined {
  const e = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  const code = typeof e.code === "string" && e.code !== "" ? e.code : "UNKNOWN_HARDWARE_ERROR";
  if (open.some((t) => t.status === "open" && t.thingId === thingId && t.code === code)) return undefined;
  const at = typeof e.timestamp === "string" && !Number.isNaN(Date.parse(e.timestamp)) ? e.timestamp : new Date(nowMs).toISOString();
  return {
    id: `TASK-${thingId}-${code}-${Date.parse(at)}`,
    thingId,
    code,
    message: typeof e.message === "string" ? e.message.slice(0, 1000) : code,
    team: "Maintenance",
    createdAt: at,
    status: "open",
  };
}
