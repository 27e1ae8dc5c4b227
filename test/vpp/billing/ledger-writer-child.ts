// Child process of the ledger's kill -9 test: writes batches of readings with a small checkpoint
// limit (so checkpoints run all the time, like the meter stream's flush does: waiting for one
// when it is under way) and prints the number of readings durable after each sync.
import { BillingLedger } from "../../../src/vpp/billing/ledger.ts";

const ledger = BillingLedger.open(process.argv[2] as string, { checkpointWalBytes: 64 * 1024 });
const T0 = Date.parse("2026-06-01T00:00:00Z");
let n = 0;
for (;;) {
  const checkpoint = ledger.checkpointing;
  if (checkpoint && n % 3 === 0) await checkpoint; // and sometimes not: the write then finishes it
  const readings = Array.from({ length: 120 }, () => {
    const i = n++;
    return { meterId: `m${i % 7}`, timeMs: T0 + i * 1000, sequence: i, importMilliWh: i, exportMilliWh: 0, activePowerW: 1 };
  });
  ledger.write({ records: [], readings, anchors: [] });
  await ledger.sync();
  process.stdout.write(`${n}\n`);
}
