/**
 * SMS adapter: POSTs `{to, body, key}` as JSON to a webhook (an SMS gateway's HTTP API), with the
 * notification key as `Idempotency-Key` so a retry does not send twice. Non-2xx fails.
 */
import type { Notification } from "../notifications.ts";
import type { Transport } from "./transport.ts";
import { vppError } from "../../errors.ts";

export interface SmsWebhookOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
}

const PHONE = /^\+[1-9]\d{6,14}$/;

export class SmsWebhookTransport implements Transport {
  readonly name = "sms-webhook";

  constructor(private readonly options: SmsWebhookOptions) {
    if (!/^https?:\/\//.test(options.url)) throw vppError("VPP_BAD_ARGUMENT", `SMS webhook must be an http(s) URL, got ${JSON.stringify(options.url)}`);
  }

  async deliver(n: Notification): Promise<void> {
    if (!PHONE.test(n.to)) throw vppError("VPP_TRANSPORT_FAILED", `SMS recipient ${JSON.stringify(n.to)} is not an E.164 number`);
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": n.key, ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
        body: JSON.stringify({ to: n.to, body: n.body, key: n.key }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (e) {
      throw vppError("VPP_TRANSPORT_FAILED", `SMS webhook ${this.options.url}: ${(e as Error).message}`);
    }
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw vppError("VPP_TRANSPORT_FAILED", `SMS webhook answered ${response.status}`);
  }
}
