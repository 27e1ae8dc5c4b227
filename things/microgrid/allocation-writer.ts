/**
 * Apply Allocations, the I/O half: writes each completed cycle's allocations back to the site's
 * charge points over WoT (their TDs, HTTP, an operator bearer token), audited durably.
 *
 * - APPLIED / CURTAILED cycle → each controllable node's `allocated_watts` (allocation-plan.ts);
 * - REJECTED cycle → the fail-safe limits (`service.safeAllocations`: each cap shared equally
 *   among the chargers under it; D-012) for the chargers in the cycle's scope. A cycle refused only
 *   for a caller's stale pinned version (TOPOLOGY_VERSION_CONFLICT) says nothing about the grid and
 *   changes nothing;
 * - no whole-microgrid APPLIED / CURTAILED cycle yet, or none for `staleAfterMs` → the fail-safe
 *   limits for every charger, once, until the next one.
 * Limits are never lifted for lack of a result. A topology change re-plans the targets.
 * Each write is audited on the `allocation_writes` stream: REQUESTED before it is sent (durable),
 * then OK or FAILED with the error code. Within a batch the lowered limits are written (and
 * audited) before the raised ones, so moving power between chargers never passes a cap on the way.
 * A value already written successfully is not written again until `refreshMs` passed (a restarted
 * device gets it back then). One batch at a time; a cycle that completes while a batch is in
 * flight replaces any cycle still waiting.
 * Lifecycle object: construct, `start()`, `stop()`.
 */
import { logger } from "../../src/log/logger.ts";
import { isCodedError } from "../../src/errors/coded-error.ts";
import type { AllocationWrite, AllocationWriteTrigger } from "../../src/microgrid/allocation-audit.ts";
import type { CycleResult, MicrogridNode } from "../../src/microgrid/types.ts";
import type { MicrogridService } from "../../src/microgrid-api/service.ts";
import type { StoredRecord } from "../../src/microgrid-api/storage/storage-port.ts";
import { Consumer } from "../../src/wot/consumer.ts";
import type { JsonObject } from "../../src/wot/published-td.ts";
import { fromWireMessage } from "../../src/wot/wire-error.ts";
import { limitWrites, planAllocationTargets, type AllocationTarget, type LimitWrite } from "./allocation-plan.ts";
import { siteThingOf } from "./telemetry-bridge.ts";

const log = logger("microgrid.allocations");

export interface AllocationWriterOptions {
  service: MicrogridService;
  microgrid_id: string;
  /** The site's published TDs. */
  tds: readonly JsonObject[];
  /** Bearer token with the operator role (charging limits are power-changing). */
  token: string;
  /** A cycle result older than this is no longer applied: the fail-safe limits are (ms, default 45 000). */
  staleAfterMs?: number;
  /** An unchanged value is written again after this long (ms, default 60 000). */
  refreshMs?: number;
  /** Time limit of each write (default 3000 ms). */
  timeoutMs?: number;
  now?: () => Date;
  newId?: () => string;
}

export interface AllocationWriterStats {
  batches: number;
  writes: number;
  failures: number;
  /** Trigger of the last batch. */
  lastTrigger: AllocationWriteTrigger | null;
}

type Batch = { trigger: AllocationWriteTrigger; cycle_id: string | null; writes: LimitWrite[] };

export class AllocationWriter {
  private consumer: Consumer | undefined;
  private readonly things = new Map<string, WoT.ConsumedThing>();
  private targets: AllocationTarget[] = [];
  private nodeOfThing = new Map<string, string>();
  private tdByTitle = new Map<string, JsonObject>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: (() => Batch) | undefined;
  /** When the last cycle result arrived (or start), ms. */
  private lastCycleAtMs = 0;
  private lastCycleId: string | null = null;
  /** The fail-safe values are in force (written after a REJECTED or stale result). */
  private failSafe = false;
  private readonly written = new Map<string, { value: number | null; atMs: number }>();
  private seq = 0;
  readonly stats: AllocationWriterStats = { batches: 0, writes: 0, failures: 0, lastTrigger: null };

  constructor(private readonly options: AllocationWriterOptions) {}

  private nowMs(): number {
    return (this.options.now ?? (() => new Date()))().getTime();
  }

