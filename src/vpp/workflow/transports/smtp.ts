/**
 * SMTP adapter (RFC 5321) over node:net / node:tls: EHLO, MAIL FROM, RCPT TO, DATA (dot-stuffed,
 * base64 UTF-8 body, RFC 2047 subject), QUIT. Enough for a relay of the operations centre; no
 * AUTH. Every reply is checked, with a time limit on the whole dialogue.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { randomUUID } from "node:crypto";
import type { Notification } from "../notifications.ts";
import type { Transport } from "./transport.ts";
import { vppError } from "../../errors.ts";

export interface SmtpOptions {
  host: string;
  port: number;
  from: string;
  /** Implicit TLS (port 465 style). */
  secure?: boolean;
  timeoutMs?: number;
  /** Name sent in EHLO. */
  clientName?: string;
}

const ADDRESS = /^[^\s<>@]+@[^\s<>@]+$/;

function encodeHeader(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, "utf8").toString("base64")}?=`;
}

export function buildMessage(from: string, n: Notification): string {
  const body = Buffer.from(n.body, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
  return [
    `From: ${from}`,
    `To: ${n.to}`,
    `Subject: ${encodeHeader(n.subject)}`,
    `Date: ${new Date(n.at).toUTCString()}`,
    `Message-ID: <${randomUUID()}@gridthings.vpp>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    body,
  ].join("\r\n");
}

class Dialogue {
  private buffer = "";
  private waiting: ((reply: { code: number; text: string }) => void) | undefined;
  private replies: Array<{ code: number; text: string }> = [];
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("connection closed")));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ code: 0, text: e.message });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let lines: string[] = [];
    let cut: number;
    while ((cut = this.buffer.indexOf("\r\n")) >= 0) {
      const line = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      lines.push(line);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join("\n") };
        lines = [];
        const w = this.waiting;
        this.waiting = undefined;
        if (w) w(reply);
        else this.replies.push(reply);
      }
    }
  }

  reply(): Promise<{ code: number; text: string }> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.resolve({ code: 0, text: this.failure.message });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async expect(command: string | undefined, ok: readonly number[]): Promise<void> {
    if (command !== undefined) this.socket.write(`${command}\r\n`);
    const r = await this.reply();
    if (!ok.includes(r.code)) throw vppError("VPP_TRANSPORT_FAILED", `SMTP ${command?.split(" ")[0] ?? "greeting"}: ${r.code} ${r.text}`);
  }
}

export class SmtpTransport implements Transport {
  readonly name = "smtp";

  constructor(private readonly options: SmtpOptions) {
    if (!ADDRESS.test(options.from)) throw vppError("VPP_BAD_ARGUMENT", `SMTP sender ${JSON.stringify(options.from)} is not an address`);
    if (!(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) throw vppError("VPP_BAD_ARGUMENT", `SMTP port ${options.port} is not a port`);
  }

  async deliver(n: Notification): Promise<void> {
    if (!ADDRESS.test(n.to)) throw vppError("VPP_TRANSPORT_FAILED", `SMTP recipient ${JSON.stringify(n.to)} is not an address`);
    const o = this.options;
    const socket = o.secure ? tlsConnect({ host: o.host, port: o.port, servername: o.host }) : netConnect({ host: o.host, port: o.port });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`)), o.timeoutMs ?? 10_000);
    const d = new Dialogue(socket);
    try {
      await d.expect(undefined, [220]);
      await d.expect(`EHLO ${o.clientName ?? "gridthings-vpp"}`, [250]);
      await d.expect(`MAIL FROM:<${o.from}>`, [250]);
      await d.expect(`RCPT TO:<${n.to}>`, [250, 251]);
      await d.expect("DATA", [354]);
      const data = buildMessage(o.from, n).replace(/\r\n\./g, "\r\n..");
      await d.expect(`${data}\r\n.`, [250]);
      await d.expect("QUIT", [221]).catch(() => undefined);
    } finally {
      clearTimeout(timer);
      socket.destroy();
    }
  }
}
