import { describe, expect, it } from "vitest";
import { SETTINGS, resolveSettings, type Settings } from "../../src/config/options.ts";
import { isCodedError } from "../../src/errors/coded-error.ts";

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (!isCodedError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error("no error thrown");
}

describe("resolveSettings", () => {
  it("uses the defaults when neither flag nor environment is set", () => {
    const s = resolveSettings({}, {});
    for (const setting of SETTINGS) expect(s[setting.key], setting.key).toBe(setting.default);
    expect(s.port).toBe(8080);
    expect(s.mqttUrl).toBeUndefined();
  });

  it("precedence: flag over environment over default", () => {
    const env = { GRIDTHINGS_PORT: "9000", GRIDTHINGS_SPEED: "5", GRIDTHINGS_SITE: "env.site.json" };
    const fromEnv = resolveSettings({}, env);
    expect([fromEnv.port, fromEnv.speed, fromEnv.site]).toEqual([9000, 5, "env.site.json"]);
    const fromFlags = resolveSettings({ port: "9100", speed: "2.5" }, env);
    expect([fromFlags.port, fromFlags.speed, fromFlags.site]).toEqual([9100, 2.5, "env.site.json"]);
  });

  it("an empty environment variable counts as unset; a bad one is refused even when unused keys are fine", () => {
    expect(resolveSettings({}, { GRIDTHINGS_PORT: "" }).port).toBe(8080);
    expect(errorOf(() => resolveSettings({}, { GRIDTHINGS_PORT: "http" })).message).toContain("GRIDTHINGS_PORT");
  });

  it("a valid flag wins over a bad environment variable (the variable is not read)", () => {
    expect(resolveSettings({ speed: "3" }, { GRIDTHINGS_SPEED: "nonsense" }).speed).toBe(3);
  });

  it("accepts every port 0..65535 (0 = any free port) and the edge values of each kind", () => {
    expect(resolveSettings({ port: "0", thingsPort: "65535" }, {})).toMatchObject({ port: 0, thingsPort: 65535 });
    expect(resolveSettings({ speed: "1000" }, {}).speed).toBe(1000);
    expect(resolveSettings({ speed: "0.01" }, {}).speed).toBe(0.01);
    expect(resolveSettings({ ttl: "5" }, {}).ttl).toBe(5);
    expect(resolveSettings({ ttl: "86400" }, {}).ttl).toBe(86400);
    expect(resolveSettings({ mqttUrl: "mqtts://broker.example:8883/" }, {}).mqttUrl).toBe("mqtts://broker.example:8883");
    expect(resolveSettings({ directory: "https://dir.example/" }, {}).directory).toBe("https://dir.example");
    expect(resolveSettings({ host: "::1" }, {}).host).toBe("::1");
  });

  const bad: Array<[keyof Settings, string, string]> = [
    ["port", "70000", "--port"],
    ["port", "-1", "--port"],
    ["port", "80.5", "--port"],
    ["port", "0x50", "--port"],
    ["port", "", "--port"],
    ["coapPort", "coap", "--coap-port"],
    ["speed", "0", "--speed"],
    ["speed", "-2", "--speed"],
    ["speed", "1001", "--speed"],
    ["speed", "fast", "--speed"],
    ["speed", "Infinity", "--speed"],
    ["speed", " ", "--speed"],
    ["ttl", "4", "--ttl"],
    ["ttl", "86401", "--ttl"],
    ["ttl", "10.5", "--ttl"],
    ["mqttUrl", "http://x", "--mqtt-url"],
    ["mqttUrl", "not a url", "--mqtt-url"],
    ["directory", "mqtt://x", "--directory"],
    ["directory", "ftp://x", "--directory"],
    ["host", "a b", "--host"],
    ["host", "x;rm", "--host"],
    ["site", " ", "--site"],
    ["dataDir", "", "--data-dir"],
  ];
  it.each(bad)("%s = %j is refused with CONFIG_INVALID naming %s", (key, raw, flag) => {
    const e = errorOf(() => resolveSettings({ [key]: raw }, {}));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message.startsWith(`${flag} ${JSON.stringify(raw)}:`)).toBe(true);
  });

  it("names the environment variable when the bad value came from there", () => {
    for (const setting of SETTINGS.filter((s) => s.kind !== "string")) {
      const raw = setting.kind === "host" ? "bad host" : "nonsense";
      const e = errorOf(() => resolveSettings({}, { [setting.env]: raw }));
      expect(e.code, setting.env).toBe("CONFIG_INVALID");
      expect(e.message, setting.env).toContain(setting.env);
    }
  });

  it("every setting has a distinct flag and a GRIDTHINGS_ environment variable", () => {
    expect(new Set(SETTINGS.map((s) => s.flag)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    for (const s of SETTINGS) expect(s.env).toMatch(/^GRIDTHINGS_[A-Z_]+$/);
  });
});
