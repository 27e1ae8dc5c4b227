/**
 * Workarounds for faults of node-wot's Modbus client (@node-wot/binding-modbus 0.8.16), each
 * covered by a test in test/wot/modbus-reader.integration.test.ts:
 *
 * 1. Reconnects are slow and blocking: a lost connection is retried 5 times 10 s apart, and every
 *    read queued meanwhile waits (40 s against a dead device, 10 s to notice that it is back).
 *    The retry settings live in one module-level object that every `ModbusConnection` shares
 *    (`Object.assign(configDefaults, config)`), and the binding exposes no option for them, so we
 *    set them once on that shared object: one attempt, 100 ms apart. A failed poll then fails
 *    fast and the next poll reconnects.
 * 2. A timeout or a connection failure reaches the consumer as `new Error(JSON.stringify(e))`
 *    (the original error's name is inside the message text); Modbus exception responses keep
 *    their `modbusCode`. `describeModbusFailure` recovers both.
 * 3. Writes with `byteSeq=…_BYTE_SWAP` go out unswapped: the octet-stream encoder tests for
 *    "BYTE_SwAP" (sic) on integers and swaps the empty buffer before writing floats, so a
 *    low-word-first 32-bit register would be written with its words exchanged. We encode the
 *    words per register map ourselves and hand node-wot the bytes as a stream, which it sends
 *    untouched (`rawInteractionInput`).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The stream class node-wot's ContentSerdes recognises (`instanceof` against its own polyfill).
const coreRequire = createRequire(require.resolve("@node-wot/core"));
const { ReadableStream: NodeWotReadableStream } = coreRequire("web-streams-polyfill") as {
  ReadableStream: new (source: { start(controller: { enqueue(chunk: Uint8Array): void; close(): void }): void }) => unknown;
};

/** A write payload that node-wot sends byte for byte with the form's content type. */
export function rawInteractionInput(bytes: Uint8Array): WoT.InteractionInput {
  return new NodeWotReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  }) as unknown as WoT.InteractionInput;
}

export interface ModbusRetryTuning {
  maxRetries: number;
  connectionRetryTimeMs: number;
}

let tuned = false;

/** Idempotent. Affects every node-wot Modbus connection of the process (the settings are shared there). */
export function tuneNodeWotModbusRetries(tuning: ModbusRetryTuning = { maxRetries: 1, connectionRetryTimeMs: 100 }): void {
  if (tuned) return;
  const { ModbusConnection } = require("@node-wot/binding-modbus/dist/modbus-connection") as {
    ModbusConnection: new (host: string, port: number, config: Record<string, number>) => { config: Record<string, number> };
  };
  // Constructing a connection opens nothing; it merges our settings into the shared defaults.
  const probe = new ModbusConnection("127.0.0.1", 0, { maxRetries: tuning.maxRetries, connectionRetryTime: tuning.connectionRetryTimeMs });
  tuned = probe.config.maxRetries === tuning.maxRetries;
}

export interface ModbusFailure {
  /** Modbus exception code when the device answered with one (2, 3, 4, 11, …). */
  modbusCode?: number;
  /** "timeout" (no answer), "connection" (cannot connect), "exception" (device answered with an exception), "other". */
  kind: "timeout" | "connection" | "exception" | "other";
  message: string;
}

export function describeModbusFailure(error: unknown): ModbusFailure {
  const err = error as { modbusCode?: unknown; message?: unknown; name?: unknown; errno?: unknown } | undefined;
  const message = typeof err?.message === "string" ? err.message : String(error);
  if (typeof err?.modbusCode === "number") return { kind: "exception", modbusCode: err.modbusCode, message };
  let inner: { name?: unknown; errno?: unknown; message?: unknown } | undefined;
  if (message.startsWith("{")) {
    try {
      inner = JSON.parse(message) as typeof inner;
    } catch {
      inner = undefined;
    }
  }
  const name = String(inner?.name ?? err?.name ?? "");
  const errno = String(inner?.errno ?? err?.errno ?? "");
  const text = String(inner?.message ?? message);
  if (name === "TransactionTimedOutError" || errno === "ETIMEDOUT") return { kind: "timeout", message: text };
  if (/connection retries|ECONNREFUSED|Port Not Open|ECONNRESET|EHOSTUNREACH/i.test(text) || errno === "ECONNREFUSED") {
    return { kind: "connection", message: text };
  }
  return { kind: "other", message: text };
}
