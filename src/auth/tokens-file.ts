import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { ROLES, type Role, type TokenEntry } from "./roles.ts";
import { CodedError } from "../errors/coded-error.ts";

export const AUTH_ERRORS = {
  TOKENS_FILE_INVALID: { status: 500, title: "The tokens file is not valid" },
} as const;

function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** The default principals `npm start` creates: one token per role, devices may write `urn:gridthings:*`. */
export function defaultTokens(): TokenEntry[] {
  return [
    { subject: "admin", roles: ["admin"], token: newToken() },
    { subject: "operator", roles: ["operator"], token: newToken() },
    { subject: "writer", roles: ["writer"], token: newToken() },
    { subject: "reader", roles: ["reader"], token: newToken() },
    { subject: "analyst", roles: ["privileged-reader"], token: newToken() },
    { subject: "site-devices", roles: ["device"], thingIds: ["urn:gridthings:*"], token: newToken() },
  ];
}

export function parseTokens(text: string, source: string): TokenEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CodedError("TOKENS_FILE_INVALID", AUTH_ERRORS.TOKENS_FILE_INVALID, `${source}: not JSON (${(e as Error).message})`);
  }
  const list = (data as { tokens?: unknown })?.tokens;
  if (!Array.isArray(list)) throw new CodedError("TOKENS_FILE_INVALID", AUTH_ERRORS.TOKENS_FILE_INVALID, `${source}: expected {"tokens": [...]}`);
  return list.map((raw, i) => {
    const e = raw as Partial<TokenEntry>;
    const where = `${source}: tokens[${i}]`;
    const fail = (why: string) => new CodedError("TOKENS_FILE_INVALID", AUTH_ERRORS.TOKENS_FILE_INVALID, `${where}: ${why}`);
    if (typeof e.token !== "string" || e.token.length < 16) throw fail("token must be a string of at least 16 characters");
    if (typeof e.subject !== "string" || e.subject === "") throw fail("subject must be a non-empty string");
    if (!Array.isArray(e.roles) || e.roles.some((r) => !ROLES.includes(r as Role))) throw fail(`roles must be a list of ${ROLES.join(", ")}`);
    if (e.thingIds !== undefined && (!Array.isArray(e.thingIds) || e.thingIds.some((t) => typeof t !== "string"))) throw fail("thingIds must be a list of strings");
    if (e.expiresAt !== undefined && Number.isNaN(Date.parse(e.expiresAt))) throw fail("expiresAt must be an ISO 8601 instant");
    return e as TokenEntry;
  });
}

/** Reads the tokens file, or creates it with default tokens (mode 0600) when it does not exist. */
export async function loadOrCreateTokens(path: string): Promise<{ tokens: TokenEntry[]; created: boolean }> {
  try {
    return { tokens: parseTokens(await readFile(path, "utf8"), path), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const tokens = defaultTokens();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, JSON.stringify({ tokens }, null, 2) + "\n", { mode: 0o600 });
  await chmod(path, 0o600);
  return { tokens, created: true };
}
