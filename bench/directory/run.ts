// Directory benchmark: registers N generated ~10 KB TDs over HTTP into a directory running in its
// own process, then measures reads, listing, JSONPath and SPARQL. Usage:
//   node --import tsx bench/directory/run.ts [sizes=10000,100000] [--no-sparql-above=N] [--sparql=on,off] [--shard-size=N]
// --sparql=on,off runs every size twice, with the SPARQL index and without, one after the other.
// --shard-size: TDs per SPARQL store (the directory's default, 25,000, unless given); more TDs are sharded.
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { generateTd } from "./generate-td.ts";

const TOKEN = "bench-token-0123456789";
const args = process.argv.slice(2);
const sizes = (args.find((a) => !a.startsWith("--")) ?? "10000,100000").split(",").map(Number);
const sparqlLimit = Number(args.find((a) => a.startsWith("--no-sparql-above="))?.split("=")[1] ?? Infinity);
const sparqlModes = (args.find((a) => a.startsWith("--sparql="))?.split("=")[1] ?? "on").split(",").map((m) => m === "on");
const shardSize = args.find((a) => a.startsWith("--shard-size="))?.split("=")[1] ?? "";

const ENSEMBLE_JSONPATH = "$[?@['gt:region']=='north' && @['gt:maxDischargePowerW'] > 50000].id";
const TITLE_JSONPATH = "$[?@.title=='BESS 4242'].id";
// Each threshold is a different query text, so these are evaluated; the repeated one is answered
// from the directory's answer cache after its first evaluation.
const ensembleSparql = (threshold: number) => `PREFIX s4ener: <https://saref.etsi.org/saref4ener/> PREFIX gt: <https://gridthings.dev/ns#>
SELECT ?thing WHERE { ?thing gt:region "north" ; gt:maxDischargePowerW ?p . FILTER(?p > ${threshold}) ?thing a s4ener:Battery }`;
const ONE_SPARQL = `PREFIX td: <https://www.w3.org/2019/wot/td#> SELECT ?t WHERE { ?t td:title "BESS 4242" }`;

