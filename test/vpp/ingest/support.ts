import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { freePort, portOpen } from "../../support/ports.ts";


export const T0 = Date.parse("2026-06-01T12:00:00Z");

export function reading(meterId: string, i: number, whPerReading = 10): string {
  return JSON.stringify({ meterId, sequence: i, timestamp: new Date(T0 + i * 15_000).toISOString(), activePowerW: whPerReading * 240, energyImportWh: 1000 + i * whPerReading, energyExportWh: 0, voltageV: 230, quality: "GOOD" });
}

export { waitFor } from "../../support/until.ts";

export async function publisher(url: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion, reconnectPeriod: 200, clientId: `test-pub-${Math.random().toString(16).slice(2, 10)}`, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}

/** A Mosquitto with persistence on a fixed port, which can be restarted (same port, same store). */
export class RestartableMosquitto {
  private child: ChildProcess | undefined;
  private dir = "";
  port = 0;

  constructor(private readonly binary: string) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.dir) {
      this.dir = await mkdtemp(join(tmpdir(), "gridthings-vpp-mosquitto-"));
      this.port = await freePort();
      await writeFile(
        join(this.dir, "mosquitto.conf"),
        [`listener ${this.port} 127.0.0.1`, "allow_anonymous true", "persistence true", `persistence_location ${this.dir}/`, "autosave_interval 1", "max_queued_messages 100000", "log_dest stderr", "log_type error", ""].join("\n"),
      );
    }
    const child = spawn(this.binary, ["-c", join(this.dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => void (stderr += c.toString("utf8")));
    this.child = child;
    const deadline = Date.now() + 5000;
    while (!(await portOpen(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on ${this.port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** SIGTERM (Mosquitto saves its store) and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await this.kill();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A smart-meter TD as the site publishes it (reading event over HTTP and MQTT). */
export function meterTd(id: string, broker = "mqtt://127.0.0.1:1883", over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `urn:gridthings:device:${id}`,
    title: id,
    "@type": ["saref:Meter", "s4grid:Meter", "gt:SmartMeter"],
    "gt:region": "north",
    "gt:substation": "sub-n1",
    "gt:feeder": "f-n1a",
    "gt:privacy": "household",
    events: { reading: { forms: [{ href: `http://127.0.0.1:8081/${id}/events/reading`, op: "subscribeevent" }, { href: `${broker}/${id}/events/reading`, op: ["subscribeevent", "unsubscribeevent"] }] } },
    ...over,
  };
}
