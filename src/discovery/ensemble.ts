import { jsonpath } from "json-p3";
import mergePatch from "tiny-merge-patch";
import { logger } from "../log/logger.ts";
import type { DirectoryClient, Td } from "./directory-client.ts";
import { discoveryError } from "./errors.ts";
import { SseReader, type SseMessage } from "./sse-reader.ts";

const log = logger("discovery.ensemble");

export type EnsembleChange = { type: "added" | "updated"; td: Td } | { type: "removed"; id: string };

export interface EnsembleOptions {
  /** Which TDs belong to the ensemble. */
  filter: (td: Td) => boolean;
  /** Reconnect delay after the stream drops (default 1000 ms, doubling to 30 s). */
  reconnectMs?: number;
}

/** A filter from an RFC 9535 JSONPath: a TD belongs when the query finds something in [td]. */
export function jsonPathFilter(query: string): (td: Td) => boolean {
  let compiled: ReturnType<typeof jsonpath.compile>;
  try {
    compiled = jsonpath.compile(query);
  } catch (e) {
    throw discoveryError("DISCOVERY_BAD_ARGUMENT", `invalid JSONPath: ${(e as Error).message}`);
  }
  return (td) => compiled.query([td] as Parameters<typeof compiled.query>[0]).values().length > 0;
}

/**
 * Keeps a filtered set of TDs current: lists the directory once, then follows its SSE stream
 * (diff=true) with Last-Event-ID across reconnects, listing again after each reconnect so nothing
 * missed while away is lost.
 */
export class Ensemble {
  readonly things = new Map<string, Td>();
  private readonly listeners: Array<(change: EnsembleChange) => void> = [];
  private reader: SseReader | undefined;
  private stopped = false;
  private lastEventId: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delay: number;
  private readyResolve!: () => void;
  /** Resolves after the first listing. */
  readonly ready: Promise<void>;

  constructor(
    private readonly client: DirectoryClient,
    private readonly options: EnsembleOptions,
  ) {
    this.delay = options.reconnectMs ?? 1000;
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
  }

  onChange(listener: (change: EnsembleChange) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  start(): Promise<void> {
    void this.connect();
    return this.ready;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.reader?.close();
    this.reader = undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const buffered: SseMessage[] = [];
    let listing = true;
    const reader = new SseReader(`${this.client.baseUrl}/events?diff=true`, this.client.headers(this.lastEventId ? { "last-event-id": this.lastEventId } : {}), {
      onMessage: (m) => (listing ? buffered.push(m) : this.apply(m)),
      onEnd: (error) => this.reconnectLater(error),
    });
    this.reader = reader;
    try {
      await reader.opened;
      const listed = new Map<string, Td>();
      for await (const td of this.client.things()) if (this.options.filter(td)) listed.set(td.id as string, td);
      this.replaceAll(listed);
      listing = false;
      for (const m of buffered.splice(0)) this.apply(m);
      this.delay = this.options.reconnectMs ?? 1000;
      this.readyResolve();
    } catch (e) {
      reader.close();
      this.reconnectLater(e as Error);
    }
  }

  private reconnectLater(error?: Error): void {
    if (this.stopped || this.retryTimer) return;
    log.warn({ err: error, retryMs: this.delay }, "directory event stream ended; reconnecting");
    this.reader?.close();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.delay);
    this.retryTimer.unref();
    this.delay = Math.min(this.delay * 2, 30_000);
  }

  private replaceAll(listed: Map<string, Td>): void {
    for (const id of [...this.things.keys()]) if (!listed.has(id)) this.remove(id);
    for (const td of listed.values()) this.upsert(td);
  }

  private apply(m: SseMessage): void {
    if (m.id) this.lastEventId = m.id;
    let data: Td;
    try {
      data = JSON.parse(m.data) as Td;
    } catch {
      return;
    }
    const id = data.id as string;
    if (m.event === "thing_deleted") return this.remove(id);
    const known = this.things.get(id);
    if (m.event === "thing_created") return this.consider(data);
    if (m.event === "thing_updated") {
      if (known) return this.consider(mergePatch(known, data) as Td);
      void this.client.getThing(id).then((td) => td && this.consider(td), (e: unknown) => log.warn({ err: e, id }, "could not fetch an updated TD"));
    }
  }

  private consider(td: Td): void {
    if (this.options.filter(td)) this.upsert(td);
    else this.remove(td.id as string);
  }

  private upsert(td: Td): void {
    const id = td.id as string;
    const before = this.things.get(id);
    if (before && JSON.stringify(before) === JSON.stringify(td)) return;
    this.things.set(id, td);
    this.emit({ type: before ? "updated" : "added", td });
  }

  private remove(id: string): void {
    if (this.things.delete(id)) this.emit({ type: "removed", id });
  }

  private emit(change: EnsembleChange): void {
    for (const l of this.listeners) l(change);
  }
}
