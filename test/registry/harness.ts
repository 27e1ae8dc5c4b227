import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenTable, type TokenEntry } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { SseReader, type SseMessage } from "../../src/discovery/sse-reader.ts";
import { createDirectoryPart, type DirectoryPart, type DirectoryPartOptions } from "../../registry/index.ts";

export const TOKENS: Record<string, TokenEntry> = {
  writer: { subject: "writer", roles: ["writer"], token: "writer-token-0123456789" },
  reader: { subject: "reader", roles: ["reader"], token: "reader-token-0123456789" },
  analyst: { subject: "analyst", roles: ["privileged-reader"], token: "analyst-token-0123456789" },
  admin: { subject: "admin", roles: ["admin"], token: "admin-token-0123456789" },
  device: { subject: "bess-1", roles: ["device"], thingIds: ["urn:gridthings:bess:1"], token: "device-token-0123456789" },
  meters: { subject: "meters", roles: ["device"], thingIds: ["urn:gridthings:meter:*"], token: "meters-token-0123456789" },
  expired: { subject: "old", roles: ["writer"], token: "expired-token-0123456789", expiresAt: "2000-01-01T00:00:00Z" },
};

export function auth(who: keyof typeof TOKENS): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[who]!.token}` };
}

export const TD_JSON = { "content-type": "application/td+json" };

export const SITE_CONTEXT = [
  "https://www.w3.org/2022/wot/td/v1.1",
  {
    saref: "https://saref.etsi.org/core/",
    s4ener: "https://saref.etsi.org/saref4ener/",
    s4grid: "https://saref.etsi.org/saref4grid/",
    gt: "https://gridthings.dev/ns#",
    om: "http://www.ontology-of-units-of-measure.org/resource/om-2/",
  },
];

export function minimalTd(id: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    ...(id === undefined ? {} : { id }),
    title: `Thing ${id ?? "anonymous"}`,
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: "nosec_sc",
    ...extra,
  };
}

export function batteryTd(n: number, region: string, maxDischargePowerW: number): Record<string, unknown> {
  return {
    "@context": SITE_CONTEXT,
    "@type": ["saref:Device", "s4ener:Battery", "gt:Battery"],
    id: `urn:gridthings:bess:${n}`,
    title: `Battery ${n}`,
    "gt:region": region,
    "gt:substation": `sub-${region[0]}1`,
    "gt:feeder": `f-${region[0]}1a`,
    "gt:maxDischargePowerW": maxDischargePowerW,
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: "nosec_sc",
    properties: {
      stateOfCharge: {
        "@type": "saref:StateOfCharge",
        type: "number",
        unit: "om:percent",
        minimum: 0,
        maximum: 100,
        readOnly: true,
        forms: [{ href: `http://127.0.0.1:9/bess/${n}/properties/stateOfCharge`, op: ["readproperty"] }],
      },
    },
  };
}

export function meterTd(n: number): Record<string, unknown> {
  return {
    "@context": SITE_CONTEXT,
    "@type": ["saref:Meter", "gt:SmartMeter"],
    id: `urn:gridthings:meter:${n}`,
    title: `Smart meter ${n}`,
    "gt:privacy": "household",
    "gt:region": "north",
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: "nosec_sc",
  };
}

export interface Running {
  url: string;
  part: DirectoryPart;
  dataDir: string;
  stop(keepData?: boolean): Promise<void>;
}

/** A real front door with the directory on 127.0.0.1, port 0, in a fresh data directory. */
export async function startDirectory(options: Partial<DirectoryPartOptions> = {}, port = 0): Promise<Running> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gt-tdd-"));
  const part = createDirectoryPart({ tokens: new TokenTable(Object.values(TOKENS)), ...options, dataDir });
  const door = new FrontDoor({ host: "127.0.0.1", port, parts: [part] });
  const url = await door.start();
  return {
    url,
    part,
    dataDir,
    async stop(keepData = false) {
      await door.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function put(url: string, td: Record<string, unknown>, who: keyof typeof TOKENS = "writer"): Promise<Response> {
  return fetch(`${url}/things/${td.id as string}`, { method: "PUT", headers: { ...auth(who), ...TD_JSON }, body: JSON.stringify(td) });
}

export type SseEvent = SseMessage;

/** Opens an SSE stream (the discovery client's reader) and collects events; `next(n)` waits for n. */
export async function openEvents(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  const reader = new SseReader(url, headers, {
    onMessage(message) {
      events.push(message);
      for (const w of waiters.splice(0)) w();
    },
    onEnd() {},
  });
  const response = await reader.opened;
  return {
    response,
    events,
    async next(n: number): Promise<SseEvent[]> {
      while (events.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return events.slice(0, n);
    },
    async close() {
      reader.close();
    },
  };
}
