/**
 * gridthings — run a smart-grid site as W3C WoT Things, its directory and its orchestration.
 * `gridthings --help` lists the commands; every flag has an environment variable (see --help).
 */
import { Command, Option, CommanderError } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { logger } from "../log/logger.ts";
import { isCodedError } from "../errors/coded-error.ts";
import { SETTINGS, resolveSettings, type Settings } from "../config/options.ts";
import { DEVICE_KINDS, type DeviceKind } from "../site/device-kinds.ts";
import type { GridMeterFactory, SiteRuntime } from "../site/runtime.ts";
import { print } from "./print.ts";
import type { loadTokens, Stopper } from "./stack.ts";
import type { OrchestratorHost } from "../../things/microgrid/host.ts";
import type { MicrogridService } from "../microgrid-api/service.ts";
import { VPP_FLAGS, siteIdOf, type VppFlags } from "../vpp/cli-options.ts";
import type { VppServient } from "../vpp/servient.ts";

// A command's modules are loaded when it runs, so `--help` and usage errors answer at once.
const stack = () => import("./stack.ts");
const gridMeterFactory: GridMeterFactory = async (args) => (await import("../../things/grid-meter/index.ts")).startGridMeter(args);

const log = logger("cli");

function withSettings(command: Command): Command {
  for (const s of SETTINGS) {
    const argName = s.kind === "port" ? "<port>" : s.kind === "speed" ? "<factor>" : s.kind === "seconds" ? "<seconds>" : s.kind === "url" ? "<url>" : s.kind === "host" ? "<address>" : "<path>";
    const def = s.default === undefined ? "" : ` (default ${s.default})`;
    command.addOption(new Option(`${s.flag} ${argName}`, `${s.description}${def}; env ${s.env}`));
  }
  return command;
}

function withVppFlags(command: Command): Command {
  for (const f of VPP_FLAGS) command.addOption(new Option(`${f.flag} ${f.arg}`, `VPP: ${f.description}; env ${f.env}`));
  return command;
}

function vppFlagsOf(command: Command): VppFlags {
  const opts = command.opts() as Record<string, string | undefined>;
  return Object.fromEntries(VPP_FLAGS.map((f) => [f.key, opts[f.key]])) as VppFlags;
}

function settingsOf(command: Command): Settings {
  const opts = command.opts() as Record<string, string | undefined>;
  return resolveSettings(opts, process.env);
}

/** The full list of Things and TD URLs, for when the terminal shows only a sample of the meters. */
async function writeThingsList(settings: Settings, runtime: SiteRuntime): Promise<string> {
  const file = resolve(settings.dataDir, "things.json");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(runtime.things, null, 2) + "\n");
  return file;
}

function printThings(runtime: SiteRuntime): void {
  const byKind = new Map<string, string[]>();
  for (const t of runtime.things) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), `  ${t.title.padEnd(24)} ${t.tdUrl}   [${t.protocols.join(", ")}]`]);
  for (const [kind, lines] of byKind) {
    print(`${kind} (${lines.length}):`);
    const shown = kind === "smart-meter" && lines.length > 12 ? [...lines.slice(0, 6), `  … ${lines.length - 12} more: every meter's TD is at ${runtime.things.find((t) => t.kind === kind)?.tdUrl.replace(/[^/]+$/, "<meter-id>")}`, ...lines.slice(-6)] : lines;
    for (const line of shown) print(line);
  }
}

function printEndpoints(settings: Settings, runtime: SiteRuntime | undefined, frontDoor?: string): void {
  if (frontDoor) {
    print(`Front door       ${frontDoor}/   (operator console: open this in a browser)`);
    print(`  directory      ${frontDoor}/things   ${frontDoor}/.well-known/wot   browser ${frontDoor}/directory-ui/`);
    print(`  microgrid API  ${frontDoor}/api/microgrids`);
    print(`  OSCP 2.0 FP    ${frontDoor}/oscp/fp/2.0/update_group_capacity_forecast   ${frontDoor}/oscp/fp/2.0/heartbeat   (operator token)`);
    print(`  CSIP-AUS       ${frontDoor}/csip-aus/der-programs   (operator token)`);
  }
  if (runtime) {
    print(`Device Things    ${runtime.thingHost.httpBase}/<thing>   (HTTP)   ${runtime.thingHost.coapBase ?? ""}/<thing>   (CoAP)`);
    print(`MQTT broker      ${runtime.mqttUrl}${settings.mqttUrl ? "   (external)" : "   (embedded)"}   meter readings: <meter-id>/events/reading`);
    const modbus = runtime.modbusAddress;
    if (modbus) print(`Modbus TCP       ${modbus.host}:${modbus.port}   (batteries, unit id per battery)`);
    const gm = runtime.gridMeterPart;
    const standIn = (gm as { standIn?: { endpoint: { host: string; port: number } } } | undefined)?.standIn?.endpoint;
    if (standIn) print(`Grid meter       Modbus stand-in on ${standIn.host}:${standIn.port}, adapter Thing over HTTP/MQTT/CoAP`);
    else if (gm) print("Grid meter       virtual (load + battery − PV), Thing over HTTP/MQTT/CoAP");
    print(`Simulation       speed ×${settings.speed}, site ${settings.site}`);
    print("");
    printThings(runtime);
  }
}

