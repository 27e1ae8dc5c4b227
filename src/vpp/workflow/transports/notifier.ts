/**
 * Routes each notification to its channel's transport (email → SMTP, sms → webhook) when one is
 * configured, and records every one in the outbox with how it went. Without adapters, the outbox
 * is the transport (the default). A failed delivery is recorded, logged and not retried here.
 */
import { logger } from "../../../log/logger.ts";
import type { Notification } from "../notifications.ts";
import type { Outbox } from "./outbox.ts";
import type { Transport } from "./transport.ts";

const log = logger("vpp.notifier");

export class Notifier {
  constructor(
    private readonly outbox: Outbox,
    private readonly adapters: { email?: Transport; sms?: Transport } = {},
  ) {}

  async send(n: Notification): Promise<"delivered" | "queued" | "failed" | "duplicate"> {
    if (this.outbox.has(n.key)) return "duplicate";
    const adapter = this.adapters[n.channel];
    if (!adapter) {
      await this.outbox.deliver(n);
      return "queued";
    }
    try {
      await adapter.deliver(n);
      await this.outbox.record({ ...n, deliveredBy: adapter.name, status: "delivered" });
      return "delivered";
    } catch (e) {
      log.warn({ err: e, key: n.key, transport: adapter.name }, "notification delivery failed");
      await this.outbox.record({ ...n, deliveredBy: adapter.name, status: "failed", error: (e as Error).message });
      return "failed";
    }
  }
}
