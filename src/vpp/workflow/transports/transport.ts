import type { Notification } from "../notifications.ts";

/** A way to deliver a notification (SMTP, SMS webhook, the outbox). Throws VPP_TRANSPORT_FAILED. */
export interface Transport {
  readonly name: string;
  deliver(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}
