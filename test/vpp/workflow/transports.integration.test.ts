import { createServer as createTcp, type Server as TcpServer } from "node:net";
import { createServer as createHttp, type Server as HttpServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SmtpTransport } from "../../../src/vpp/workflow/transports/smtp.ts";
import { SmsWebhookTransport } from "../../../src/vpp/workflow/transports/sms-webhook.ts";
import { Outbox } from "../../../src/vpp/workflow/transports/outbox.ts";
import { Notifier } from "../../../src/vpp/workflow/transports/notifier.ts";
import type { Notification } from "../../../src/vpp/workflow/notifications.ts";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A tiny SMTP server: records the dialogue and the message; `refuse` answers 550 to RCPT. */
async function smtpServer(refuse = false): Promise<{ port: number; commands: string[]; messages: string[] }> {
  const commands: string[] = [];
  const messages: string[] = [];
  const server: TcpServer = createTcp((socket) => {
    socket.setEncoding("utf8");
    socket.write("220 test ESMTP\r\n");
    let buffer = "";
    let inData = false;
    let data = "";
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push(data);
            socket.write("250 queued\r\n");
          } else data += `${line}\r\n`;
          continue;
        }
        commands.push(line);
        if (line.startsWith("EHLO")) socket.write("250-test\r\n250 8BITMIME\r\n");
        else if (line.startsWith("MAIL")) socket.write("250 ok\r\n");
        else if (line.startsWith("RCPT")) socket.write(refuse ? "550 no such user\r\n" : "250 ok\r\n");
        else if (line === "DATA") (inData = true), (data = ""), socket.write("354 go\r\n");
        else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("500 what\r\n");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, commands, messages };
}

const email: Notification = { key: "goc|1", channel: "email", to: "goc@grid.example", subject: "Intervention — 100 kW", body: "Frequency 59.95 Hz.\r\n.leading dot\r\nünïcode", at: "2026-06-21T19:00:00Z" };
const sms: Notification = { key: "owner|b|1", channel: "sms", to: "+15550100001", subject: "s", body: "your battery", at: "2026-06-21T19:00:00Z" };

describe("SMTP adapter", () => {
  it("runs the SMTP dialogue and delivers a decodable message", async () => {
    const s = await smtpServer();
    await new SmtpTransport({ host: "127.0.0.1", port: s.port, from: "vpp@grid.example" }).deliver(email);
    expect(s.commands).toEqual(["EHLO gridthings-vpp", "MAIL FROM:<vpp@grid.example>", "RCPT TO:<goc@grid.example>", "DATA", "QUIT"]);
    const [headers, body] = s.messages[0]!.split("\r\n\r\n");
    expect(headers).toContain("Subject: =?UTF-8?B?");
    expect(Buffer.from(body!.replace(/\r\n/g, ""), "base64").toString("utf8")).toBe(email.body);
  });

  it("fails with VPP_TRANSPORT_FAILED when the server refuses, or nobody listens", async () => {
    const s = await smtpServer(true);
    await expect(new SmtpTransport({ host: "127.0.0.1", port: s.port, from: "vpp@grid.example" }).deliver(email)).rejects.toMatchObject({ code: "VPP_TRANSPORT_FAILED", message: expect.stringContaining("550") });
    const closed = await smtpServer();
    const port = closed.port;
    await closers.pop()!();
    await expect(new SmtpTransport({ host: "127.0.0.1", port, from: "vpp@grid.example", timeoutMs: 2000 }).deliver(email)).rejects.toMatchObject({ code: "VPP_TRANSPORT_FAILED" });
  });

  it("refuses bad addresses", async () => {
    expect(() => new SmtpTransport({ host: "127.0.0.1", port: 25, from: "not an address" })).toThrow(expect.objectContaining({ code: "VPP_BAD_ARGUMENT" }));
    await expect(new SmtpTransport({ host: "127.0.0.1", port: 25, from: "a@b.c" }).deliver({ ...email, to: "x<y>@z" })).rejects.toMatchObject({ code: "VPP_TRANSPORT_FAILED" });
  });
});

describe("SMS webhook adapter", () => {
  async function webhook(status: number): Promise<{ url: string; received: Array<{ headers: Record<string, unknown>; body: unknown }> }> {
    const received: Array<{ headers: Record<string, unknown>; body: unknown }> = [];
    const server: HttpServer = createHttp((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/sms`, received };
  }

  it("posts the message with an idempotency key and bearer token", async () => {
    const w = await webhook(202);
    await new SmsWebhookTransport({ url: w.url, token: "t0k3n" }).deliver(sms);
    expect(w.received[0]!.body).toEqual({ to: "+15550100001", body: "your battery", key: "owner|b|1" });
    expect(w.received[0]!.headers["idempotency-key"]).toBe("owner|b|1");
    expect(w.received[0]!.headers.authorization).toBe("Bearer t0k3n");
  });

  it("fails on a non-2xx answer and on a bad number", async () => {
    const w = await webhook(500);
    await expect(new SmsWebhookTransport({ url: w.url }).deliver(sms)).rejects.toMatchObject({ code: "VPP_TRANSPORT_FAILED" });
    await expect(new SmsWebhookTransport({ url: w.url }).deliver({ ...sms, to: "555" })).rejects.toMatchObject({ code: "VPP_TRANSPORT_FAILED" });
    expect(() => new SmsWebhookTransport({ url: "ftp://x" })).toThrow(expect.objectContaining({ code: "VPP_BAD_ARGUMENT" }));
  });
});

describe("outbox and notifier", () => {
  it("queues to the outbox by default, durably and once per key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vpp-outbox-"));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "outbox.jsonl");
    const n = new Notifier(new Outbox(file));
    expect(await n.send(email)).toBe("queued");
    expect(await n.send(email)).toBe("duplicate");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(1);
    const reopened = new Outbox(file);
    expect(reopened.list()[0]).toMatchObject({ key: "goc|1", status: "queued", deliveredBy: "outbox" });
    expect(await new Notifier(reopened).send(email)).toBe("duplicate");
  });

  it("records deliveries and failures of the adapters", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vpp-outbox-"));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const outbox = new Outbox(join(dir, "outbox.jsonl"));
    const s = await smtpServer();
    const n = new Notifier(outbox, { email: new SmtpTransport({ host: "127.0.0.1", port: s.port, from: "vpp@grid.example" }), sms: new SmsWebhookTransport({ url: "http://127.0.0.1:9/nothing", timeoutMs: 1000 }) });
    expect(await n.send(email)).toBe("delivered");
    expect(await n.send(sms)).toBe("failed");
    expect(outbox.list().map((e) => `${e.deliveredBy}:${e.status}`)).toEqual(["sms-webhook:failed", "smtp:delivered"]);
  });
});
