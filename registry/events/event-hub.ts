import type { Change, Entry } from "../directory.ts";
import { createMergePatch } from "../td/merge-patch.ts";

export const EVENT_TYPES = ["thing_created", "thing_updated", "thing_deleted"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DirectoryEvent {
  readonly id: number;
  readonly type: EventType;
  readonly thingId: string;
  /** Only privileged subscribers (or the owning device) receive events of household TDs. */
  readonly household: boolean;
  /** The data for `diff=true`: the whole TD when created, a merge patch (with id) when updated. */
  readonly diff?: Record<string, unknown>;
}

export interface EventHubOptions {
  /** Events kept for reconnecting clients (Last-Event-ID). */
  capacity: number;
  /** First event id; ids grow from there, so ids of a later run are larger than those before. */
  firstId: number;
}

/** Turns directory changes into numbered events, keeps the recent ones, and fans them out. */
export class EventHub {
  private readonly recent: DirectoryEvent[] = [];
  private readonly subscribers = new Set<(event: DirectoryEvent) => void>();
  private nextId: number;

  constructor(private readonly options: EventHubOptions) {
    this.nextId = options.firstId;
  }

  onChange = (change: Change): void => {
    const entry: Entry = change.type === "thing_deleted" ? change.previous : change.entry;
    const event: DirectoryEvent = {
      id: this.nextId++,
      type: change.type,
      thingId: entry.id,
      household: entry.household || (change.type === "thing_updated" && change.previous.household),
      ...(change.type === "thing_created" ? { diff: change.entry.td } : {}),
      ...(change.type === "thing_updated" ? { diff: { ...createMergePatch(change.previous.td, change.entry.td), id: entry.id } } : {}),
    };
    this.recent.push(event);
    if (this.recent.length > this.options.capacity) this.recent.splice(0, this.recent.length - this.options.capacity);
    for (const subscriber of this.subscribers) subscriber(event);
  };

  /** Kept events after `lastId` (all kept ones when the id is older than the oldest). */
  since(lastId: number): DirectoryEvent[] {
    return this.recent.filter((e) => e.id > lastId);
  }

  subscribe(subscriber: (event: DirectoryEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
