/**
 * One subscription to the microgrid service's events per process, fanned out to every open page:
 * cycle results as `cycle` events, every Event Dictionary record as `change`. The service may
 * start after the console registers, so the subscription is made on the first page that listens.
 */
import type { MicrogridService } from "../../microgrid-api/service.ts";
import type { StoredRecord } from "../../microgrid-api/storage/storage-port.ts";
import type { SseChannel } from "./sse.ts";

const KEEPALIVE_MS = 15_000;

export class MicrogridEventFeed {
  private readonly pages = new Map<SseChannel, string>();
  private unsubscribe: (() => void) | undefined;
  private subscribedTo: MicrogridService | undefined;
  private keepalive: ReturnType<typeof setInterval> | undefined;

  /** Follows one microgrid's events on `channel` until it closes. */
  follow(service: MicrogridService, microgrid_id: string, channel: SseChannel): void {
    if (this.subscribedTo !== service) {
      this.unsubscribe?.();
      this.subscribedTo = service;
      this.unsubscribe = service.onEvent((r) => this.fanOut(r));
    }
    this.pages.set(channel, microgrid_id);
    if (!this.keepalive) {
      this.keepalive = setInterval(() => {
        for (const page of this.pages.keys()) page.comment("keepalive");
      }, KEEPALIVE_MS);
      this.keepalive.unref();
    }
    channel.onClose(() => {
      this.pages.delete(channel);
      if (this.pages.size === 0) this.stopTimers();
    });
  }

  get listeners(): number {
    return this.pages.size;
  }

  private fanOut(r: StoredRecord): void {
    const message = r.stream === "cycles" ? { event: "cycle", data: r.payload } : r.stream === "domain" ? { event: "change", data: { type: r.type, at: r.at, payload: r.payload } } : undefined;
    if (!message) return;
    for (const [page, id] of this.pages) if (r.microgrid_id === id) page.send(message.event, message.data, r.seq);
  }

  private stopTimers(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  close(): void {
    for (const page of [...this.pages.keys()]) page.close();
    this.pages.clear();
    this.stopTimers();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.subscribedTo = undefined;
  }
}
