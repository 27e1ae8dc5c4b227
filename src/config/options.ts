/**
 * Every setting of the CLI, with its flag, environment variable, default and check, in one table.
 * Precedence: flag, then environment, then default. Pure: the environment is passed in.
 */
import { CodedError, type ErrorCatalogue } from "../errors/coded-error.ts";

export const CONFIG_ERRORS = {
  CONFIG_INVALID: { status: 400, title: "A flag or environment variable has an invalid value" },
} as const satisfies ErrorCatalogue;

type Kind = "port" | "speed" | "string" | "url" | "seconds" | "host";

export interface Setting {
  key: keyof Settings;
  flag: string;
  env: string;
  kind: Kind;
  description: string;
  default: string | number | undefined;
}

export interface Settings {
  host: string;
  port: number;
  thingsPort: number;
  /** Undefined: 8082, or a free port when the front door's port is 0 (see orchestratorPortOf). */
  orchestratorPort: number | undefined;
  coapPort: number;
  mqttPort: number;
  mqttUrl: string | undefined;
  modbusPort: number;
  meterModbusPort: number;
  speed: number;
  site: string;
  dataDir: string;
  tokensFile: string | undefined;
  directory: string | undefined;
  ttl: number;
}

export const SETTINGS: readonly Setting[] = [
  { key: "host", flag: "--host", env: "GRIDTHINGS_HOST", kind: "host", default: "127.0.0.1", description: "address every server binds to and TDs carry" },
  { key: "port", flag: "--port", env: "GRIDTHINGS_PORT", kind: "port", default: 8080, description: "front door: directory, /api, web UI" },
  { key: "thingsPort", flag: "--things-port", env: "GRIDTHINGS_THINGS_PORT", kind: "port", default: 8081, description: "HTTP server of the device Things" },
  { key: "orchestratorPort", flag: "--orchestrator-port", env: "GRIDTHINGS_ORCHESTRATOR_PORT", kind: "port", default: undefined, description: "HTTP server of the microgrid orchestrator Things, one per microgrid (default 8082; a free port when --port is 0)" },
  { key: "coapPort", flag: "--coap-port", env: "GRIDTHINGS_COAP_PORT", kind: "port", default: 5683, description: "CoAP server of the device Things (UDP)" },
  { key: "mqttPort", flag: "--mqtt-port", env: "GRIDTHINGS_MQTT_PORT", kind: "port", default: 1883, description: "embedded MQTT broker (ignored with --mqtt-url)" },
  { key: "mqttUrl", flag: "--mqtt-url", env: "GRIDTHINGS_MQTT_URL", kind: "url", default: undefined, description: "external MQTT broker instead of the embedded one, e.g. mqtt://127.0.0.1:1883" },
  { key: "modbusPort", flag: "--modbus-port", env: "GRIDTHINGS_MODBUS_PORT", kind: "port", default: 5502, description: "Modbus TCP gateway of the batteries (unit id per battery)" },
  { key: "meterModbusPort", flag: "--meter-modbus-port", env: "GRIDTHINGS_METER_MODBUS_PORT", kind: "port", default: 5020, description: "Modbus TCP port of the simulated physical grid meter" },
  { key: "speed", flag: "--speed", env: "GRIDTHINGS_SPEED", kind: "speed", default: 1, description: "simulated seconds per real second (0 < speed ≤ 1000)" },
  { key: "site", flag: "--site", env: "GRIDTHINGS_SITE", kind: "string", default: "tds/sites/demo.site.json", description: "site file" },
  { key: "dataDir", flag: "--data-dir", env: "GRIDTHINGS_DATA_DIR", kind: "string", default: "data", description: "where the directory, microgrid and ledgers keep their files" },
  { key: "tokensFile", flag: "--tokens-file", env: "GRIDTHINGS_TOKENS_FILE", kind: "string", default: undefined, description: "bearer tokens and roles (default <data-dir>/tokens.json, created with one token per role)" },
  { key: "directory", flag: "--directory", env: "GRIDTHINGS_DIRECTORY", kind: "url", default: undefined, description: "directory to register TDs with (site/device commands), e.g. http://127.0.0.1:8080" },
  { key: "ttl", flag: "--ttl", env: "GRIDTHINGS_TTL", kind: "seconds", default: 60, description: "TTL of device registrations, s (refreshed at half)" },
];

function invalid(setting: Setting, source: string, raw: string, why: string): CodedError {
  return new CodedError("CONFIG_INVALID", CONFIG_ERRORS.CONFIG_INVALID, `${source} ${JSON.stringify(raw)}: ${why}`, { setting: setting.key });
}

function parseValue(setting: Setting, raw: string, source: string): string | number {
  switch (setting.kind) {
    case "port": {
      if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw invalid(setting, source, raw, "must be a port number 0..65535 (0 = any free port)");
      return Number(raw);
    }
    case "speed": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 1000) throw invalid(setting, source, raw, "must be a number above 0 and at most 1000");
      return n;
    }
    case "seconds": {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 5 || n > 86400) throw invalid(setting, source, raw, "must be a whole number of seconds, 5..86400");
      return n;
    }
    case "url": {
      try {
        const u = new URL(raw);
        if (setting.key === "mqttUrl" && !["mqtt:", "mqtts:"].includes(u.protocol)) throw new Error("scheme");
        if (setting.key === "directory" && !["http:", "https:"].includes(u.protocol)) throw new Error("scheme");
      } catch {
        throw invalid(setting, source, raw, setting.key === "mqttUrl" ? "must be an mqtt:// or mqtts:// URL" : "must be an http:// or https:// URL");
      }
      return raw.replace(/\/+$/, "");
    }
    case "host": {
      if (!/^[A-Za-z0-9.:-]+$/.test(raw)) throw invalid(setting, source, raw, "must be an IP address or host name");
      return raw;
    }
    default:
      if (raw.trim() === "") throw invalid(setting, source, raw, "must not be empty");
      return raw;
  }
}

/** Resolves every setting from flags (already parsed, as strings) and the environment. */
export function resolveSettings(flags: Readonly<Record<string, string | undefined>>, env: Readonly<Record<string, string | undefined>>): Settings {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const flag = flags[s.key];
    const fromEnv = env[s.env];
    if (flag !== undefined) out[s.key] = parseValue(s, flag, s.flag);
    else if (fromEnv !== undefined && fromEnv !== "") out[s.key] = parseValue(s, fromEnv, s.env);
    else out[s.key] = s.default;
  }
  return out as unknown as Settings;
}