  get allocationTargets(): readonly AllocationTarget[] {
    return this.targets;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.tdByTitle = new Map(o.tds.map((td) => [String(td.title), td] as const));
    this.plan();
    const consumer = new Consumer({ protocols: ["http"], token: o.token, timeoutMs: o.timeoutMs ?? 3000 });
    await consumer.start();
    this.consumer = consumer;
    for (const t of this.targets) await this.thingOf(t.thing);
    this.unsubscribe = o.service.onEvent((r) => this.onRecord(r));
    this.lastCycleAtMs = this.nowMs();
    // no trustworthy result yet: hold the chargers to the fail-safe limits until the first cycle
    this.enqueue(() => this.failSafeBatch("CYCLE_STALE", null));
    const stale = o.staleAfterMs ?? 45_000;
    this.timer = setInterval(() => this.checkStale(), Math.max(250, Math.round(stale / 3)));
    log.info({ microgrid_id: o.microgrid_id, targets: this.targets.map((t) => t.node_id), staleAfterMs: stale }, "allocation write-back started");
  }

  /** Targets from the current topology and the site's TDs. */
  private plan(): void {
    const nodes = this.options.service.topology(this.options.microgrid_id).nodes;
    this.targets = planAllocationTargets(nodes, this.options.tds.map(siteThingOf));
    this.nodeOfThing = new Map(nodes.filter((n) => n.node_type === "CHARGE_POINT" && n.attached_asset_id !== null).map((n) => [n.attached_asset_id as string, n.node_id] as const));
  }

  private async thingOf(title: string): Promise<WoT.ConsumedThing | undefined> {
    const known = this.things.get(title);
    if (known) return known;
    const td = this.tdByTitle.get(title);
    if (!td || !this.consumer) return undefined;
    const thing = await this.consumer.consume(td, "http");
    this.things.set(title, thing);
    return thing;
  }

  /** Resolves when the batches queued so far are written and audited. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private onRecord(r: StoredRecord): void {
    if (r.microgrid_id !== this.options.microgrid_id) return;
    if (r.stream === "domain" && r.type === "microgrid.topology_updated") {
      this.plan();
      return;
    }
    if (r.stream !== "cycles") return;
    const cycle = r.payload as unknown as CycleResult;
    if (cycle.outcome === "REJECTED") {
      if (cycle.reason_codes.every((c) => c === "TOPOLOGY_VERSION_CONFLICT" || c === "LEGACY_ALIAS_TRANSLATION_APPLIED")) return;
      this.lastCycleId = cycle.cycle_id;
      this.enqueue(() => this.failSafeBatch("CYCLE_REJECTED", cycle.node_id));
      return;
    }
    this.lastCycleId = cycle.cycle_id;
    if (cycle.node_id === null) {
      this.lastCycleAtMs = this.nowMs();
      this.failSafe = false;
    }
    const allocation = new Map(cycle.allocation_summary.by_node.map((a) => [a.node_id, a.allocated_watts] as const));
    this.enqueue(() => ({ trigger: cycle.outcome === "CURTAILED" ? "CYCLE_CURTAILED" : "CYCLE_APPLIED", cycle_id: cycle.cycle_id, writes: limitWrites(this.targets, allocation, this.nodeOfThing) }));
  }

  /** Called by the timer: a result older than staleAfterMs is replaced by the fail-safe limits, once. */
  checkStale(): void {
    if (this.failSafe || this.nowMs() - this.lastCycleAtMs <= (this.options.staleAfterMs ?? 45_000)) return;
    this.enqueue(() => this.failSafeBatch("CYCLE_STALE", null));
  }

  /** The fail-safe limits for the chargers in the subtree of `scope` (null: all). */
  private failSafeBatch(trigger: AllocationWriteTrigger, scope: string | null): Batch {
    if (scope === null) this.failSafe = true;
    const inScope = scope === null ? null : subtreeOf(this.options.service.topology(this.options.microgrid_id).nodes, scope);
    const safe = new Map(
      this.options.service
        .safeAllocations(this.options.microgrid_id)
        .filter((s) => inScope === null || inScope.has(s.node_id))
        .map((s) => [s.node_id, s.limit_watts] as const),
    );
    return { trigger, cycle_id: this.lastCycleId, writes: limitWrites(this.targets, safe, this.nodeOfThing) };
  }

  private enqueue(batch: () => Batch): void {
    this.pending = batch;
    this.kick();
  }

