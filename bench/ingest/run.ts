/**
 * Meter stream throughput (issue 5, bench/ingest): readings per second through validation,
 * aggregation and billing (ledger on disk, acks after commit) against the rate at which a bare
 * mqtt.js subscriber receives the same messages from the same broker, in the same run.
 *
 * Method: both clients subscribe at QoS 1 with persistent sessions and go offline; the fleet's
 * readings are published once at QoS 1 (the broker queues them for both sessions); then each
 * client reconnects alone and drains its queue. Drain rate = what that consumer sustains, not
 * what the publisher manages. Also: the pure core alone, in process, without MQTT and disk.
 *
 * With `--workers=N` (Mosquitto only), N worker processes also drain the same readings through an
 * MQTT 5 shared subscription (`$share/bench/+/events/reading`), each with its own ledger: the way
 * to scale the stream past one connection.
 *
 * Consumers measured, each draining its own copy of the queue: a bare mqtt.js subscriber (automatic
 * acks, nothing else: the reference the issue names), a bare MqttStreamSubscriber (the meter
 * stream's own MQTT client, acks batched, nothing else: the new ceiling), and the meter stream.
 * The last lines print the gap to 67,000/s for each.
 *
 * Run: `npx tsx bench/ingest/run.ts [meters=10000] [readingsPerMeter=60] [--workers=2]` (Mosquitto
 * if installed, else the embedded aedes broker in this process, sharing the CPU with the consumers).
 * Profile: `node --cpu-prof --import tsx bench/ingest/run.ts …`; the pure core alone: core-only.ts.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { access, constants, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import mqtt, { type MqttClient } from "mqtt";
import { EmbeddedBroker } from "../../src/mqtt/embedded-broker.ts";
import { BillingLedger } from "../../src/vpp/billing/ledger.ts";
import { flatTariff } from "../../src/vpp/billing/tariff.ts";
import { MeterStreamPipeline } from "../../src/vpp/ingest/meter-stream-pipeline.ts";
import { MeterStreamCore } from "../../src/vpp/metering/meter-stream-core.ts";
import { MqttStreamSubscriber } from "../../src/vpp/ingest/mqtt-stream-subscriber.ts";
import { benchFleet, benchPayload, BENCH_NOW } from "./fleet.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
/** Only the meter stream (for a profile of it alone): `--pipeline-only`. */
const PIPELINE_ONLY = process.argv.includes("--pipeline-only");
/** The meter stream's group-commit window (`--commit-every-ms=0`: a commit every event-loop turn, as before). */
const COMMIT_EVERY_MS = process.argv.find((a) => a.startsWith("--commit-every-ms="))?.slice(18);
const BATCH_SIZE = process.argv.find((a) => a.startsWith("--batch-size="))?.slice(13);
const WORKERS = Number(process.argv.find((a) => a.startsWith("--workers="))?.slice(10) ?? 0);
const METERS = Number(args[0] ?? 10_000);
const PER_METER = Number(args[1] ?? 60);
const TARGET = 67_000;
const NOW = BENCH_NOW;
const out = (line: string) => process.stdout.write(line + "\n");
const trace = (line: string) => process.env.BENCH_TRACE && process.stderr.write(`[trace] ${line}\n`);
const fleet = () => benchFleet(METERS);
const payload = benchPayload;

async function findMosquitto(): Promise<string | undefined> {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"]) {
    try {
      await access(join(dir, "mosquitto"), constants.X_OK);
      return join(dir, "mosquitto");
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** CPU ms a process has used so far (Linux /proc), or undefined. */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, at 100 ticks/s
  } catch {
    return undefined;
  }
}

