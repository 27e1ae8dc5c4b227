/**
 * The public TDs at the front door's directory (`/things`, read anonymously like any outside
 * client), cached for a while: the live sampler and the controls find the Things they read and
 * invoke here, never in the simulator's objects.
 */
import { DirectoryClient, type Td } from "../../discovery/index.ts";
import { roleOf, type Role } from "../../vpp/discovery/roles.ts";

export interface ThingIndexOptions {
  /** The front door's URL once it listens. */
  frontDoor: () => string | undefined;
  /** How long a listing is reused, ms (default 30 s). */
  refreshMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class ThingIndex {
  private cached: { at: number; tds: Td[] } | undefined;
  private pending: Promise<Td[]> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ThingIndexOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Every public TD; undefined while the front door does not listen yet. Throws when the directory does not answer. */
  async all(): Promise<Td[] | undefined> {
    const base = this.options.frontDoor();
    if (!base) return undefined;
    if (this.cached && this.now() - this.cached.at < (this.options.refreshMs ?? 30_000)) return this.cached.tds;
    this.pending ??= new DirectoryClient({ baseUrl: base, timeoutMs: this.options.timeoutMs ?? 5000 })
      .listAll()
      .then((tds) => {
        this.cached = { at: this.now(), tds };
        return tds;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  async byRole(role: Role): Promise<Td[]> {
    return ((await this.all()) ?? []).filter((td) => roleOf(td) === role);
  }

  /** The next call lists the directory again (a Thing moved or a read failed). */
  invalidate(): void {
    this.cached = undefined;
  }
}

export const titleOf = (td: Td): string => (typeof td.title === "string" ? td.title : String(td.id));
