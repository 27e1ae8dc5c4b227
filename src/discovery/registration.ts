import { logger } from "../log/logger.ts";
import type { DirectoryClient, Td } from "./directory-client.ts";
import { discoveryError } from "./errors.ts";

const log = logger("discovery.registration");

export interface RegisterOptions {
  ttlSeconds: number;
  /** Refresh when this share of the TTL has passed (default 0.5). */
  refreshAt?: number;
}

/**
 * A device's registration: PUT with a TTL, refreshed before it runs out, DELETE on deregister.
 * If the device dies silently, the directory purges its TD when the TTL passes.
 */
export class Registration {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  private constructor(
    private readonly client: DirectoryClient,
    private readonly td: Td,
    private readonly options: Required<RegisterOptions>,
  ) {}

  static async start(client: DirectoryClient, td: Td, options: RegisterOptions): Promise<Registration> {
    if (!(options.ttlSeconds > 0)) throw discoveryError("DISCOVERY_BAD_ARGUMENT", "ttlSeconds must be positive");
    const refreshAt = options.refreshAt ?? 0.5;
    if (!(refreshAt > 0 && refreshAt < 1)) throw discoveryError("DISCOVERY_BAD_ARGUMENT", "refreshAt must be between 0 and 1");
    if (typeof td.id !== "string") throw discoveryError("DISCOVERY_BAD_ARGUMENT", "a registered TD needs a string id");
    const registration = new Registration(client, td, { ttlSeconds: options.ttlSeconds, refreshAt });
    await registration.write();
    registration.schedule(options.ttlSeconds * refreshAt * 1000);
    return registration;
  }

  get id(): string {
    return this.td.id as string;
  }

  private async write(): Promise<void> {
    const { registration: _ignored, ...rest } = this.td;
    await this.client.putThing({ ...rest, registration: { ttl: this.options.ttlSeconds } });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh(), ms);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    try {
      await this.write();
      this.failures = 0;
      this.schedule(this.options.ttlSeconds * this.options.refreshAt * 1000);
    } catch (e) {
      this.failures++;
      const retryMs = Math.min(this.options.ttlSeconds * 100, 1000 * 2 ** Math.min(this.failures, 5));
      log.warn({ err: e, id: this.id, retryMs }, "registration refresh failed; retrying");
      this.schedule(retryMs);
    }
  }

  /** Stops refreshing and leaves the TD to expire. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops refreshing and deletes the TD now. */
  async deregister(): Promise<void> {
    this.stop();
    await this.client.deleteThing(this.id);
  }
}
