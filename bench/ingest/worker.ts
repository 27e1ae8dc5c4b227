/**
 * One meter-stream worker process for `bench/ingest/run.ts --workers N`: a MeterStreamPipeline in
 * the shared group, with its own ledger, reporting its acknowledgement count to the parent.
 * Args: brokerUrl clientId group dataDir meters nowMs
 */
import { BillingLedger } from "../../src/vpp/billing/ledger.ts";
import { flatTariff } from "../../src/vpp/billing/tariff.ts";
import { MeterStreamPipeline } from "../../src/vpp/ingest/meter-stream-pipeline.ts";
import { benchFleet } from "./fleet.ts";

const [brokerUrl, clientId, group, dataDir, meters, nowMs] = process.argv.slice(2) as [string, string, string, string, string, string];
const fleet = benchFleet(Number(meters));
const ledger = BillingLedger.open(dataDir);
const pipeline = new MeterStreamPipeline({ ledger, tariff: flatTariff(), now: () => Number(nowMs), clientId, sharedGroup: group, aggregateEveryMs: 1000 });
const send = (m: object) => process.send?.(m);

process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "session") {
    await pipeline.start({ brokerUrl, meters: fleet });
    await pipeline.stop();
    send({ cmd: "ready" });
  } else if (m.cmd === "go") {
    const timer = setInterval(() => send({ cmd: "progress", acked: pipeline.stats().acked }), 20);
    await pipeline.start({ brokerUrl, meters: fleet });
    process.once("message", async () => {
      clearInterval(timer);
      const s = pipeline.stats();
      await pipeline.stop();
      ledger.close();
      send({ cmd: "done", stats: { acked: s.acked, accepted: s.accepted, commits: s.commits, intervals: s.intervalsBilled } });
      process.disconnect();
    });
  }
});
send({ cmd: "loaded" });
