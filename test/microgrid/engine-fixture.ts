import { MicrogridEngine } from "../../src/microgrid/engine.ts";
import { MG, tree } from "./fixtures.ts";

export class TestClock {
  t: number;
  constructor(iso = "2026-01-01T12:00:00.000Z") {
    this.t = Date.parse(iso);
  }
  now = (): Date => new Date(this.t);
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}

export function counterIds(): (kind: string) => string {
  let n = 0;
  return (kind) => `${kind}-${++n}`;
}

/** An engine with the fixture tree (gc1 on circuit asset-gc1, gc2 on asset-gc2) and a depot with both feeders. */
export function engineWithTree(clock = new TestClock()) {
  const engine = new MicrogridEngine({ now: clock.now, newId: counterIds() });
  engine.writeTopology(MG, { version: 0, depot_id: "depot-test", nodes: tree(), updated_by: "test" });
  engine.resync("depot-test", [
    { circuit_id: "asset-gc1", name: "Feeder 1", default_capacity_watts: 50000, fail_safe_capacity_watts: 10000, gap_policy: "CIRCUIT_DEFAULT" },
    { circuit_id: "asset-gc2", name: "Feeder 2", default_capacity_watts: 40000, fail_safe_capacity_watts: 8000, gap_policy: "FAIL_SAFE" },
  ], "test");
  engine.drain();
  return { engine, clock };
}
