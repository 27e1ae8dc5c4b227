/** The console shell's own routes: the page at `/`, its assets and uPlot, who-am-I, and bad input. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createConsolePart } from "../../src/console/part.ts";

describe("console shell routes", () => {
  const tokens = new TokenTable([
    { token: "op-token", subject: "operator", roles: ["operator"] },
    { token: "old-token", subject: "old", roles: ["reader"], expiresAt: "2000-01-01T00:00:00Z" },
  ]);
  const door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [createConsolePart({ tokens, vpp: () => undefined, microgrid: () => undefined, site: () => undefined, frontDoor: () => undefined })] });
  let url: string;
  beforeAll(async () => {
    url = await door.start();
  });
  afterAll(async () => door.stop());

  it("serves the page at / and /console/, its scripts and uPlot as ES modules", async () => {
    for (const path of ["/", "/console/"]) {
      const r = await fetch(url + path);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(await r.text()).toContain('<script type="module" src="/console/assets/app.js">');
    }
    for (const [path, type] of [["/console/assets/app.js", "javascript"], ["/console/assets/sse-parse.js", "javascript"], ["/console/assets/style.css", "text/css"], ["/console/vendor/uPlot.esm.js", "javascript"], ["/console/vendor/uPlot.min.css", "text/css"]] as const) {
      const r = await fetch(url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toContain(type);
    }
    expect(await (await fetch(`${url}/console/vendor/uPlot.esm.js`)).text()).toContain("export");
  });

  it("answers 404 problem+json for unknown assets and paths that try to leave the asset folder", async () => {
    for (const path of ["/console/assets/nope.js", "/console/assets/../part.ts", "/console/assets/%2e%2e/part.ts", "/console/assets/..%2fpart.ts", "/console/vendor/uPlot.cjs.js", "/console/vendor/..%2f..%2fpackage.json"]) {
      const r = await fetch(url + path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get("content-type"), path).toContain("application/problem+json");
    }
  });

  it("tells who is signed in: anonymous without a token, the roles with one, 401 for an unknown, expired or non-bearer token", async () => {
    expect(await (await fetch(`${url}/console/whoami`)).json()).toEqual({ subject: "anonymous", roles: [], may: [] });
    expect(await (await fetch(`${url}/console/whoami`, { headers: { authorization: "Bearer op-token" } })).json()).toEqual({ subject: "operator", roles: ["operator"], may: ["reader", "operator"] });
    for (const authorization of ["Bearer nope", "Bearer old-token", "Basic b3A6dG9rZW4=", ""]) {
      const r = await fetch(`${url}/console/whoami`, { headers: { authorization } });
      expect(r.status, authorization).toBe(401);
      const body = (await r.json()) as { code: string };
      expect(body.code).toBe("CONSOLE_AUTH_REQUIRED");
    }
  });

  it("says which parts run in this process", async () => {
    expect(await (await fetch(`${url}/console/parts`)).json()).toEqual({ vpp: false, microgrid: false, site: false });
  });
});
