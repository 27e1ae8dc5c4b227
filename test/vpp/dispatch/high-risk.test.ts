import { describe, expect, it } from "vitest";
import { HighRiskGuard } from "../../../src/vpp/dispatch/high-risk.ts";

const cmd = { thingId: "bess-1", affordance: "target_output_kw", value: 50, reason: "RESIZED at 59.95 Hz" };

describe("HighRiskGuard", () => {
  it("authorizes an operator and numbers each command per Thing", () => {
    const g = new HighRiskGuard({ subject: "vpp", roles: ["operator"] });
    const a = g.authorize(cmd, 0);
    const b = g.authorize(cmd, 1000);
    expect(a).toMatchObject({ kind: "command", subject: "vpp", sequence: 1, at: "1970-01-01T00:00:00.000Z", thingId: "bess-1" });
    expect(b.sequence).toBe(2);
  });

  it("refuses a principal without the operator role", () => {
    const g = new HighRiskGuard({ subject: "someone", roles: ["reader"] });
    expect(() => g.authorize(cmd, 0)).toThrow(expect.objectContaining({ code: "VPP_DISPATCH_UNAUTHORIZED" }));
  });

  it("refuses an expired operator", () => {
    const g = new HighRiskGuard({ subject: "vpp", roles: ["admin"], expiresAt: "1970-01-01T00:00:01Z" });
    expect(g.authorize(cmd, 0).sequence).toBe(1);
    expect(() => g.authorize(cmd, 2000)).toThrow(expect.objectContaining({ code: "VPP_DISPATCH_UNAUTHORIZED" }));
  });

  it("rate-limits per Thing within the window and frees up after it", () => {
    const g = new HighRiskGuard({ subject: "vpp", roles: ["operator"] }, { maxCommands: 2, windowMs: 10_000 });
    g.authorize(cmd, 0);
    g.authorize(cmd, 1);
    expect(() => g.authorize(cmd, 2)).toThrow(expect.objectContaining({ code: "VPP_DISPATCH_RATE_LIMITED" }));
    expect(g.authorize({ ...cmd, thingId: "bess-2" }, 3).sequence).toBe(1);
    expect(g.authorize(cmd, 10_001).sequence).toBe(3);
  });

  it("refuses a bad rate limit", () => {
    expect(() => new HighRiskGuard({ subject: "vpp", roles: ["operator"] }, { maxCommands: 0, windowMs: 1 })).toThrow(/rate limit/);
  });
});