interface Broker {
  url: string;
  name: string;
  /** The broker's CPU ms so far (Mosquitto only). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** How much broker CPU a phase cost per reading. */
function brokerLine(broker: Broker, before: number | undefined, readings: number): string {
  const after = broker.cpuMs();
  return before === undefined || after === undefined ? "" : `; broker CPU ${(((after - before) * 1000) / readings).toFixed(1)} µs/reading`;
}

async function startBroker(): Promise<Broker> {
  const binary = await findMosquitto();
  if (!binary) {
    const b = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await b.start();
    return { url: b.url, name: "aedes (embedded, same process)", cpuMs: () => undefined, stop: () => b.stop() };
  }
  const dir = await mkdtemp(join(tmpdir(), "gridthings-bench-ingest-"));
  const port = await freePort();
  await writeFile(join(dir, "m.conf"), [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "max_queued_messages 0", "max_inflight_messages 0", "log_dest stderr", process.env.BENCH_TRACE ? "log_type all" : "log_type error", ""].join("\n"));
  const child: ChildProcess = spawn(binary, ["-c", join(dir, "m.conf")], { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((r) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => (s.end(), r(true)));
      s.once("error", () => r(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    name: "Mosquitto (separate process)",
    cpuMs: () => processCpuMs(child.pid),
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function connect(url: string, clientId: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => (c.once("connect", () => resolve()), c.once("error", reject)));
  c.on("error", () => undefined); // a reset while closing is not a result
  return c;
}

/** Publishes the fleet's readings round-robin at QoS 1 with a bounded window in flight. */
async function publishAll(url: string): Promise<number> {
  const p = await connect(url, "bench-publisher");
  let inFlight = 0;
  let n = 0;
  const t = performance.now();
  for (let k = 0; k < PER_METER; k++)
    for (let i = 0; i < METERS; i++) {
      const id = `meter-${i}`;
      inFlight++;
      p.publish(`${id}/events/reading`, payload(id, k, i), { qos: 1 }, () => void inFlight--);
      n++;
      if (inFlight > 2000) await new Promise<void>((r) => { const check = () => (inFlight < 500 ? r() : setImmediate(check)); check(); });
    }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  await p.endAsync();
  out(`published ${n} readings at QoS 1 in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured)`);
  return n;
}

/** CPU time of this process per reading, and the rate one whole core would give at that cost. */
function cpuLine(used: NodeJS.CpuUsage, readings: number): string {
  const us = (used.user + used.system) / readings;
  return `CPU ${us.toFixed(1)} µs/reading = ${Math.round(1e6 / us).toLocaleString("en-US")}/s per busy core`;
}

const verdicts: string[] = [];
function verdict(who: string, rate: number): void {
  const r = Math.round(rate).toLocaleString("en-US").padStart(8);
  verdicts.push(rate >= TARGET ? `  ${who.padEnd(44)} ${r}/s   met, ${(rate / TARGET).toFixed(2)}× the target` : `  ${who.padEnd(44)} ${r}/s   NOT met: ${Math.round(TARGET - rate).toLocaleString("en-US")}/s missing, ${(TARGET / rate).toFixed(2)}× short`);
}

/** A bare MqttStreamSubscriber: frames, acks each message at once (batched per chunk), nothing else. */
function drainStream(url: string, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let first = 0;
    const client: MqttStreamSubscriber = new MqttStreamSubscriber(
      { brokerUrl: url, clientId: "bench-raw-stream", subscription: "+/events/reading", protocolVersion: 4, reconnectPeriodMs: 0 },
      {
        message: (_topic, _payload, id, generation) => {
          if (got === 0) first = performance.now();
          if (id !== undefined) client.ack(id, generation);
          if (++got === total) {
            const rate = total / ((performance.now() - first) / 1000);
            void client.stop().then(() => resolve(rate));
          }
        },
      },
    );
    client.start().catch(reject);
  });
}

interface Worker {
  child: ChildProcess;
  acked: number;
}

function message(child: ChildProcess, cmd: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (m.cmd === cmd) {
        child.off("message", on);
        resolve(m);
      }
    };
    child.on("message", on);
  });
}

/** Worker processes whose shared-subscription sessions exist (offline) before publishing. */
async function startWorkers(url: string, dir: string): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const child = fork(join(import.meta.dirname, "worker.ts"), [url, `bench-worker-${i}`, "bench", join(dir, `worker-${i}`), String(METERS), String(NOW)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    await message(child, "loaded");
    const ready = message(child, "ready");
    child.send({ cmd: "session" });
    await ready;
    workers.push({ child, acked: 0 });
  }
  return workers;
}