// node:http with keep-alive: the client should cost the measurement as little as possible.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function putRaw(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", agent, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/td+json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${res.statusCode} ${text.slice(0, 200)}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
async function timed(times: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
async function ok(r: Response): Promise<string> {
  const body = await r.text();
  if (!r.ok) throw new Error(`${r.status} ${body.slice(0, 200)}`);
  return body;
}
/** CPU time the directory process (all its threads) has used so far, in ms: a figure the other load on a shared machine does not inflate. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
const fmt = (x: { p50: number; p99: number }) => `p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms`;

for (const size of sizes) for (const sparqlOn of sparqlModes) {
  const dataDir = mkdtempSync(join(tmpdir(), "gt-bench-dir-"));
  const sparql = sparqlOn && size <= sparqlLimit;
  const server = spawn(process.execPath, ["--max-old-space-size=16384", "--import", "tsx", join(import.meta.dirname, "server.ts"), dataDir, String(sparql), shardSize], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, GRIDTHINGS_LOG_LEVEL: "warn" } });
  const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once("line", resolve));
  try {
    const tds = Array.from({ length: size }, (_, i) => JSON.stringify(generateTd(i)));
    const avgKb = tds.reduce((s, t) => s + t.length, 0) / size / 1024;
    const ids = Array.from({ length: size }, (_, i) => generateTd(i).id as string);
    // The SPARQL worker boots in the background when the directory starts: wait for it, so that its
    // start-up (compiling the worker and oxigraph) is not counted as registration work.
    if (sparql) await ok(await fetch(`${url}/search/sparql?query=${encodeURIComponent("ASK {}")}`));
    let next = 0;
    const cpuAtStart = cpuMs(server.pid as number);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < size) {
          const i = next++;
          await putRaw(`${url}/things/${ids[i] as string}`, tds[i] as string);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const auth = { authorization: `Bearer ${TOKEN}` };
    await ok(await fetch(`${url}/search/jsonpath?query=${encodeURIComponent(ENSEMBLE_JSONPATH)}`, { headers: auth }));
    const registrationCpu = cpuMs(server.pid as number) - cpuAtStart;
    let indexSeconds = 0;
    let sparqlFailure: string | undefined;
    if (sparql) {
      // Any query waits for every acknowledged write to be indexed (in every shard); it answers 503
      // while that takes longer than the directory lets a query wait, and is asked again.
      const last = `PREFIX td: <https://www.w3.org/2019/wot/td#> ASK { <${ids[size - 1] as string}> a td:Thing }`;
      for (;;) {
        const r = await fetch(`${url}/search/sparql?query=${encodeURIComponent(last)}`, { headers: auth });
        const text = await r.text();
        if (r.ok && (JSON.parse(text) as { boolean: boolean }).boolean) break;
        if (r.status === 500 || r.status === 400) {
          sparqlFailure = ((p: { detail?: string; title?: string }) => p.detail ?? p.title ?? text)(JSON.parse(text) as { detail?: string; title?: string });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      indexSeconds = (performance.now() - started) / 1000;
    }
    const get = await timed(500, (i) => fetch(`${url}/things/${ids[(i * 7919) % size]}`, { headers: auth }).then(ok));
    const list = await timed(200, (i) => fetch(`${url}/things?limit=100&offset=${(i * 104729) % size}`, { headers: auth }).then(ok));
    const jp = await timed(50, () => fetch(`${url}/search/jsonpath?query=${encodeURIComponent(ENSEMBLE_JSONPATH)}`, { headers: auth }).then(ok));
    const jpTitle = await timed(50, () => fetch(`${url}/search/jsonpath?query=${encodeURIComponent(TITLE_JSONPATH)}`, { headers: auth }).then(ok));
    const jpCount = (JSON.parse(await ok(await fetch(`${url}/search/jsonpath?query=${encodeURIComponent(ENSEMBLE_JSONPATH)}`, { headers: auth }))) as unknown[]).length;
    const lines = [
      `## ${size.toLocaleString("en")} TDs (average ${avgKb.toFixed(1)} KB), SPARQL index ${sparql ? "on" : "off"}`,
      `registration (PUT, durable, 64 concurrent): ${(size / seconds).toFixed(0)} TDs/s (${seconds.toFixed(1)} s); directory CPU while registering ${(registrationCpu / size).toFixed(2)} ms per TD`,
      `GET /things/{id}: ${fmt(get)}`,
      `GET /things?limit=100&offset=…: ${fmt(list)}`,
      `JSONPath ensemble (${jpCount} hits): ${fmt(jp)}`,
      `JSONPath title lookup: ${fmt(jpTitle)}`,
    ];
    if (sparqlFailure) lines.push(`SPARQL: the index failed after ${indexSeconds.toFixed(1)} s: ${sparqlFailure}`);
    else if (sparql) {
      const sparqlUrl = (q: string) => `${url}/search/sparql?query=${encodeURIComponent(q)}`;
      const spHits = (JSON.parse(await ok(await fetch(sparqlUrl(ensembleSparql(50000)), { headers: auth }))) as { results: { bindings: unknown[] } }).results.bindings.length;
      const cpuBefore = cpuMs(server.pid as number);
      const sp = await timed(50, (i) => fetch(sparqlUrl(ensembleSparql(50001 + i)), { headers: auth }).then(ok));
      const spCpu = (cpuMs(server.pid as number) - cpuBefore) / 50;
      const spRepeated = await timed(50, () => fetch(sparqlUrl(ensembleSparql(50000)), { headers: auth }).then(ok));
      // Without a token: household TDs (the meters) are hidden, the open-TD store answers.
      const spAnonymous = await timed(20, (i) => fetch(sparqlUrl(ensembleSparql(60001 + i))).then(ok));
      const spOne = await timed(50, (i) => fetch(sparqlUrl(`${ONE_SPARQL} # ${i}`), { headers: auth }).then(ok));
      lines.push(
        `SPARQL index complete ${indexSeconds.toFixed(1)} s after the first registration`,
        `SPARQL ensemble (${spHits} hits), each query evaluated: ${fmt(sp)}; directory CPU ${spCpu.toFixed(1)} ms per query`,
        `SPARQL ensemble, the same query repeated (answer cache): ${fmt(spRepeated)}`,
        `SPARQL ensemble without a token (household TDs hidden), evaluated: ${fmt(spAnonymous)}`,
        `SPARQL title lookup, evaluated: ${fmt(spOne)}`,
      );
    } else lines.push(`SPARQL: index switched off${sparqlOn ? " at this size (--no-sparql-above)" : ""}`);
    lines.push(`directory process RSS: ${rssMb(server.pid as number)} MB`);
    process.stdout.write(`${lines.join("\n")}\n\n`);
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
agent.destroy();
