import type { DeviceFault } from "../../src/sim/index.ts";
import type { HostedThing } from "../../src/wot/hosted-thing-impl.ts";

/**
 * The `alarm` event every device Thing raises when its fault appears, changes or clears. Call the
 * returned function on each tick; it answers true when the fault changed (and the alarm went out).
 */
export function faultAlarm(thing: Pick<HostedThing, "emitEvent">): (fault: DeviceFault | null, timestamp: string) => boolean {
  let last: string | null = null;
  return (fault, timestamp) => {
    const code = fault ? fault.code : null;
    if (code === last) return false;
    thing.emitEvent(
      "alarm",
      fault ? { code: fault.code, message: fault.message, critical: fault.critical, timestamp } : { code: "FAULT_CLEARED", message: `fault ${last} cleared`, critical: false, timestamp },
    );
    last = code;
    return true;
  };
}
