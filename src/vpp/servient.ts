/**
 * The VPP consumer servient (issue 5): knows the site only through the directory and the TDs it
 * finds there. It follows its ensemble (batteries, PV, wind, meters, grid meter, weather) through
 * the directory's event stream, reads and writes each Thing through its TD's forms, and runs seed
 * 000's flow (meter stream → aggregation → frequency regulation → storage dispatch → grid
 * balancing, billing in parallel) and seed 004's workflow on it. Every command and every observed
 * state change goes to the object memory first.
 *
 * Lifecycle object: the constructor does nothing; `start()` connects, `stop()` releases everything.
 */
import { join } from "node:path";
import { mkdir, writeFile } from "node:fs/promises";
import { logger } from "../log/logger.ts";
import { Discovery, type Ensemble, type EnsembleChange, type Td } from "../discovery/index.ts";
import { Consumer } from "../wot/consumer.ts";
import type { JsonObject } from "../wot/published-td.ts";
import type { Principal } from "../auth/roles.ts";
import { DurableJsonFile } from "../storage/durable-json-file.ts";
import { resolveVppConfig, type VppConfig } from "./config.ts";
import { ensembleFilter, placementOf, roleOf, type Role } from "./discovery/roles.ts";
import { assessFrequency, type FrequencyAssessment, type GridSample } from "./regulation/frequency.ts";
import { runStepWithDeadline } from "./regulation/step-deadline.ts";
import { adoptSetpoints, decideDispatch, INITIAL_DISPATCH_STATE, type DispatchDecision, type DispatchState } from "./dispatch/storage-dispatch.ts";
import { batteryStateFromTelemetry, type BatteryState } from "./dispatch/battery-state.ts";
import { HighRiskGuard, type HighRiskCommand } from "./dispatch/high-risk.ts";
import { planBalancing, type NodeLimit, type RenewableState } from "./balancing/grid-balancing.ts";
import { nodeLimitsFromOrchestrator } from "./balancing/orchestrator-limits.ts";
import { ObjectMemory, type MemoryEntry } from "./memory/object-memory.ts";
import { HistoryRecorder } from "./history/recorder.ts";
import { EMPTY_BOOK, observeGrid, type IncidentBook } from "./workflow/incidents.ts";
import { technicianTaskFor, type TechnicianTask } from "./workflow/tasks.ts";
import { operatorNotification, ownerAlerts, type Owner } from "./workflow/notifications.ts";
import { NEW_MODEL, parseWeatherForecast, predictGeneration, updateModel, type ForecastModel, type GenerationForecastPoint, type Plant } from "./workflow/forecast.ts";
import { addSample, emptyDay, type DayStats } from "./workflow/stability-stats.ts";
import { renderStabilityReport } from "./workflow/stability-report.ts";
import { Outbox } from "./workflow/transports/outbox.ts";
import { Notifier } from "./workflow/transports/notifier.ts";
import { SmtpTransport } from "./workflow/transports/smtp.ts";
import { SmsWebhookTransport } from "./workflow/transports/sms-webhook.ts";
import { ObservedClock } from "./sim-clock.ts";
import { gridSampleFromChannels } from "./grid-sample.ts";
import { vppError } from "./errors.ts";
import { mapLimit } from "./concurrency.ts";

/** Device calls in flight at once, per kind of call. */
const IN_FLIGHT = 64;
import { BillingLedger, MeterStreamPipeline, loadTariffFile, type LoadAggregate } from "./ingest/index.ts";

const log = logger("vpp.servient");

export interface VppServientOptions {
  directoryUrl: string;
  /** Token for the directory: privileged-reader (or admin) to see the smart-meter TDs. */
  directoryToken?: string;
  /** Token sent to devices for power-changing writes (operator role). */
  operatorToken?: string;
  /** Whom the operator token stands for: dispatch is authorized against it. */
  principal: Principal;
  dataDir: string;
  config?: Partial<VppConfig>;
  /** Meter stream and billing (seed 000); a tariff file path, or false to leave metering out. */
  metering?: { tariffFile: string; sharedGroup?: string } | false;
  /** One line per dispatch and a periodic status line. */
  onLine?: (line: string) => void;
  /** Wall clock. */
  now?: () => number;
}

interface Link {
  id: string;
  title: string;
  role: Role;
  td: Td;
  read: WoT.ConsumedThing;
  write: WoT.ConsumedThing;
  subscriptions: WoT.Subscription[];
}

interface BatteryLink extends Link {
  state: BatteryState | undefined;
  failures: number;
  recorded: string;
  droop: "none" | "pushed" | "failed";
}

interface PlantLink extends Link {
  plant: Plant;
  state: RenewableState | undefined;
}

interface WorkflowDoc {
  tasks: TechnicianTask[];
  incidents: IncidentBook;
  forecastModel: ForecastModel;
}

