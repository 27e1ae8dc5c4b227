import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createMicrogridApiPart, loadMicrogridDefinitions, type MicrogridApiPart } from "../../src/microgrid-api/part.ts";

export const TDS = fileURLToPath(new URL("../../tds/microgrid", import.meta.url));
export const OPERATOR = "operator-token-0123456789";
export const READER = "reader-token-0123456789ab";
export const tokens = new TokenTable([
  { subject: "op", roles: ["operator"], token: OPERATOR },
  { subject: "rd", roles: ["reader"], token: READER },
]);

export class Clock {
  t = Date.parse("2026-03-01T10:00:00.000Z");
  now = (): Date => new Date(this.t);
}

export interface Harness {
  url: string;
  part: MicrogridApiPart;
  door: FrontDoor;
  dataDir: string;
  clock: Clock;
  stop(): Promise<void>;
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function startApi(dataDir = mkdtempSync(join(tmpdir(), "mg-api-")), clock = new Clock()): Promise<Harness> {
  const part = createMicrogridApiPart({ dataDir, tokens, now: clock.now, definitions: loadMicrogridDefinitions(TDS), scheduler: false });
  const door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [part] });
  const url = await door.start();
  return {
    url, part, door, dataDir, clock,
    stop: () => door.stop(),
    async call(method, path, body, token = OPERATOR) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        payload = typeof body === "string" ? body : JSON.stringify(body);
      }
      const res = await fetch(url + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
  };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
