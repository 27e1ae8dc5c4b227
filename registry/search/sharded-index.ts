import type { Entry } from "../directory.ts";
import { fail } from "../errors.ts";
import { logger } from "../../src/log/logger.ts";
import { IndexWorker } from "./index-worker.ts";
import { mergeGraphs, mergeSelect, writeAsk, writeSelect, type SelectAnswer } from "./merge-results.ts";
import type { ShardPlan } from "./shard-plan.ts";
import type { IndexChange } from "./sparql-worker.ts";

const log = logger("registry.sparql");

/** Quads per TD assumed when turning a shard's TD capacity into quads (a site TD maps to about 390). */
const QUADS_PER_TD = 400;

export interface ShardedIndexOptions {
  timeoutMs: number;
  maxResultBytes: number;
  /** TDs per shard at most. */
  shardSize: number;
  /** A shard is rebuilt when its removed-but-not-freed quads exceed this share of its capacity. */
  garbageShare: number;
}

/** A TD to (re)index or, without json, to drop; household decides the shard class. */
export interface ShardChange extends IndexChange {
  household: boolean;
}

interface Shard {
  readonly name: string;
  readonly household: boolean;
  readonly ids: Set<string>;
  worker: IndexWorker;
  /** A fresh worker being filled from the directory; it replaces `worker` once it has caught up. */
  rebuilding?: IndexWorker;
  garbage: number;
  rebuilds: number;
}

export interface ShardStats {
  name: string;
  household: boolean;
  tds: number;
  garbage: number;
  rebuilds: number;
}

/**
 * SPARQL over more TDs than one oxigraph store holds: the TDs are spread over shards of at most
 * `shardSize` TDs, each an oxigraph store in its own worker. Open and household TDs go to shards of
 * their own class, so callers who may not see household TDs query only the open shards (and no TD is
 * indexed twice). A TD stays in the shard it was put in (the first of its class with room, in
 * directory order at start) until it is deleted or changes class; a shard starts when the others of
 * its class are full. A query runs on every shard it may see, in parallel, and the answers are merged
 * as its plan says (shard-plan.ts refuses what cannot be merged exactly).
 */
export class ShardedIndex {
  private readonly shards: Shard[] = [];
  private readonly shardOf = new Map<string, Shard>();
  private swaps = 0;
  private stopped = false;

  constructor(
    private readonly options: ShardedIndexOptions,
    private readonly snapshot: () => readonly Entry[],
  ) {}

  /** Places every TD of the directory and starts the shards' workers (they index in the background). */
  start(): this {
    for (const e of this.snapshot()) this.place(e.id, e.household, false).ids.add(e.id);
    if (!this.shards.some((s) => !s.household)) this.newShard(false, false);
    for (const shard of this.shards) shard.worker.start();
    log.info({ shards: this.shards.length, shardSize: this.options.shardSize }, "SPARQL index sharded");
    return this;
  }

  /** Changes the index from answers' point of view: bumped by any worker restart or shard swap. */
  get generation(): number {
    return this.shards.reduce((n, s) => n + s.worker.generation, this.swaps + this.shards.length * 1_000_000);
  }

  stats(): ShardStats[] {
    return this.shards.map((s) => ({ name: s.name, household: s.household, tds: s.ids.size, garbage: s.garbage, rebuilds: s.rebuilds }));
  }

  index(changes: readonly ShardChange[]): void {
    const batches = new Map<Shard, IndexChange[]>();
    const post = (shard: Shard, change: IndexChange) => {
      let batch = batches.get(shard);
      if (!batch) batches.set(shard, (batch = []));
      batch.push(change);
    };
    for (const { id, json, household } of changes) {
      const current = this.shardOf.get(id);
      if (current && (json === undefined || current.household !== household)) {
        current.ids.delete(id);
        this.shardOf.delete(id);
        post(current, { id });
      }
      if (json === undefined) continue;
      const target = this.shardOf.get(id) ?? this.place(id, household, true);
      target.ids.add(id);
      post(target, { id, json });
    }
    for (const [shard, batch] of batches) {
      shard.worker.index(batch);
      shard.rebuilding?.index(batch);
    }
  }

