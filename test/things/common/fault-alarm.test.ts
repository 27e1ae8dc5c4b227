import { describe, expect, it } from "vitest";
import { faultAlarm } from "../../../things/common/fault-alarm.ts";

describe("faultAlarm", () => {
  it("raises an alarm when a fault appears, changes or clears, and stays quiet while it holds", () => {
    const events: Array<[string, unknown]> = [];
    const onTick = faultAlarm({ emitEvent: (name: string, data: unknown) => void events.push([name, data]) });
    const overheat = { code: "OVERTEMP", message: "cell temperature high", critical: true };
    expect(onTick(null, "t0")).toBe(false);
    expect(onTick(overheat, "t1")).toBe(true);
    expect(onTick(overheat, "t2")).toBe(false);
    expect(onTick({ code: "COMMS", message: "lost BMS link", critical: false }, "t3")).toBe(true);
    expect(onTick(null, "t4")).toBe(true);
    expect(onTick(null, "t5")).toBe(false);
    expect(events).toEqual([
      ["alarm", { code: "OVERTEMP", message: "cell temperature high", critical: true, timestamp: "t1" }],
      ["alarm", { code: "COMMS", message: "lost BMS link", critical: false, timestamp: "t3" }],
      ["alarm", { code: "FAULT_CLEARED", message: "fault COMMS cleared", critical: false, timestamp: "t4" }],
    ]);
  });
});
