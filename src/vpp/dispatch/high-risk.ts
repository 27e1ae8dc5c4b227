/**
 * Storage dispatch is high-risk (seed 000 `security.risk_level: high`; seed 001 trust): every
 * command is authorized (operator role), rate-limited per Thing, and produces an audit entry that
 * the caller makes durable before the command is sent. Pure: the clock is passed in.
 */
import { hasRole, type Principal } from "../../auth/roles.ts";
import { vppError } from "../errors.ts";

export interface HighRiskCommand {
  thingId: string;
  /** The affordance written or invoked, e.g. `target_output_kw`, `droopSettings`, `curtailmentLimit`. */
  affordance: string;
  value: unknown;
  /** Why: the regulation reason and the frequency it answers. */
  reason: string;
}

export interface AuditEntry extends HighRiskCommand {
  kind: "command";
  subject: string;
  at: string;
  /** Sequence number of this command for this Thing since start. */
  sequence: number;
}

export interface RateLimit {
  /** Commands allowed per Thing and window. */
  maxCommands: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { maxCommands: 30, windowMs: 60_000 };

export class HighRiskGuard {
  private readonly recent = new Map<string, number[]>();
  private readonly sequences = new Map<string, number>();

  constructor(
    private readonly principal: Principal,
    private readonly limit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {
    if (!(Number.isInteger(limit.maxCommands) && limit.maxCommands > 0 && limit.windowMs > 0)) throw vppError("VPP_BAD_ARGUMENT", "rate limit needs a positive whole maxCommands and a positive windowMs");
  }

  /** Authorizes one command at `nowMs`; throws VPP_DISPATCH_UNAUTHORIZED or VPP_DISPATCH_RATE_LIMITED. */
  authorize(command: HighRiskCommand, nowMs: number): AuditEntry {
    if (!hasRole(this.principal, "operator")) {
      throw vppError("VPP_DISPATCH_UNAUTHORIZED", `${this.principal.subject} may not command ${command.thingId}.${command.affordance}: operator role needed`, { thingId: command.thingId });
    }
    if (this.principal.expiresAt !== undefined && Date.parse(this.principal.expiresAt) <= nowMs) {
      throw vppError("VPP_DISPATCH_UNAUTHORIZED", `the token of ${this.principal.subject} expired at ${this.principal.expiresAt}`, { thingId: command.thingId });
    }
    const times = (this.recent.get(command.thingId) ?? []).filter((t) => nowMs - t < this.limit.windowMs);
    if (times.length >= this.limit.maxCommands) {
      this.recent.set(command.thingId, times);
      throw vppError("VPP_DISPATCH_RATE_LIMITED", `${command.thingId}: ${times.length} commands in the last ${this.limit.windowMs} ms (limit ${this.limit.maxCommands})`, { thingId: command.thingId });
    }
    times.push(nowMs);
    this.recent.set(command.thingId, times);
    const sequence = (this.sequences.get(command.thingId) ?? 0) + 1;
    this.sequences.set(command.thingId, sequence);
    return { kind: "command", ...command, subject: this.principal.subject, at: new Date(nowMs).toISOString(), sequence };
  }
}