async function drainWorkers(workers: Worker[], total: number): Promise<number> {
  const t = performance.now();
  const done = new Promise<void>((resolve) => {
    for (const w of workers)
      w.child.on("message", (m: { cmd: string; acked?: number }) => {
        if (m.cmd !== "progress") return;
        w.acked = m.acked ?? 0;
        if (workers.reduce((a, x) => a + x.acked, 0) >= total) resolve();
      });
  });
  for (const w of workers) w.child.send({ cmd: "go" });
  await done;
  const rate = total / ((performance.now() - t) / 1000);
  const stats = await Promise.all(
    workers.map((w) => {
      const d = message(w.child, "done");
      w.child.send({ cmd: "stop" });
      return d;
    }),
  );
  out(`  per worker: ${stats.map((s) => JSON.stringify(s.stats)).join(" ")}`);
  return rate;
}

async function main(): Promise<void> {
  const total = METERS * PER_METER;
  out(`bench/ingest: ${METERS} meters × ${PER_METER} readings = ${total} readings; target ${TARGET}/s (1,000,000 meters every 15 s)`);

  // 0. The pure core alone: parse, VEE, aggregation, billing; no MQTT, no disk.
  {
    const core = new MeterStreamCore({ tariff: flatTariff() });
    for (const m of fleet()) core.place(m);
    const payloads: Array<[string, string]> = [];
    for (let k = 0; k < Math.min(PER_METER, 30); k++) for (let i = 0; i < METERS; i++) payloads.push([`meter-${i}/events/reading`, payload(`meter-${i}`, k, i)]);
    const t = performance.now();
    for (const [topic, p] of payloads) core.ingest(topic, p, NOW);
    const s = (performance.now() - t) / 1000;
    out(`core only (in process):        ${Math.round(payloads.length / s).toLocaleString("en-US")} readings/s (${core.counters.accepted} accepted, ${core.counters.intervalsBilled} intervals)`);
  }

  const broker = await startBroker();
  out(`broker: ${broker.name}`);
  const dir = await mkdtemp(join(tmpdir(), "gridthings-bench-ledger-"));
  try {
    // Both sessions exist and are offline before the readings are published.
    trace("broker up");
    const raw = await connect(broker.url, "bench-raw");
    await raw.subscribeAsync("+/events/reading", { qos: 1 });
    await raw.endAsync();
    const rawStream = new MqttStreamSubscriber({ brokerUrl: broker.url, clientId: "bench-raw-stream", subscription: "+/events/reading", protocolVersion: 4, reconnectPeriodMs: 0 }, {});
    await rawStream.start();
    await rawStream.stop();
    const ledger = BillingLedger.open(dir);
    const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: () => NOW, clientId: "bench-pipeline", aggregateEveryMs: 1000 });
    await pipeline.start({ brokerUrl: broker.url, meters: fleet() });
    await pipeline.stop();
    trace("sessions made");

    const workers = WORKERS > 0 && broker.name.startsWith("Mosquitto") ? await startWorkers(broker.url, dir) : [];

    await publishAll(broker.url);
    trace("published");

    // 1. Bare mqtt.js subscriber (automatic acks, nothing done with the messages).
    let rawRate = Number.NaN;
    let streamRate = Number.NaN;
    if (!PIPELINE_ONLY) {
      let got = 0;
      let first = 0;
      let last = 0;
      let cpu = process.cpuUsage();
      let brokerCpu = broker.cpuMs();
      rawRate = await new Promise<number>((resolve, reject) => {
        const c = mqtt.connect(broker.url, { clientId: "bench-raw", clean: false, reconnectPeriod: 0 });
        c.on("message", () => {
          if (got === 0) first = performance.now();
          got++;
          last = performance.now();
          if (got === total) {
            resolve(total / ((last - first) / 1000));
            void c.endAsync().catch(() => undefined);
          }
        });
        c.on("error", (e) => got < total && reject(e));
      });
      trace("raw drained");
      out(`bare mqtt.js subscriber:       ${Math.round(rawRate).toLocaleString("en-US")} readings/s; ${cpuLine(process.cpuUsage(cpu), total)}${brokerLine(broker, brokerCpu, total)}`);
      verdict("bare mqtt.js subscriber", rawRate);
      cpu = process.cpuUsage();
      brokerCpu = broker.cpuMs();
      streamRate = await drainStream(broker.url, total);
      out(`bare MqttStreamSubscriber:     ${Math.round(streamRate).toLocaleString("en-US")} readings/s; ${cpuLine(process.cpuUsage(cpu), total)}${brokerLine(broker, brokerCpu, total)} (the meter stream's MQTT client, nothing else)`);
      verdict("bare MqttStreamSubscriber", streamRate);
    }

    // 2. The meter stream: VEE, aggregation, billing, SQLite commit per turn, PUBACK after commit.
    const p2 = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: () => NOW, clientId: "bench-pipeline", aggregateEveryMs: 1000, ...(COMMIT_EVERY_MS !== undefined ? { commitEveryMs: Number(COMMIT_EVERY_MS) } : {}), ...(BATCH_SIZE !== undefined ? { batchSize: Number(BATCH_SIZE) } : {}) });
    let aggregates = 0;
    p2.onAggregate(() => aggregates++);
    // Timed from start() (connect, ledger replay, subscribe) to the last PUBACK: the queue starts
    // flowing as soon as the session is back, inside start().
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const brokerCpu0 = broker.cpuMs();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    await p2.start({ brokerUrl: broker.url, meters: fleet() });
    const replayMs = performance.now() - t0;
    await new Promise<void>((resolve) => {
      const check = () => (p2.stats().acked >= total ? resolve() : setTimeout(check, 2));
      check();
    });
    const pipeRate = total / ((performance.now() - t0) / 1000);
    const pipeCpu = process.cpuUsage(cpu0);
    loopDelay.disable();
    const s = p2.stats();
    await p2.stop();
    const rows = ledger.rowCount();
    ledger.close();
    out(`meter stream (VEE+agg+billing, durable, acks after commit): ${Math.round(pipeRate).toLocaleString("en-US")} readings/s; ${cpuLine(pipeCpu, total)}${brokerLine(broker, brokerCpu0, total)} (fsync waits are not CPU)`);
    out(`  accepted ${s.accepted}, rejected ${s.rejectedTotal}, intervals ${s.intervalsBilled}, commits ${s.commits} (${Math.round(s.accepted / Math.max(1, s.commits))} readings/commit, ${(s.commitMs / 1000).toFixed(1)} s in them), aggregates published ${aggregates}, ledger rows ${rows.intervals} intervals / ${rows.readings} readings, start() returned after ${replayMs.toFixed(0)} ms`);
    out(`  event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms; ledger checkpoints ${ledger.checkpointStats.started} (finished on the loop by a write: ${ledger.checkpointStats.finishedInline})`);
    if (!PIPELINE_ONLY) out(`ratio to the bare mqtt.js subscriber: ${(pipeRate / rawRate).toFixed(2)}; to the bare MqttStreamSubscriber: ${(pipeRate / streamRate).toFixed(2)}`);
    verdict("meter stream, one worker (VEE+agg+billing)", pipeRate);
    if (workers.length > 0) {
      const rate = await drainWorkers(workers, total);
      out(`${workers.length} workers, shared subscription, separate processes: ${Math.round(rate).toLocaleString("en-US")} readings/s (ratio to the bare subscriber ${(rate / rawRate).toFixed(2)})`);
      verdict(`meter stream, ${workers.length} workers ($share)`, rate);
    }
    out(`gap to the target, ${TARGET.toLocaleString("en-US")} readings/s (1,000,000 meters every 15 s), on this machine (load average ${loadavg()[0]!.toFixed(1)} at the end):`);
    for (const line of verdicts) out(line);
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

process.on("uncaughtException", (e) => process.stderr.write(`uncaught: ${(e as Error).stack}\n`));
await main();