export interface VppStatus {
  running: boolean;
  simTime: string | null;
  frequencyHz: number | null;
  deviationHz: number | null;
  mode: DispatchState["mode"];
  fleetCommandW: number;
  lastDecision: (Omit<DispatchDecision, "setpoints"> & { setpoints: Array<{ id: string; targetW: number }>; at: string }) | null;
  ensemble: Record<Role, number>;
  batteries: Array<{ id: string; active: boolean; socPercent: number | null; activePowerW: number | null; targetW: number | null; droop: string; placement: ReturnType<typeof placementOf> }>;
  steps: number;
  timeouts: number;
  commandsSent: number;
  commandsFailed: number;
  activeIncidents: number;
  openTasks: number;
  metering: ReturnType<MeterStreamPipeline["stats"]> | null;
  aggregate: LoadAggregate | null;
}

export interface DispatchEvent {
  at: string;
  frequencyHz: number;
  reason: string;
  fleetCommandW: number;
  setpoints: Array<{ id: string; targetW: number }>;
}

const ROLES_FOLLOWED: Role[] = ["battery", "pv", "wind", "meter", "grid-meter", "weather", "orchestrator"];

/**
 * Reads go over request/response protocols first: an MQTT property read waits for the next
 * publish and node-wot's MQTT client does not resubscribe after a broker restart.
 */
export function readProtocolOf(td: Td): "http" | "coap" | "modbus" | "mqtt" | undefined {
  const hrefs = Object.values((td.properties ?? {}) as Record<string, { forms?: Array<{ href?: string }> }>).flatMap((p) => (p.forms ?? []).map((f) => String(f.href)));
  for (const [protocol, prefix] of [["http", "http"], ["coap", "coap"], ["modbus", "modbus+tcp:"], ["mqtt", "mqtt"]] as const) if (hrefs.some((h) => h.startsWith(prefix))) return protocol;
  return undefined;
}

export class VppServient {
  readonly config: VppConfig;
  private readonly now: () => number;
  private readonly clock: ObservedClock;
  private discovery: Discovery | undefined;
  private ensemble: Ensemble | undefined;
  private consumer: Consumer | undefined;
  private memory: ObjectMemory | undefined;
  /** The time-series history (console History view): one record per control step. */
  history: HistoryRecorder | undefined;
  private outbox: Outbox | undefined;
  private notifier: Notifier | undefined;
  private guard: HighRiskGuard;
  private doc: WorkflowDoc = { tasks: [], incidents: EMPTY_BOOK, forecastModel: NEW_MODEL };
  private docFile: DurableJsonFile<WorkflowDoc> | undefined;
  private docDirty = false;
  private readonly batteries = new Map<string, BatteryLink>();
  private readonly plants = new Map<string, PlantLink>();
  private gridMeter: Link | undefined;
  private weather: Link | undefined;
  private orchestrator: Link | undefined;
  private readonly counts: Record<Role, number> = { battery: 0, pv: 0, wind: 0, meter: 0, "grid-meter": 0, weather: 0, "sim-control": 0, orchestrator: 0 };
  private dispatchState: DispatchState = INITIAL_DISPATCH_STATE;
  private adopted = false;
  private lastSample: GridSample | undefined;
  private lastAssessment: FrequencyAssessment | undefined;
  private lastDecision: VppStatus["lastDecision"] = null;
  private dayStats: DayStats | undefined;
  private excursion: { id: string; alerted: Set<string> } | undefined;
  private forecast: GenerationForecastPoint[] = [];
  private lastForecastWallMs = 0;
  private metering: MeterStreamPipeline | undefined;
  private ledger: BillingLedger | undefined;
  private meteringStarting = false;
  private readonly meterTds = new Map<string, Td>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stepping: Promise<void> = Promise.resolve();
  private steps = 0;
  private timeouts = 0;
  private commandsSent = 0;
  private commandsFailed = 0;
  private readonly limits: NodeLimit[] = [];
  private readonly pendingLinks = new Map<string, Promise<void>>();
  private readonly dispatchListeners = new Set<(event: DispatchEvent) => void>();

