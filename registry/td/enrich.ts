/** Enriched TDs (WoT Discovery §7.2): context injection and registration information. Pure. */

export const TD_CONTEXT_V11 = "https://www.w3.org/2022/wot/td/v1.1";
export const DISCOVERY_CONTEXT = "https://www.w3.org/2022/wot/discovery";

export type Td = Record<string, unknown>;

export interface Registration {
  created: string;
  modified: string;
  expires?: string;
  ttl?: number;
}

export interface RegistrationPolicy {
  /** Upper bound on any registration's lifetime; unset means TDs without ttl/expires never expire. */
  maxTtlSeconds?: number;
}

function withDiscoveryContext(context: unknown): unknown {
  if (Array.isArray(context)) return context.includes(DISCOVERY_CONTEXT) ? context : [...context, DISCOVERY_CONTEXT];
  if (typeof context === "string") return context === DISCOVERY_CONTEXT ? context : [context, DISCOVERY_CONTEXT];
  return context;
}

function clientRegistration(td: Td): { ttl?: number; expires?: string } {
  const r = td.registration;
  if (typeof r !== "object" || r === null) return {};
  const { ttl, expires } = r as { ttl?: unknown; expires?: unknown };
  return {
    ...(typeof ttl === "number" && ttl > 0 ? { ttl } : {}),
    ...(typeof expires === "string" && !Number.isNaN(Date.parse(expires)) ? { expires } : {}),
  };
}

/**
 * The registration the directory stores with a TD written at `now`. A `ttl` wins over a client
 * `expires` and restarts on every write (a device refreshes by writing again); both are capped by
 * the server maximum, which also bounds TDs that set neither.
 */
export function registrationFor(td: Td, previous: Td | undefined, now: Date, policy: RegistrationPolicy): Registration {
  const nowMs = now.getTime();
  const max = policy.maxTtlSeconds;
  const cap = max === undefined ? Infinity : nowMs + max * 1000;
  const client = clientRegistration(td);
  const previousCreated = (previous?.registration as Registration | undefined)?.created;
  const registration: Registration = { created: previousCreated ?? now.toISOString(), modified: now.toISOString() };
  if (client.ttl !== undefined) {
    const ttl = max === undefined ? client.ttl : Math.min(client.ttl, max);
    registration.ttl = ttl;
    registration.expires = new Date(nowMs + ttl * 1000).toISOString();
  } else if (client.expires !== undefined) {
    registration.expires = new Date(Math.min(Date.parse(client.expires), cap)).toISOString();
  } else if (max !== undefined) {
    registration.expires = new Date(cap).toISOString();
  }
  return registration;
}

/** The Enriched TD: the discovery context and the server's registration information. */
export function enrich(td: Td, previous: Td | undefined, now: Date, policy: RegistrationPolicy): Td {
  return { ...td, "@context": withDiscoveryContext(td["@context"]), registration: registrationFor(td, previous, now, policy) };
}

/** Instant (ms) after which the TD must not be served; Infinity when it does not expire. */
export function expiresAtMs(td: Td): number {
  const expires = (td.registration as Registration | undefined)?.expires;
  return expires === undefined ? Infinity : Date.parse(expires);
}

export const HOUSEHOLD_TERMS = ["gt:privacy", "https://gridthings.dev/ns#privacy"] as const;

/** A TD that reveals a household (smart meters): shown only to privileged readers. */
export function isHousehold(td: Td): boolean {
  return HOUSEHOLD_TERMS.some((term) => td[term] === "household");
}
