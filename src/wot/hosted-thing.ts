import type { Protocol } from "../site/site-file.ts";
import type { JsonObject } from "./published-td.ts";

/** What the binding guards need to know about one exposed Thing. */
export interface HostedThingInfo {
  /** URL path segment and MQTT topic root (the Thing's title). */
  readonly name: string;
  readonly id: string;
  readonly protocols: ReadonlySet<Protocol>;
  /** `properties/<name>` / `actions/<name>` whose write or invoke changes power. */
  readonly powerChanging: ReadonlySet<string>;
  /** `properties/<name>` whose reads need the privileged-reader role (HTTP only; household data). */
  readonly privateReads: ReadonlySet<string>;
  readonly publishedTd: JsonObject;
  readonly publishedTdText: string;
}

export class HostedThingRegistry {
  private readonly byName = new Map<string, HostedThingInfo>();

  add(info: HostedThingInfo): void {
    this.byName.set(info.name, info);
  }

  remove(name: string): void {
    this.byName.delete(name);
  }

  get(name: string): HostedThingInfo | undefined {
    return this.byName.get(name);
  }

  all(): HostedThingInfo[] {
    return [...this.byName.values()];
  }
}

/** Splits `/thing/kind/name[/...]` into decoded segments. */
export function pathSegments(url: string): string[] {
  const q = url.indexOf("?");
  const path = q >= 0 ? url.slice(0, q) : url;
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