  constructor(private readonly options: VppServientOptions) {
    this.config = resolveVppConfig(options.config);
    this.now = options.now ?? Date.now;
    this.clock = new ObservedClock(this.now);
    this.guard = new HighRiskGuard(options.principal, this.config.rateLimit);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    const o = this.options;
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    this.memory = new ObjectMemory(join(o.dataDir, "memory"));
    this.history = new HistoryRecorder(join(o.dataDir, "history"), this.config.history);
    this.outbox = new Outbox(join(o.dataDir, "outbox.jsonl"));
    this.notifier = new Notifier(this.outbox, {
      ...(this.config.smtp ? { email: new SmtpTransport(this.config.smtp) } : {}),
      ...(this.config.smsWebhook ? { sms: new SmsWebhookTransport(this.config.smsWebhook) } : {}),
    });
    this.docFile = new DurableJsonFile<WorkflowDoc>(join(o.dataDir, "workflow.json"));
    this.doc = (await this.docFile.read()) ?? this.doc;
    if (o.metering) this.ledger = BillingLedger.open(join(o.dataDir, "billing"));
    this.consumer = new Consumer({ token: o.operatorToken, timeoutMs: this.config.deviceTimeoutMs });
    await this.consumer.start();
    this.discovery = new Discovery({ baseUrl: o.directoryUrl, token: o.directoryToken });
    const roles = o.metering ? ROLES_FOLLOWED : ROLES_FOLLOWED.filter((r) => r !== "meter");
    this.ensemble = this.discovery.follow({ filter: ensembleFilter(roles, this.config.scope) });
    this.ensemble.onChange((c) => this.onEnsembleChange(c));
    this.running = true;
    await this.ensemble.start();
    await Promise.all(this.pendingLinks.values());
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.stepping;
    this.ensemble?.stop();
    await Promise.all(this.pendingLinks.values());
    for (const link of [...this.batteries.values(), ...this.plants.values(), this.gridMeter, this.weather]) if (link) await this.unsubscribe(link);
    await this.metering?.stop().catch((e: unknown) => log.warn({ err: e }, "meter stream stop failed"));
    this.ledger?.close();
    if (this.dayStats) await this.writeReport(this.dayStats.day).catch((e: unknown) => log.warn({ err: e }, "report write failed"));
    await this.saveDoc();
    await this.consumer?.stop();
    await this.memory?.close();
    this.history?.close();
  }

  // ── ensemble ─────────────────────────────────────────────────────────────────────────────

  private onEnsembleChange(change: EnsembleChange): void {
    const id = change.type === "removed" ? change.id : (change.td.id as string);
    if (change.type !== "removed" && roleOf(change.td) === "meter") {
      this.meterTds.set(id, change.td);
      this.metering?.applyEnsembleChange(change);
      this.counts.meter = this.meterTds.size;
      return;
    }
    if (change.type === "removed" && this.meterTds.delete(id)) {
      this.metering?.applyEnsembleChange(change);
      this.counts.meter = this.meterTds.size;
      return;
    }
    if (change.type === "updated" && this.sameAffordances(id, change.td)) return;
    const previous = this.pendingLinks.get(id) ?? Promise.resolve();
    const next = previous.then(() => (change.type === "removed" ? this.unlink(id) : this.link(change.td))).catch((e: unknown) => log.warn({ err: e, id }, "ensemble change failed"));
    this.pendingLinks.set(id, next);
    void next.finally(() => {
      if (this.pendingLinks.get(id) === next) this.pendingLinks.delete(id);
    });
  }

  private linkOf(id: string): Link | undefined {
    return this.batteries.get(id) ?? this.plants.get(id) ?? [this.gridMeter, this.weather, this.orchestrator].find((l) => l?.id === id);
  }

  /** Node limits from the orchestrator Thing, mapped onto the batteries the VPP knows (validate before apply). */
  private async refreshLimits(): Promise<void> {
    const o = this.orchestrator;
    const consumer = this.consumer;
    if (!o || !consumer) return;
    try {
      const [topology, limits] = await Promise.all([consumer.read(o.read, "topology"), consumer.read(o.read, "node_limits")]);
      const byAsset = new Map<string, string>();
      for (const b of this.batteries.values()) {
        byAsset.set(b.title, b.id);
        byAsset.set(b.id, b.id);
      }
      this.setNodeLimits(nodeLimitsFromOrchestrator(topology, limits, (asset) => byAsset.get(asset)));
    } catch (e) {
      log.warn({ err: e }, "could not read the orchestrator's node limits");
    }
  }

  /** A registration refresh changes only the TD's registration block: the links stay as they are. */
  private sameAffordances(id: string, td: Td): boolean {
    const link = this.linkOf(id);
    if (!link) return false;
    const strip = ({ registration: _r, ...rest }: Td) => JSON.stringify(rest);
    if (strip(link.td) !== strip(td)) return false;
    link.td = td;
    return true;
  }

  private async link(td: Td): Promise<void> {
    if (!this.consumer || !this.running) return;
    const id = td.id as string;
    const role = roleOf(td) as Role;
    await this.unlink(id, true);
    const read = await this.consumer.consume(td as JsonObject, readProtocolOf(td));
    const write = role === "battery" && this.config.writeProtocol !== "http" ? await this.consumer.consume(td as JsonObject, this.config.writeProtocol) : read;
    const base: Link = { id, title: String(td.title ?? id), role, td, read, write, subscriptions: [] };
    if (role === "battery") {
      const link: BatteryLink = { ...base, state: undefined, failures: 0, recorded: "", droop: "none" };
      this.batteries.set(id, link);
      await this.subscribeBatteryEvents(link);
      if (this.config.droop) await this.pushDroop(link);
    } else if (role === "pv" || role === "wind") {
      const ratedW = Number(td["gt:ratedPowerW"] ?? td["gt:peakW"] ?? td["gt:ratedW"] ?? Number.NaN);
      const link: PlantLink = { ...base, plant: { id, kind: role, ratedW: Number.isFinite(ratedW) ? ratedW : 0 }, state: undefined };
      if (!Number.isFinite(ratedW)) {
        const r = await this.consumer.read(read, "ratedPower").catch(() => undefined);
        if (typeof r === "number") link.plant.ratedW = r;
      }
      this.plants.set(id, link);
    } else if (role === "grid-meter") this.gridMeter = base;
    else if (role === "weather") this.weather = base;
    else if (role === "orchestrator") {
      this.orchestrator = base;
      await this.refreshLimits();
    }
    this.counts[role] = (this.counts[role] ?? 0) + 1;
    await this.remember([{ thingId: id, kind: "membership", name: "joined", at: new Date(this.now()).toISOString(), body: { role, title: base.title, placement: placementOf(td) } }]);
  }

