/**
 * The default transport: notifications are appended to an outbox file (JSON lines, fsynced before
 * `deliver` resolves) that the VPP's page shows. Idempotent by the notification's key. Every
 * notification also lands here with the transport that delivered it, so the outbox is the log.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Notification } from "../notifications.ts";
import type { Transport } from "./transport.ts";
import { vppError } from "../../errors.ts";

export interface OutboxEntry extends Notification {
  deliveredBy: string;
  status: "delivered" | "failed" | "queued";
  error?: string;
}

export class Outbox implements Transport {
  readonly name = "outbox";
  private readonly keys = new Set<string>();
  private readonly entries: OutboxEntry[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw vppError("VPP_TRANSPORT_FAILED", `cannot read the outbox ${file}: ${(e as Error).message}`);
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as OutboxEntry;
        this.entries.push(entry);
        this.keys.add(`${entry.key}|${entry.status}`);
      } catch {
        // a torn last line from a crash mid-write: everything before it is whole
      }
    }
  }

  deliver(n: Notification): Promise<void> {
    return this.record({ ...n, deliveredBy: "outbox", status: "queued" });
  }

  /** Appends one entry durably (once per key and status). */
  record(entry: OutboxEntry): Promise<void> {
    const id = `${entry.key}|${entry.status}`;
    if (this.keys.has(id)) return Promise.resolve();
    this.keys.add(id);
    this.chain = this.chain.then(async () => {
      const fh = await open(this.file, "a", 0o600);
      try {
        await fh.appendFile(`${JSON.stringify(entry)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      this.entries.push(entry);
    });
    return this.chain.catch((e: unknown) => {
      this.keys.delete(id);
      throw vppError("VPP_TRANSPORT_FAILED", `outbox write failed: ${(e as Error).message}`);
    });
  }

  has(key: string): boolean {
    return [...this.keys].some((k) => k.startsWith(`${key}|`));
  }

  list(limit = 200): OutboxEntry[] {
    return this.entries.slice(-limit).reverse();
  }
}