function printOrchestrator(service: MicrogridService, orchestrator: OrchestratorHost): void {
  for (const m of service.listMicrogrids()) {
    const url = orchestrator.tdUrl(m.microgrid_id);
    if (url) print(`Orchestrator     ${url}   (microgrid ${m.microgrid_id}: WoT Thing over HTTP${orchestrator.thingHost.mqttUrl ? " and MQTT" : ""}; actions need the operator token)`);
  }
}

async function runUntilSignal(stoppers: Stopper[]): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down");
      void (async () => {
        for (const s of [...stoppers].reverse()) {
          try {
            await s.stop();
          } catch (e) {
            log.error({ err: e }, "stop failed");
          }
        }
        resolve();
      })();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  print("stopped");
}

function printTokens(tokens: Awaited<ReturnType<typeof loadTokens>>): void {
  print(`Tokens           ${tokens.file}${tokens.created ? "   (created, mode 0600)" : ""}`);
  for (const e of tokens.entries) print(`  ${e.subject.padEnd(14)} ${e.roles.join(",").padEnd(18)} Bearer ${e.token}`);
}

export function buildProgram(): Command {
  const program = new Command("gridthings")
    .description("A smart grid that speaks the W3C Web of Things: device Things, a Thing Description Directory, the microgrid orchestrator.")
    .showHelpAfterError()
    .exitOverride()
    .addHelpText("after", `\nEnvironment (a flag wins over its variable; see <command> --help):\n${SETTINGS.map((s) => `  ${s.env.padEnd(30)} ${s.flag}`).join("\n")}`);

  withVppFlags(withSettings(program.command("start").description("run everything on one machine: front door (directory, microgrid API, web UI), the simulated site with its TDs registered in the directory, and the VPP consumer servient"))).action(async (_o, cmd: Command) => {
    const settings = settingsOf(cmd);
    const vppFlags = vppFlagsOf(cmd);
    const { loadTokens, startFrontDoor, startLiveTelemetry, startOrchestrator, startSite, tokenFor } = await stack();
    const { createVppPart } = await import("../vpp/part.ts");
    const { startVpp } = await import("../vpp/run.ts");
    const { cycleLine } = await import("../../things/microgrid/live-site.ts");
    const tokens = await loadTokens(settings);
    let vpp: VppServient | undefined;
    let site: SiteRuntime | undefined;
    const door = await startFrontDoor(settings, tokens.table, {
      rebalanceIntervalMs: 15_000,
      extraParts: [createVppPart({ tokens: tokens.table, servient: () => vpp })],
      console: { vpp: () => vpp, site: () => site },
    });
    const stoppers: Stopper[] = [door];
    try {
      const deviceToken = tokenFor(tokens.entries, "device") ?? tokenFor(tokens.entries, "admin");
      const directory = deviceToken ? { url: door.url, token: deviceToken } : undefined;
      const runtime = await startSite(settings, tokens.table, { directory, gridMeter: gridMeterFactory });
      site = runtime;
      stoppers.push(runtime);
      const service = door.microgrid.service();
      const orchestrator = await startOrchestrator(settings, tokens.table, service, { mqttUrl: runtime.mqttUrl ?? null, directory });
      stoppers.push(orchestrator);
      const live = await startLiveTelemetry(settings, service, runtime);
      stoppers.push(live);
      print("GridThings is running.");
      printEndpoints(settings, runtime, door.url);
      printOrchestrator(service, orchestrator);
      for (const feed of live.feeds) print(`Live telemetry   ${feed.bridgePlan?.microgrid_id}: site meters and devices every ${feed.intervalMs / 1000} s; a balancing cycle every 15 s, one "cycle" line each`);
      print(`All ${runtime.things.length} Things and their TD URLs: ${await writeThingsList(settings, runtime)}`);
      printTokens(tokens);
      const running = await startVpp({ directoryUrl: door.url, dataDir: settings.dataDir, siteFile: settings.site, tokens, flags: vppFlags, env: process.env, onLine: (l) => print(`vpp ${l}`), host: settings.host, siteId: siteIdOf(settings.site), ttlSeconds: settings.ttl });
      vpp = running.servient;
      stoppers.push(running);
      print(`VPP              ${door.url}/vpp   (page; status ${door.url}/vpp/status, daily report ${door.url}/vpp/report); one "vpp" line per dispatch and a status line every 10 steps`);
      if (running.thingUrl) print(`VPP Thing        ${running.thingUrl}   (regulation, incidents, forecast, dispatch events; the load-aggregation Thing beside it once meters report)`);
      print("Ctrl-C stops.");
      const unsubscribe = service.onEvent((record) => {
        const line = cycleLine(record);
        if (line) print(line);
      });
      stoppers.push({ stop: async () => void unsubscribe() });
    } catch (e) {
      for (const s of [...stoppers].reverse()) await s.stop().catch(() => undefined);
      throw e;
    }
    await runUntilSignal(stoppers);
  });

  withSettings(
    program
      .command("site")
      .description("run the site's device Things only (register them with --directory if given)")
      .option("--external-thing <id...>", "batteries whose Thing runs in its own process (gridthings device bess --id <id> --inverter <modbus host:port>): their physics and inverter registers stay here"),
  ).action(async (o: { externalThing?: string[] }, cmd: Command) => {
    const settings = settingsOf(cmd);
    const { loadTokens, startSite, tokenFor } = await stack();
    const tokens = await loadTokens(settings);
    const token = tokenFor(tokens.entries, "device") ?? tokenFor(tokens.entries, "admin");
    const runtime = await startSite(settings, tokens.table, { externalThings: o.externalThing, directory: settings.directory && token ? { url: settings.directory, token } : undefined, gridMeter: gridMeterFactory });
    print("Site is running.");
    printEndpoints(settings, runtime);
    print(`All ${runtime.things.length} Things and their TD URLs: ${await writeThingsList(settings, runtime)}`);
    await runUntilSignal([runtime]);
  });

  withVppFlags(withSettings(program.command("vpp").description("run the VPP consumer servient alone against a directory (--directory URL): ensemble discovery, meter stream and billing, frequency regulation, storage dispatch, grid balancing, seed 004 workflow; its page on --port"))).action(async (_o, cmd: Command) => {
    const settings = settingsOf(cmd);
    if (!settings.directory) throw new CommanderError(2, "gridthings.directory", "gridthings vpp needs --directory URL (or GRIDTHINGS_DIRECTORY)");
    const { loadTokens } = await stack();
    const { FrontDoor } = await import("../frontdoor/server.ts");
    const { createVppPart } = await import("../vpp/part.ts");
    const { startVpp } = await import("../vpp/run.ts");
    const tokens = await loadTokens(settings);
    let vpp: VppServient | undefined;
    const door = new FrontDoor({ host: settings.host, port: settings.port, parts: [createVppPart({ tokens: tokens.table, servient: () => vpp })] });
    await door.start();
    let running: Awaited<ReturnType<typeof startVpp>>;
    try {
      running = await startVpp({ directoryUrl: settings.directory, dataDir: settings.dataDir, siteFile: settings.site, tokens, flags: vppFlagsOf(cmd), env: process.env, onLine: (l) => print(`vpp ${l}`), host: settings.host, siteId: siteIdOf(settings.site), ttlSeconds: settings.ttl });
    } catch (e) {
      await door.stop();
      throw e;
    }
    vpp = running.servient;
    print("VPP is running.");
    print(`VPP              ${door.url}/vpp   (page; status ${door.url}/vpp/status, daily report ${door.url}/vpp/report)`);
    if (running.thingUrl) print(`VPP Thing        ${running.thingUrl}`);
    print(`Directory        ${settings.directory}`);
    await runUntilSignal([door, running]);
  });

  withSettings(program.command("directory").description("run the front door only: the Thing Description Directory and the microgrid API")).action(async (_o, cmd: Command) => {
    const settings = settingsOf(cmd);
    const { loadTokens, startFrontDoor, startOrchestrator, tokenFor } = await stack();
    const tokens = await loadTokens(settings);
    const door = await startFrontDoor(settings, tokens.table);
    let orchestrator: OrchestratorHost;
    try {
      const token = tokenFor(tokens.entries, "device") ?? tokenFor(tokens.entries, "admin");
      orchestrator = await startOrchestrator(settings, tokens.table, door.microgrid.service(), { mqttUrl: settings.mqttUrl ?? null, directory: token ? { url: door.url, token } : undefined });
    } catch (e) {
      await door.stop();
      throw e;
    }
    print("Directory is running.");
    printEndpoints(settings, undefined, door.url);
    printOrchestrator(door.microgrid.service(), orchestrator);
    printTokens(tokens);
    await runUntilSignal([door, orchestrator]);
  });

  withSettings(
    program
      .command("device")
      .description(`run one kind of device as its embedded runtime or gateway would: ${DEVICE_KINDS.join(", ")}`)
      .argument("<kind>", "device kind")
      .option("--id <id...>", "only these device ids of that kind")
      .option("--inverter <host:port>", "bess only, with one --id: serve that battery's Thing here and drive its inverter over Modbus TCP at host:port (a site run with --external-thing <id>); the inverter drops to 0 W ~3 s after this process dies"),
  ).action(async (kind: string, o: { id?: string[]; inverter?: string }, cmd: Command) => {
    if (!DEVICE_KINDS.includes(kind as DeviceKind)) throw new CommanderError(2, "gridthings.kind", `unknown device kind "${kind}": one of ${DEVICE_KINDS.join(", ")}`);
    const settings = settingsOf(cmd);
    const { loadTokens, startSite, tokenFor } = await stack();
    const tokens = await loadTokens(settings);
    const token = tokenFor(tokens.entries, "device") ?? tokenFor(tokens.entries, "admin");
    if (o.inverter !== undefined) {
      const m = /^([A-Za-z0-9.:-]+):(\d{1,5})$/.exec(o.inverter);
      if (kind !== "bess" || o.id?.length !== 1 || !m || Number(m[2]) > 65535) throw new CommanderError(2, "gridthings.inverter", "--inverter host:port goes with device kind bess and exactly one --id");
      const { BatteryGatewayRuntime } = await import("../site/battery-gateway-runtime.ts");
      const { loadSite } = await import("../site/load-site.ts");
      const gateway = new BatteryGatewayRuntime({
        site: await loadSite(resolve(settings.site)),
        batteryId: o.id[0] as string,
        inverter: { host: m[1] as string, port: Number(m[2]) },
        speed: settings.speed,
        host: settings.host,
        httpPort: settings.thingsPort,
        tokens: tokens.table,
        directory: settings.directory && token ? { url: settings.directory, token, ttlSeconds: settings.ttl } : undefined,
      });
      try {
        await gateway.start();
      } catch (e) {
        await gateway.stop();
        throw e;
      }
      print(`${kind} controller running.`);
      print(`Device Things    ${gateway.thingHost.httpBase}/<thing>   (HTTP)`);
      print(`Inverter         Modbus TCP ${o.inverter}`);
      await runUntilSignal([gateway]);
      return;
    }
    const runtime = await startSite(settings, tokens.table, {
      kinds: [kind as DeviceKind],
      deviceIds: o.id,
      directory: settings.directory && token ? { url: settings.directory, token } : undefined,
      gridMeter: gridMeterFactory,
    });
    if (runtime.things.length === 0) {
      await runtime.stop();
      throw new CommanderError(2, "gridthings.id", `no ${kind} device with id ${o.id?.join(", ")} in ${settings.site}`);
    }
    print(`${kind} running.`);
    printEndpoints(settings, runtime);
    await runUntilSignal([runtime]);
  });

  program
    .command("depot-sim")
    .description("run a depot simulator scenario of the microgrid orchestrator (seed 002 FR-017) and print its JSON report, identical across runs")
    .argument("[scenario]", "scenario name (see --list)")
    .option("--list", "list the scenarios")
    .action(async (scenario: string | undefined, o: { list?: boolean }) => {
      const { listDepotScenarios, runDepotScenario } = await import("../microgrid/simulator/run.ts");
      const scenarios = listDepotScenarios();
      if (o.list) {
        for (const s of scenarios) print(`${s.name.padEnd(28)} ${s.edge_case}`);
        return;
      }
      if (!scenario || !scenarios.some((s) => s.name === scenario)) {
        const why = scenario ? `unknown scenario "${scenario}"` : "a scenario is required";
        throw new CommanderError(2, "gridthings.scenario", `${why}: one of ${scenarios.map((s) => s.name).join(", ")}`);
      }
      const report = runDepotScenario(scenario);
      print(JSON.stringify(report, null, 2));
      if (!report.passed) process.exitCode = 1;
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      if (e.code.startsWith("gridthings.")) process.stderr.write(`error: ${e.message}\n`);
      // Usage errors (unknown option or command, missing argument) exit 2, like bad values.
      return 2;
    }
    const errno = e as NodeJS.ErrnoException & { address?: string; port?: number };
    if (errno.code === "EADDRINUSE" || errno.code === "EACCES") {
      const where = errno.address !== undefined ? `${errno.address}:${errno.port}` : "a port";
      const why = errno.code === "EADDRINUSE" ? "is already in use" : "cannot be opened by this user";
      process.stderr.write(`error ${errno.code}: ${where} ${why}; choose other ports with the flags or GRIDTHINGS_* variables (gridthings --help)\n`);
      return 2;
    }
    if (isCodedError(e)) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

// Output piped into `head` (or a closed terminal): stop quietly, as Unix tools do on SIGPIPE.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