  private async unlink(id: string, replacing = false): Promise<void> {
    const link = this.linkOf(id);
    if (!link) return;
    await this.unsubscribe(link);
    this.batteries.delete(id);
    this.plants.delete(id);
    if (this.gridMeter?.id === id) this.gridMeter = undefined;
    if (this.weather?.id === id) this.weather = undefined;
    if (this.orchestrator?.id === id) {
      this.orchestrator = undefined;
      this.setNodeLimits([]);
    }
    this.counts[link.role] = Math.max(0, (this.counts[link.role] ?? 0) - 1);
    if (!replacing) {
      await this.remember([{ thingId: id, kind: "membership", name: "left", at: new Date(this.now()).toISOString(), body: { role: link.role } }]);
      this.line(`ensemble  ${link.role} ${link.title} left`);
    }
  }

  private async unsubscribe(link: Link): Promise<void> {
    for (const s of link.subscriptions.splice(0)) await s.stop().catch(() => undefined);
  }

  private async subscribeBatteryEvents(link: BatteryLink): Promise<void> {
    const events = (link.td.events ?? {}) as Record<string, unknown>;
    for (const name of ["criticalHardwareError", "alarm"]) {
      if (!events[name]) continue;
      try {
        const sub = await link.read.subscribeEvent(name, async (output) => {
          let value: unknown;
          try {
            value = await output.value();
          } catch {
            value = null;
          }
          await this.onBatteryEvent(link.id, name, value);
        });
        link.subscriptions.push(sub);
      } catch (e) {
        log.warn({ err: e, id: link.id, event: name }, "could not subscribe to a battery event");
      }
    }
  }

  private async onBatteryEvent(thingId: string, name: string, value: unknown): Promise<void> {
    const at = new Date(this.now()).toISOString();
    await this.remember([{ thingId, kind: "event", name, at, body: value, key: `${thingId}|event|${name}|${JSON.stringify(value)}` }]);
    if (name !== "criticalHardwareError") return;
    const task = technicianTaskFor(this.doc.tasks, thingId, value, this.clock.now());
    if (!task) return;
    this.doc.tasks = [...this.doc.tasks, task];
    this.docDirty = true;
    await this.saveDoc();
    this.line(`task      maintenance for ${this.batteries.get(thingId)?.title ?? thingId}: ${task.code} (${task.id})`);
  }

  /** Embedded runtime (seed 001): the battery answers frequency itself; the VPP supervises. */
  private async pushDroop(link: BatteryLink): Promise<void> {
    const d = this.config.droop;
    if (!d || !this.consumer) return;
    const maxPowerW = Number(link.td["gt:maxDischargePowerW"] ?? 0);
    const value = { enabled: true, deadbandHz: d.deadbandHz, droopPercent: d.droopPercent, maxPowerW };
    const ok = await this.command(link, "droopSettings", value, "embedded droop pushed on join", () => this.consumer!.write(link.read, "droopSettings", value));
    link.droop = ok ? "pushed" : "failed";
  }