  private kick(): void {
    if (this.running || !this.pending || !this.consumer) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending && this.consumer) {
      const make = this.pending;
      this.pending = undefined;
      try {
        await this.write(make());
      } catch (e) {
        log.error({ err: e }, "allocation write-back batch failed");
      }
    }
  }

  private async write(batch: Batch): Promise<void> {
    const o = this.options;
    const refresh = o.refreshMs ?? 60_000;
    const now = this.nowMs();
    const due = batch.writes.filter((w) => {
      const last = this.written.get(keyOf(w));
      return !last || last.value !== w.limit_watts || now - last.atMs >= refresh;
    });
    if (due.length === 0) return;
    const records: AllocationWrite[] = due.map((w) => ({
      write_id: o.newId?.() ?? `aw-${o.microgrid_id}-${now}-${++this.seq}`,
      microgrid_id: o.microgrid_id,
      cycle_id: batch.cycle_id,
      trigger: batch.trigger,
      node_id: w.node_id,
      thing: w.thing,
      affordance: w.affordance,
      connector_id: w.connector_id,
      limit_watts: w.limit_watts,
      result: "REQUESTED",
      error_code: null,
      error: null,
    }));
    await o.service.recordAllocationWrites(o.microgrid_id, records); // durable before anything is sent
    // lowering limits first, raising (or lifting) them after: power moves between chargers without
    // the sum passing a cap in between
    const raises = (w: LimitWrite): boolean => {
      const last = this.written.get(keyOf(w));
      if (!last) return false; // unknown device value: treat as lowering
      return w.limit_watts === null || (last.value !== null && w.limit_watts >= last.value);
    };
    const phaseOf = due.map(raises); // decided before anything is sent
    const results: AllocationWrite[] = [];
    for (const phase of [false, true]) {
      const idx = due.map((_, i) => i).filter((i) => phaseOf[i] === phase);
      if (idx.length === 0) continue;
      const done = await Promise.all(idx.map((i) => this.send(due[i] as LimitWrite).then((r) => ({ ...(records[i] as AllocationWrite), ...r }))));
      await o.service.recordAllocationWrites(o.microgrid_id, done);
      const at = this.nowMs();
      for (const [k, r] of done.entries()) {
        const w = due[idx[k] as number] as LimitWrite;
        if (r.result === "OK") this.written.set(keyOf(w), { value: w.limit_watts, atMs: at });
        else this.written.delete(keyOf(w));
      }
      results.push(...done);
    }
    const failed = results.filter((r) => r.result === "FAILED");
    this.stats.batches++;
    this.stats.writes += results.length;
    this.stats.failures += failed.length;
    this.stats.lastTrigger = batch.trigger;
    if (failed.length > 0) log.warn({ microgrid_id: o.microgrid_id, trigger: batch.trigger, failed: failed.map((f) => `${f.node_id}:${f.error_code}`) }, "charge limit writes failed (audited; written again next cycle)");
  }

  private async send(w: LimitWrite): Promise<Pick<AllocationWrite, "result" | "error_code" | "error">> {
    const consumer = this.consumer;
    try {
      const thing = await this.thingOf(w.thing);
      if (!thing || !consumer) throw new Error(`no TD for ${w.thing}`);
      if (w.affordance === "chargingLimit") await consumer.write(thing, "chargingLimit", w.limit_watts);
      else await consumer.invoke(thing, "setConnectorLimit", { connectorId: w.connector_id, limitW: w.limit_watts });
      return { result: "OK", error_code: null, error: null };
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      const code = isCodedError(e) ? e.code : (fromWireMessage(message)?.code ?? codeOfHttpMessage(message));
      return { result: "FAILED", error_code: code, error: message.slice(0, 500) };
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    await this.idle();
    this.things.clear();
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}

/** node-wot's HTTP client reports only the status text ("Client error: Forbidden"): back to the WoT glue's codes. */
const HTTP_STATUS_CODES: ReadonlyArray<[string, string]> = [
  ["Unauthorized", "UNAUTHENTICATED"],
  ["Forbidden", "FORBIDDEN"],
  ["Bad Request", "INPUT_INVALID"],
  ["Not Found", "NOT_FOUND"],
  ["Conflict", "DEVICE_FAULT"],
];

function codeOfHttpMessage(message: string): string {
  return HTTP_STATUS_CODES.find(([text]) => message.includes(text))?.[1] ?? "DEVICE_WRITE_FAILED";
}

/** Ids of `root` and every node below it. */
function subtreeOf(nodes: readonly MicrogridNode[], root: string): Set<string> {
  const out = new Set([root]);
  // pre-order: a parent comes before its children
  for (const n of nodes) if (n.parent_node_id !== null && out.has(n.parent_node_id)) out.add(n.node_id);
  return out;
}

function keyOf(w: LimitWrite): string {
  return `${w.thing}|${w.affordance}|${w.connector_id ?? ""}`;
}
