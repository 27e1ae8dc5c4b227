import { join } from "node:path";
import { SiteRuntime, type SiteRuntimeOptions } from "../../src/site/runtime.ts";
import { loadSite } from "../../src/site/load-site.ts";
import { TDS_DIR } from "../../src/tm/model-files.ts";
import { TokenTable, type TokenEntry } from "../../src/auth/roles.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";

/** A site of tds/sites on loopback, every port 0, speed 1; options override. Call start() yourself. */
export async function loopbackSite(file: string, options: Partial<SiteRuntimeOptions> & { tokenEntries?: TokenEntry[] } = {}): Promise<SiteRuntime> {
  const { tokenEntries = [], ...rest } = options;
  const site = await loadSite(join(TDS_DIR, "sites", file));
  return new SiteRuntime({
    site,
    speed: 1,
    host: "127.0.0.1",
    httpPort: 0,
    coapPort: 0,
    mqttPort: 0,
    modbusPort: 0,
    gridMeterModbusPort: 0,
    tokens: new TokenTable(tokenEntries),
    ...rest,
  });
}

/** The published TD of a Thing the running site hosts; throws when there is none. */
export function hostedTd(runtime: SiteRuntime, name: string): JsonObject {
  const thing = runtime.hosted(name);
  if (!thing) throw new Error(`no Thing ${name}`);
  return thing.td;
}

/** The small site's charge points alone, with an operator and a reader token, on a wall clock the test drives (10 ms ticks). */
export function chargePointSite(tokens: { operator: string; reader: string }, realNow: () => number): Promise<SiteRuntime> {
  return loopbackSite("small.site.json", {
    tokenEntries: [
      { token: tokens.operator, subject: "operator", roles: ["operator"] },
      { token: tokens.reader, subject: "reader", roles: ["reader"] },
    ],
    kinds: ["charge-point"],
    realNow,
    tickMs: 10,
  });
}

/** An HTTP call to one affordance of a hosted Thing (`properties/<name>`, `actions/<name>`): a JSON body as given, a bearer token if any. */
export function callThing(runtime: SiteRuntime, method: "PUT" | "POST", thing: string, affordance: string, body: string, token?: string): Promise<Response> {
  return fetch(`${runtime.thingHost.httpBase}/${thing}/${affordance}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
}
