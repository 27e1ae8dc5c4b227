/**
 * Starts the VPP servient the way the CLI runs it: tokens from the tokens file (operator for
 * device writes, privileged-reader for the directory), owners from the site file, options from
 * flags and environment.
 */
import { join, resolve } from "node:path";
import type { TokenEntry, TokenTable } from "../auth/roles.ts";
import { VppServient } from "./servient.ts";
import { VppThingHost } from "./vpp-thing.ts";
import { ownersFromSiteFile, resolveVppFlags, type VppFlags } from "./cli-options.ts";
import { vppError } from "./errors.ts";

export interface StartVppOptions {
  directoryUrl: string;
  dataDir: string;
  siteFile: string;
  tokens: { table: TokenTable; entries: readonly TokenEntry[] };
  flags: VppFlags;
  env: Readonly<Record<string, string | undefined>>;
  onLine?: (line: string) => void;
  host: string;
  siteId: string;
  /** TTL of the VPP Things' registrations, s. */
  ttlSeconds: number;
}

export interface RunningVpp {
  servient: VppServient;
  /** The VPP Thing's TD (its load-aggregation Thing follows once the meter stream runs). */
  thingUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startVpp(o: StartVppOptions): Promise<RunningVpp> {
  const resolved = resolveVppFlags(o.flags, o.env);
  const find = (role: TokenEntry["roles"][number]) => o.tokens.entries.find((e) => e.roles.includes(role));
  const operator = find("operator") ?? find("admin");
  if (!operator) throw vppError("VPP_DISPATCH_UNAUTHORIZED", "the tokens file has no operator (or admin) token: the VPP could not dispatch");
  const reader = find("privileged-reader") ?? find("admin");
  const auth = o.tokens.table.authenticate(`Bearer ${operator.token}`, new Date());
  if (!auth.ok) throw vppError("VPP_DISPATCH_UNAUTHORIZED", `the operator token is not usable: ${auth.reason}`);
  const servient = new VppServient({
    directoryUrl: o.directoryUrl,
    directoryToken: reader?.token,
    operatorToken: operator.token,
    principal: auth.principal,
    dataDir: resolve(join(o.dataDir, "vpp")),
    config: { owners: ownersFromSiteFile(o.siteFile), ...resolved.config },
    metering: resolved.metering ? { tariffFile: resolve(resolved.tariffFile), ...(resolved.sharedGroup ? { sharedGroup: resolved.sharedGroup } : {}) } : false,
    onLine: o.onLine,
  });
  const registrar = find("device") ?? find("writer") ?? find("admin");
  const things = new VppThingHost({
    servient,
    vppId: o.siteId,
    siteId: o.siteId,
    host: o.host,
    httpPort: 0,
    tokens: o.tokens.table,
    ...(registrar ? { directory: { url: o.directoryUrl, token: registrar.token, ttlSeconds: o.ttlSeconds } } : {}),
  });
  try {
    await servient.start();
    await things.start();
  } catch (e) {
    await things.stop().catch(() => undefined);
    await servient.stop().catch(() => undefined);
    throw e;
  }
  return {
    servient,
    thingUrl: things.tdUrl,
    async stop() {
      await things.stop();
      await servient.stop();
    },
  };
}
