/**
 * Who may do what. A bearer token maps to a principal with roles; devices carry the ids of the
 * Things they own. Pure: no I/O (tokens-file.ts loads and writes the file).
 *
 * Roles:
 * - `reader`   — read TDs that reveal no household, aggregates, public telemetry.
 * - `privileged-reader` — also per-household data (smart-meter TDs and readings).
 * - `operator` — power-changing writes and actions on devices, microgrid commands.
 * - `writer`   — create, update and delete any TD in the directory.
 * - `device`   — write only the TDs whose ids are in `thingIds`.
 * - `admin`    — everything.
 */
export const ROLES = ["reader", "privileged-reader", "operator", "writer", "device", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly subject: string;
  readonly roles: readonly Role[];
  /** For `device` principals: the Thing ids (or id prefixes ending in `*`) it may write. */
  readonly thingIds?: readonly string[];
  /** ISO 8601; a token past this instant is refused. */
  readonly expiresAt?: string;
}

export interface TokenEntry extends Principal {
  readonly token: string;
}

export const ANONYMOUS: Principal = { subject: "anonymous", roles: [] };

const IMPLIED: Readonly<Record<Role, readonly Role[]>> = {
  reader: ["reader"],
  "privileged-reader": ["reader", "privileged-reader"],
  operator: ["reader", "operator"],
  writer: ["reader", "writer"],
  device: ["device"],
  admin: ["reader", "privileged-reader", "operator", "writer", "device", "admin"],
};

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.some((r) => IMPLIED[r]?.includes(role));
}

export function mayWriteThing(principal: Principal, thingId: string): boolean {
  if (hasRole(principal, "writer")) return true;
  if (!principal.roles.includes("device")) return false;
  return (principal.thingIds ?? []).some((pattern) =>
    pattern.endsWith("*") ? thingId.startsWith(pattern.slice(0, -1)) : pattern === thingId,
  );
}

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "TOKEN_MISSING" | "TOKEN_UNKNOWN" | "TOKEN_EXPIRED" | "AUTH_SCHEME_UNSUPPORTED" };

/** Resolves an `Authorization` header value against the token table at instant `now`. */
export class TokenTable {
  private readonly byToken: Map<string, TokenEntry>;

  constructor(entries: readonly TokenEntry[]) {
    this.byToken = new Map(entries.map((e) => [e.token, e]));
  }

  get entries(): TokenEntry[] {
    return [...this.byToken.values()];
  }

  authenticate(authorization: string | undefined, now: Date): AuthResult {
    if (authorization === undefined || authorization.trim() === "") return { ok: false, reason: "TOKEN_MISSING" };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, reason: "AUTH_SCHEME_UNSUPPORTED" };
    const entry = this.byToken.get(match[1] as string);
    if (!entry) return { ok: false, reason: "TOKEN_UNKNOWN" };
    if (entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= now.getTime()) return { ok: false, reason: "TOKEN_EXPIRED" };
    const { token: _token, ...principal } = entry;
    return { ok: true, principal };
  }

  /** Like authenticate, but an absent header is the anonymous principal (reads). */
  principalOf(authorization: string | undefined, now: Date): AuthResult {
    if (authorization === undefined) return { ok: true, principal: ANONYMOUS };
    return this.authenticate(authorization, now);
  }
}
