import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The one logger of the project. Every part asks for a child with its namespace
 * (`logger("things.bess")`), so a line always says where it came from.
 * Level: GRIDTHINGS_LOG_LEVEL (default "warn", so the terminal shows what the CLI prints; "silent"
 * under vitest unless set). Lines are JSON on stderr (stdout is the CLI's own output).
 */
const level = process.env.GRIDTHINGS_LOG_LEVEL ?? (process.env.VITEST ? "silent" : "warn");

const root: Logger = pino({
  name: "gridthings",
  level,
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: ["token", "authorization", "*.token", "*.authorization", "headers.authorization"], censor: "[redacted]" },
}, pino.destination({ dest: 2, sync: true }));

export function logger(namespace: string): Logger {
  return root.child({ ns: namespace });
}
