/**
 * Group commit for an append-only store: writes that arrive in the same event-loop turn share one
 * transaction, and each caller's promise resolves only after that transaction is on disk (the
 * store runs SQLite with synchronous=FULL). Generic: the registry store does the same inline;
 * new ledgers use this.
 */
export class GroupCommit<T> {
  private queue: Array<{ items: readonly T[]; resolve: () => void; reject: (e: Error) => void }> = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly commit: (items: T[]) => void,
    private readonly onClosed: () => Error,
  ) {}

  push(items: readonly T[]): Promise<void> {
    if (this.closed) return Promise.reject(this.onClosed());
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.commit(batch.flatMap((b) => b.items));
      for (const b of batch) b.resolve();
    } catch (e) {
      for (const b of batch) b.reject(e as Error);
    }
  }

  /** Commits what is queued, then refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