  // ── control loop ─────────────────────────────────────────────────────────────────────────

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      const started = this.now();
      this.stepping = this.tick().finally(() => this.schedule(Math.max(0, this.config.controlPeriodMs - (this.now() - started))));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const outcome = await runStepWithDeadline((signal) => this.step(signal), this.config.stepTimeoutMs, "freq_regulate");
    this.steps++;
    if (!outcome.ok) {
      if (outcome.timedOut) {
        this.timeouts++;
        this.line(`timeout   regulation step abandoned after ${this.config.stepTimeoutMs} ms (VPP_STEP_TIMEOUT); setpoints held`);
        await this.remember([{ thingId: "vpp", kind: "event", name: "VPP_STEP_TIMEOUT", at: new Date(this.now()).toISOString(), body: { step: this.steps } }]);
      } else log.warn({ err: outcome.error }, "regulation step failed");
    }
    if (this.steps % 10 === 0) this.line(this.statusLine());
    if (this.steps % 30 === 0) await this.refreshLimits();
    await this.maybeForecast();
  }

  private async step(signal: AbortSignal): Promise<void> {
    const consumer = this.consumer;
    const gm = this.gridMeter;
    if (!consumer || !gm) return;
    const [channels] = await Promise.all([consumer.read(gm.read, "channels"), this.readBatteries(), this.readPlants()]);
    const sample = gridSampleFromChannels(channels);
    if (!sample) throw vppError("VPP_BAD_ARGUMENT", "the grid meter's channels carry no Timestamp");
    this.clock.observe(sample.timeMs);
    this.lastSample = sample;
    await this.ensureMetering();
    const batteries = [...this.batteries.values()].map((b) => b.state).filter((s): s is BatteryState => s !== undefined);
    const renewables = [...this.plants.values()].map((p) => p.state).filter((s): s is RenewableState => s !== undefined);
    if (!this.adopted && batteries.length > 0) {
      this.adopted = true;
      this.dispatchState = adoptSetpoints(batteries, this.config.dispatch.minChangeW);
      if (this.dispatchState.mode === "regulating") this.line(`adopt     setpoints already on the batteries: fleet ${(this.dispatchState.fleetCommandW / 1000).toFixed(1)} kW held`);
    }
    const aggregate = this.metering?.snapshot();
    const assessment = assessFrequency(sample, sample.timeMs, this.config.regulation, {
      batteryW: batteries.reduce((s, b) => s + b.activePowerW, 0),
      renewableW: renewables.reduce((s, r) => s + r.activePowerW, 0),
      ...(aggregate && aggregate.total.meters > 0 ? { aggregatedLoadW: aggregate.total.demandW } : {}),
    });
    this.lastAssessment = assessment;
    const { state, decision } = decideDispatch(this.dispatchState, assessment, batteries, sample.timeMs, this.config.dispatch);
    const plan = planBalancing({ assessment, decision, renewables, limits: this.limits, heldSetpointsW: state.setpointsW });
    if (signal.aborted) return;
    this.dispatchState = state;
    const acting = plan.setpoints.length > 0 || plan.curtailments.length > 0;
    const at = new Date(sample.timeMs).toISOString();
    // Set with the state it made, before anything is awaited: the status never shows one without the other.
    if (acting) this.lastDecision = { ...decision, setpoints: plan.setpoints.map((s) => ({ id: s.id, targetW: s.targetW })), at };
    await this.workflowOnSample(sample, batteries);
    void this.history?.record({ sample, assessment, batteries, renewables, dispatch: state, aggregate, metering: this.metering, forecast: this.forecast });
    if (!acting) return;
    const reason = `${decision.reason} at ${sample.frequencyHz.toFixed(3)} Hz`;
    await mapLimit(plan.setpoints, IN_FLIGHT, async (s) => {
      const link = this.batteries.get(s.id);
      if (!link || signal.aborted) return;
      const kw = Math.round(s.targetW) / 1000;
      const ok = await this.command(link, "target_output_kw", kw, reason, () => consumer.write(link.write, "target_output_kw", kw));
      link.failures = ok ? 0 : link.failures + 1;
    });
    await Promise.all(
      plan.curtailments.map(async (c) => {
        const link = this.plants.get(c.id);
        if (!link || signal.aborted) return;
        await this.command(link, "curtailmentLimit", c.limitW, reason, () => consumer.write(link.write, "curtailmentLimit", c.limitW));
      }),
    );
    if (this.dayStats) this.dayStats = { ...this.dayStats, commands: this.dayStats.commands + plan.setpoints.length };
    if (plan.setpoints.length > 0) {
      this.line(`dispatch  ${at.slice(11, 19)}Z f=${sample.frequencyHz.toFixed(3)} Hz → fleet ${(state.fleetCommandW / 1000).toFixed(1)} kW [${plan.setpoints.map((s) => `${this.batteries.get(s.id)?.title ?? s.id} ${(s.targetW / 1000).toFixed(1)}`).join(", ")}] (${decision.reason})`);
      const event: DispatchEvent = { at, frequencyHz: sample.frequencyHz, reason: decision.reason, fleetCommandW: state.fleetCommandW, setpoints: plan.setpoints.map((p) => ({ id: p.id, targetW: p.targetW })) };
      for (const l of this.dispatchListeners) l(event);
      await this.notifyIntervention(sample, decision.reason, state.fleetCommandW, plan.setpoints);
      // The orchestrator's balancing cycle runs again on the new battery output (seed 000 grid_balance).
      const o = this.orchestrator;
      if (o && !signal.aborted) await this.command(o, "rebalance", {}, reason, async () => void (await consumer.invoke(o.read, "rebalance", {})));
    }
    for (const c of plan.curtailments) this.line(`curtail   ${this.plants.get(c.id)?.title ?? c.id} → ${c.limitW === null ? "released" : `${(c.limitW / 1000).toFixed(1)} kW`}`);
    for (const v of plan.violations) this.line(`limit     ${v.nodeId} ${v.reason}: planned ${(v.plannedW / 1000).toFixed(1)} kW, allowed ${(v.allowedW / 1000).toFixed(1)} kW`);
  }

  /** A high-risk command: authorized, audited durably before it is sent, its result recorded. */
  private async command(link: Link, affordance: string, value: unknown, reason: string, send: () => Promise<void>): Promise<boolean> {
    const cmd: HighRiskCommand = { thingId: link.id, affordance, value, reason };
    let audit;
    try {
      audit = this.guard.authorize(cmd, this.now());
    } catch (e) {
      this.commandsFailed++;
      log.warn({ err: e, id: link.id, affordance }, "command refused");
      await this.remember([{ thingId: link.id, kind: "command-result", name: affordance, at: new Date(this.now()).toISOString(), body: { ok: false, refused: (e as { code?: string }).code ?? "ERROR", value } }]);
      return false;
    }
    const key = `${link.id}|command|${affordance}|${audit.sequence}|${audit.at}`;
    await this.remember([{ thingId: link.id, kind: "command", name: affordance, at: audit.at, body: { ...audit, simTime: this.lastSample ? new Date(this.lastSample.timeMs).toISOString() : null }, key }]);
    try {
      await send();
      this.commandsSent++;
      await this.remember([{ thingId: link.id, kind: "command-result", name: affordance, at: new Date(this.now()).toISOString(), body: { ok: true, sequence: audit.sequence }, key: `${key}|result` }]);
      return true;
    } catch (e) {
      this.commandsFailed++;
      log.warn({ err: e, id: link.id, affordance }, "command failed");
      await this.remember([{ thingId: link.id, kind: "command-result", name: affordance, at: new Date(this.now()).toISOString(), body: { ok: false, sequence: audit.sequence, error: (e as Error).message, code: "VPP_DEVICE_WRITE_FAILED" }, key: `${key}|result` }]);
      return false;
    }
  }

  private async readBatteries(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    await mapLimit([...this.batteries.values()], IN_FLIGHT, async (b) => {
        try {
          const t = await consumer.read(b.read, "telemetry");
          const state = batteryStateFromTelemetry(b.id, t);
          // A battery whose writes keep failing is treated as gone until it answers a write again.
          b.state = state && b.failures >= 2 ? { ...state, quality: "ERROR" } : state;
          if (state) await this.recordBatteryState(b, state);
        } catch (e) {
          if (b.state) log.warn({ err: e, id: b.id }, "battery telemetry read failed: excluded from dispatch");
          b.state = undefined;
        }
      });
  }

  private async recordBatteryState(b: BatteryLink, s: BatteryState): Promise<void> {
    const signature = `${s.state}|${s.quality}|${Math.round(s.targetPowerW)}|${Math.round(s.maxDischargePowerW)}`;
    if (signature === b.recorded) return;
    b.recorded = signature;
    await this.remember([{ thingId: b.id, kind: "state", name: "telemetry", at: new Date(this.now()).toISOString(), body: s, key: `${b.id}|state|${this.now()}|${signature}` }]);
  }

  private async readPlants(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    await Promise.all(
      [...this.plants.values()].map(async (p) => {
        try {
          const t = (await consumer.read(p.read, "telemetry")) as Record<string, unknown>;
          const num = (k: string) => (typeof t[k] === "number" ? (t[k] as number) : 0);
          p.state = { id: p.id, kind: p.plant.kind, activePowerW: num("activePowerW"), availablePowerW: num("availablePowerW"), curtailmentLimitW: typeof t.curtailmentLimitW === "number" ? t.curtailmentLimitW : null };
        } catch {
          p.state = undefined;
        }
      }),
    );
  }

  // ── meter stream (the metering helper's pipeline, composed) ──────────────────────────────

  private async ensureMetering(): Promise<void> {
    const m = this.options.metering;
    // The simulated clock must be measured first: readings are validated against it.
    if (!m || this.metering || this.meteringStarting || this.meterTds.size === 0 || !this.ledger || this.clock.spanMs < 2000) return;
    this.meteringStarting = true;
    try {
      const tariff = await loadTariffFile(m.tariffFile);
      // Two real seconds of clock error allowed on top of the usual 5 s skew, whatever the speed.
      const vee = { maxClockSkewMs: 5000 + 2000 * this.clock.speed };
      const pipeline = new MeterStreamPipeline({ ledger: this.ledger, tariff, vee, now: () => this.clock.now(), ...(m.sharedGroup ? { sharedGroup: m.sharedGroup } : {}), clientId: `gridthings-vpp-meters-${m.sharedGroup ?? "solo"}` });
      await pipeline.start({ tds: [...this.meterTds.values()] });
      this.metering = pipeline;
      this.line(`meters    ${this.meterTds.size} smart meters followed over ${pipeline.stats().subscription} at ${pipeline.stats().brokerUrl}`);
    } catch (e) {
      log.warn({ err: e }, "meter stream could not start; retrying next step");
    } finally {
      this.meteringStarting = false;
    }
  }

  // ── seed 004 workflow ────────────────────────────────────────────────────────────────────

  private async workflowOnSample(sample: GridSample, batteries: readonly BatteryState[]): Promise<void> {
    const { book, effects } = observeGrid(this.doc.incidents, { timeMs: sample.timeMs, frequencyHz: sample.frequencyHz, voltagesV: sample.voltagesV ?? [] }, this.config.incidents);
    if (effects.opened.length + effects.archived.length + effects.updated.length > 0) {
      this.doc.incidents = book;
      this.docDirty = true;
      for (const i of effects.opened) this.line(`incident  ${i.id} opened: ${i.detail}`);
      for (const i of effects.archived) this.line(`incident  ${i.id} archived: grid back to nominal`);
      await this.remember([
        ...effects.opened.map((i): MemoryEntry => ({ thingId: "vpp", kind: "event", name: "incidentOpened", at: i.openedAt, body: i, key: `vpp|incident|${i.id}|opened` })),
        ...effects.archived.map((i): MemoryEntry => ({ thingId: "vpp", kind: "event", name: "incidentArchived", at: i.archivedAt ?? i.openedAt, body: i, key: `vpp|incident|${i.id}|archived` })),
      ]);
      await this.saveDoc();
    } else this.doc.incidents = book;
    const day = new Date(sample.timeMs).toISOString().slice(0, 10);
    if (this.dayStats && this.dayStats.day !== day) await this.writeReport(this.dayStats.day).catch((e: unknown) => log.warn({ err: e }, "report write failed"));
    if (!this.dayStats || this.dayStats.day !== day) this.dayStats = emptyDay(day);
    this.dayStats = addSample(this.dayStats, { timeMs: sample.timeMs, frequencyHz: sample.frequencyHz, batteryW: batteries.reduce((s, b) => s + b.activePowerW, 0) }, this.config.regulation.nominalHz, this.config.regulation.deadbandHz);
    if (this.dispatchState.mode === "idle") this.excursion = undefined;
  }

  private async notifyIntervention(sample: GridSample, reason: string, commandW: number, setpoints: ReadonlyArray<{ id: string; targetW: number }>): Promise<void> {
    const notifier = this.notifier;
    if (!notifier) return;
    // Messages name batteries by title, as their owners know them.
    const named = setpoints.map((s) => ({ id: this.batteries.get(s.id)?.title ?? s.id, targetW: s.targetW }));
    const summary = { timeMs: sample.timeMs, frequencyHz: sample.frequencyHz, reason, commandW, setpoints: named };
    const first = !this.excursion;
    if (first) this.excursion = { id: new Date(sample.timeMs).toISOString(), alerted: new Set() };
    const excursion = this.excursion as { id: string; alerted: Set<string> };
    const owners = new Map<string, Owner>();
    for (const s of setpoints) {
      const title = this.batteries.get(s.id)?.title ?? s.id;
      const owner = this.config.owners.get(s.id) ?? this.config.owners.get(title) ?? this.config.owners.get(s.id.split(":").pop() ?? "");
      if (owner) owners.set(title, owner);
    }
    const messages = [...(first ? [operatorNotification(this.config.operatorEmail, summary)] : []), ...ownerAlerts(owners, excursion.alerted, summary, excursion.id)];
    for (const s of named) if (s.targetW > 0) excursion.alerted.add(s.id);
    await Promise.all(messages.map((m) => notifier.send(m).catch((e: unknown) => log.warn({ err: e, key: m.key }, "notification not recorded"))));
  }

  private async maybeForecast(): Promise<void> {
    const w = this.weather;
    const consumer = this.consumer;
    if (!w || !consumer || this.now() - this.lastForecastWallMs < this.config.forecastEveryMs) return;
    this.lastForecastWallMs = this.now();
    try {
      const [forecastValue, irradiance, windSpeed] = await Promise.all([consumer.read(w.read, "forecast"), consumer.read(w.read, "irradiance"), consumer.read(w.read, "windSpeed")]);
      const points = parseWeatherForecast(forecastValue);
      const now = { irradianceWm2: Number(irradiance), windSpeedMs: Number(windSpeed) };
      let model = this.doc.forecastModel;
      if (Number.isFinite(now.irradianceWm2) && Number.isFinite(now.windSpeedMs)) {
        for (const p of this.plants.values()) {
          if (p.state && p.state.curtailmentLimitW === null && p.plant.ratedW > 0) model = updateModel(model, p.plant, now, p.state.activePowerW);
        }
      }
      this.doc.forecastModel = model;
      this.docDirty = true;
      const plants = [...this.plants.values()].map((p) => p.plant).filter((p) => p.ratedW > 0);
      this.forecast = predictGeneration(model, plants, points, this.clock.now());
      await this.saveDoc();
    } catch (e) {
      log.warn({ err: e }, "weather forecast step failed");
    }
  }

  // ── persistence and reporting ────────────────────────────────────────────────────────────

  private async remember(entries: MemoryEntry[]): Promise<void> {
    if (!this.memory || entries.length === 0) return;
    await this.memory.append(entries);
  }

  private async saveDoc(): Promise<void> {
    if (!this.docDirty || !this.docFile) return;
    this.docDirty = false;
    await this.docFile.write(this.doc);
  }

  reportHtml(day?: string): string {
    const d = day ?? this.dayStats?.day ?? new Date(this.clock.now()).toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw vppError("VPP_BAD_ARGUMENT", `day must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
    const stats = this.dayStats?.day === d ? this.dayStats : emptyDay(d);
    const incidents = [...this.doc.incidents.archived, ...this.doc.incidents.active].filter((i) => i.openedAt.startsWith(d));
    const tasks = this.doc.tasks.filter((t) => t.createdAt.startsWith(d));
    return renderStabilityReport(stats, incidents, tasks, { nominalHz: this.config.regulation.nominalHz, bandHz: this.config.regulation.deadbandHz, generatedAt: new Date(this.clock.now()).toISOString() });
  }

  private async writeReport(day: string): Promise<void> {
    const dir = join(this.options.dataDir, "reports");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `stability-${day}.html`), this.reportHtml(day));
  }

  // ── views for the HTTP part and the CLI ──────────────────────────────────────────────────

  status(): VppStatus {
    return {
      running: this.running,
      simTime: this.lastSample ? new Date(this.lastSample.timeMs).toISOString() : null,
      frequencyHz: this.lastSample?.frequencyHz ?? null,
      deviationHz: this.lastAssessment?.deviationHz ?? null,
      mode: this.dispatchState.mode,
      fleetCommandW: this.dispatchState.fleetCommandW,
      lastDecision: this.lastDecision,
      ensemble: { ...this.counts },
      batteries: [...this.batteries.values()].map((b) => ({
        id: b.id,
        active: b.state !== undefined && b.state.quality === "GOOD" && b.state.state !== "fault",
        socPercent: b.state?.socPercent ?? null,
        activePowerW: b.state?.activePowerW ?? null,
        targetW: this.dispatchState.setpointsW[b.id] ?? b.state?.targetPowerW ?? null,
        droop: b.droop,
        placement: placementOf(b.td),
      })),
      steps: this.steps,
      timeouts: this.timeouts,
      commandsSent: this.commandsSent,
      commandsFailed: this.commandsFailed,
      activeIncidents: this.doc.incidents.active.length,
      openTasks: this.doc.tasks.filter((t) => t.status === "open").length,
      metering: this.metering?.stats() ?? null,
      aggregate: this.metering?.snapshot() ?? null,
    };
  }

  statusLine(): string {
    const s = this.status();
    const active = s.batteries.filter((b) => b.active).length;
    const meters = s.metering ? `meters ${s.metering.meters} (${s.metering.quality.GOOD} good)` : "meters off";
    return `status    ${s.simTime?.slice(11, 19) ?? "--:--:--"}Z f=${s.frequencyHz?.toFixed(3) ?? "?"} Hz  batteries ${active}/${s.batteries.length} active  fleet ${(s.fleetCommandW / 1000).toFixed(1)} kW (${s.mode})  ${meters}  incidents ${s.activeIncidents}  tasks ${s.openTasks}`;
  }

  incidents(): IncidentBook {
    return this.doc.incidents;
  }

  tasks(): TechnicianTask[] {
    return this.doc.tasks;
  }

  /** The batteries' last telemetry as the VPP read it (state and quality included), for the console. */
  batteryStates(): BatteryState[] {
    return [...this.batteries.values()].flatMap((b) => (b.state ? [{ ...b.state }] : []));
  }

  forecastView(): { points: GenerationForecastPoint[]; model: ForecastModel } {
    return { points: this.forecast, model: this.doc.forecastModel };
  }

  outboxEntries(limit?: number) {
    return this.outbox?.list(limit) ?? [];
  }

  objectMemory(): ObjectMemory {
    if (!this.memory) throw vppError("VPP_MEMORY_FAILED", "the VPP is not started");
    return this.memory;
  }

  meterStream(): MeterStreamPipeline | undefined {
    return this.metering;
  }

  billingLedger(): BillingLedger | undefined {
    return this.ledger;
  }

  /** Listener gets every dispatch sent to the batteries; returns an unsubscribe. */
  onDispatch(listener: (event: DispatchEvent) => void): () => void {
    this.dispatchListeners.add(listener);
    return () => this.dispatchListeners.delete(listener);
  }

  /** Node limits checked before any plan is applied (validate before apply). */
  setNodeLimits(limits: readonly NodeLimit[]): void {
    this.limits.splice(0, this.limits.length, ...limits);
  }

  private line(text: string): void {
    log.info(text);
    this.options.onLine?.(text);
  }
}