  async query(plan: ShardPlan, format: string, privileged: boolean): Promise<string> {
    const visible = this.shards.filter((s) => privileged || !s.household);
    const targets = plan.anyShard ? visible.slice(0, 1) : visible;
    const graphForm = plan.form === "CONSTRUCT" || plan.form === "DESCRIBE";
    const shardFormat = graphForm ? "application/n-triples" : "application/sparql-results+json";
    const bodies = await this.withinDeadline(Promise.all(targets.map((s) => s.worker.query(plan.shardQuery, shardFormat))));
    const bytes = bodies.reduce((n, b) => n + b.length, 0);
    if (bytes > this.options.maxResultBytes * 2) throw fail("SEARCH_RESULT_TOO_LARGE", `the answer is larger than ${this.options.maxResultBytes} bytes; narrow the query or use LIMIT`);
    if (plan.form === "ASK") return writeAsk(bodies.some((b) => (JSON.parse(b) as { boolean: boolean }).boolean), format);
    if (plan.form === "SELECT") return writeSelect(mergeSelect(plan, bodies.map((b) => JSON.parse(b) as SelectAnswer)), format);
    const graph = mergeGraphs(bodies);
    if (format === "application/n-triples") return graph;
    return (targets[0] as Shard).worker.convert(graph, format);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.shards.flatMap((s) => [s.worker.stop(), s.rebuilding?.stop()]));
  }

  /** The whole fan-out is bounded like one store's query: waiting behind indexing, then running. */
  private withinDeadline<T>(work: Promise<T>): Promise<T> {
    const limit = Math.max(this.options.timeoutMs * 6, 30_000) + this.options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(fail("SEARCH_TIMEOUT", `the SPARQL query over ${this.shards.length} shards did not finish within ${limit} ms`)), limit);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  /** The shard a new TD of this class goes to: the first with room, or a new one. */
  private place(id: string, household: boolean, startNow: boolean): Shard {
    const shard = this.shards.find((s) => s.household === household && s.ids.size < this.options.shardSize) ?? this.newShard(household, startNow);
    this.shardOf.set(id, shard);
    return shard;
  }

  private newShard(household: boolean, startNow: boolean): Shard {
    const name = `${household ? "household" : "open"}-${this.shards.filter((s) => s.household === household).length}`;
    const shard: Shard = { name, household, ids: new Set(), garbage: 0, rebuilds: 0, worker: undefined as unknown as IndexWorker };
    shard.worker = this.workerFor(shard, this.shards.length);
    this.shards.push(shard);
    if (startNow) shard.worker.start();
    return shard;
  }

  private workerFor(shard: Shard, number: number): IndexWorker {
    const worker: IndexWorker = new IndexWorker({
      name: shard.name,
      timeoutMs: this.options.timeoutMs,
      snapshot: () => this.snapshot().filter((e) => this.shardOf.get(e.id) === shard).map((e) => ({ id: e.id, json: e.json })),
      worker: { blankTag: `s${number}`, trackGarbage: true },
      onGarbage: (quads) => {
        if (shard.worker !== worker) return;
        shard.garbage = quads;
        if (quads > this.options.garbageShare * this.options.shardSize * QUADS_PER_TD) void this.rebuild(shard, number);
      },
    });
    return worker;
  }

  /**
   * oxigraph never frees a removed quad: a shard with much garbage is rebuilt from the directory in a
   * fresh worker, which gets every change from then on too, and replaces the old one once it has
   * caught up. The old one answers until then, and finishes the queries it has before it stops.
   */
  private async rebuild(shard: Shard, number: number): Promise<void> {
    if (shard.rebuilding || this.stopped) return;
    log.info({ shard: shard.name, garbage: shard.garbage }, "rebuilding a SPARQL shard to free removed quads");
    const fresh = this.workerFor(shard, number);
    shard.rebuilding = fresh.start();
    try {
      await fresh.ready();
    } catch {
      if (shard.rebuilding === fresh) shard.rebuilding = undefined;
      return;
    }
    if (this.stopped || shard.rebuilding !== fresh) return;
    const old = shard.worker;
    shard.worker = fresh;
    shard.rebuilding = undefined;
    shard.garbage = 0;
    shard.rebuilds++;
    this.swaps++;
    void old
      .ready()
      .catch(() => undefined)
      .finally(() => void old.stop());
  }
}
