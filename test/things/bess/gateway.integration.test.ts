/**
 * A battery's controller in its own process drives its inverter over Modbus: the inverter's
 * setpoint revert timer (SunSpec 704 WSetRvrtTms) drops it to 0 W once the controller goes silent.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GridSimulator } from "../../../src/sim/index.ts";
import { loadSite } from "../../../src/site/load-site.ts";
import type { SiteFile } from "../../../src/site/site-file.ts";
import { loadRegisterMap } from "../../../src/modbus/register-map-file.ts";
import type { RegisterMap } from "../../../src/modbus/register-map.ts";
import { ModbusRegisterServer } from "../../../src/modbus/register-server.ts";
import { batteryModbusProvider } from "../../../things/bess/modbus-provider.ts";
import { BatteryGateway } from "../../../things/bess/gateway.ts";
import { BatteryGatewayRuntime } from "../../../src/site/battery-gateway-runtime.ts";
import { TokenTable } from "../../../src/auth/roles.ts";

let site: SiteFile;
let map: RegisterMap;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  site = await loadSite("tds/sites/small.site.json");
  map = await loadRegisterMap("bess-sunspec.map.json");
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function inverter() {
  const sim = new GridSimulator(site, { startTimeMs: Date.parse("2026-06-21T12:00:00Z") });
  const spec = site.batteries.find((b) => b.id === "bess-north-2")!;
  const provider = batteryModbusProvider(sim, spec, map);
  const server = new ModbusRegisterServer({ port: 0, units: { [spec.modbusUnitId!]: provider } });
  await server.start();
  cleanups.push(() => server.stop());
  return { sim, spec, provider, port: server.port };
}

describe("inverter setpoint revert timer", () => {
  it("0 (the default) never reverts; a written revert time drops the setpoint to 0 W once no write came for that long", async () => {
    const { sim, provider } = await inverter();
    provider.write!("ActivePowerSetpoint", 20);
    sim.advanceTo(sim.time() + 600_000);
    provider.onTick(sim.time());
    expect(sim.battery("bess-north-2").targetPowerW).toBe(20_000);

    provider.write!("ActivePowerSetpointRevertTime", 10);
    expect(provider.read("ActivePowerSetpointRevertTime")).toBe(10);
    sim.advanceTo(sim.time() + 9_000);
    provider.onTick(sim.time());
    expect(sim.battery("bess-north-2").targetPowerW).toBe(20_000);
    // A refresh of the revert time restarts the timer, as a setpoint write does.
    provider.write!("ActivePowerSetpointRevertTime", 10);
    sim.advanceTo(sim.time() + 9_000);
    provider.onTick(sim.time());
    expect(sim.battery("bess-north-2").targetPowerW).toBe(20_000);
    sim.advanceTo(sim.time() + 2_000);
    provider.onTick(sim.time());
    expect(sim.battery("bess-north-2").targetPowerW).toBe(0);
  });
});

describe("BatteryGateway", () => {
  it("reads the battery through the inverter's registers and writes setpoints and droop to it", async () => {
    const { sim, spec, port } = await inverter();
    const gateway = new BatteryGateway({ spec, map, inverter: { host: "127.0.0.1", port, unitId: spec.modbusUnitId! }, revertSeconds: 30, refreshMs: 50 });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    const direct = sim.battery("bess-north-2");
    const r = gateway.read();
    expect(r.socPercent).toBeCloseTo(direct.socPercent, 3);
    expect(r.maxDischargePowerW).toBe(direct.maxDischargePowerW);
    expect(r.capacityWh).toBe(direct.capacityWh);
    expect(r.quality).toBe("GOOD");
    expect(await gateway.setTarget(15_000)).toBe(15_000);
    expect(sim.battery("bess-north-2").targetPowerW).toBe(15_000);
    expect((await gateway.setDroop({ enabled: true, deadbandHz: 0.01, droopPercent: 4 })).enabled).toBe(true);
    expect(sim.battery("bess-north-2").droop.droopPercent).toBeCloseTo(4, 5);
  });

  it("refuses a setpoint beyond the battery's rating and a fault reset it has no register for", async () => {
    const { spec, port } = await inverter();
    const gateway = new BatteryGateway({ spec, map, inverter: { host: "127.0.0.1", port, unitId: spec.modbusUnitId! }, revertSeconds: 30 });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    await expect(gateway.setTarget(spec.maxDischargeW + 1000)).rejects.toThrow();
    expect(() => gateway.clearFault()).toThrow(/no reset point/);
  });

  it("arms the revert timer while it runs and disarms it on a clean stop", async () => {
    const { provider, spec, port } = await inverter();
    const gateway = new BatteryGateway({ spec, map, inverter: { host: "127.0.0.1", port, unitId: spec.modbusUnitId! }, revertSeconds: 30 });
    await gateway.start();
    expect(provider.read("ActivePowerSetpointRevertTime")).toBe(30);
    await gateway.stop();
    expect(provider.read("ActivePowerSetpointRevertTime")).toBe(0);
  });

  it("fails to start when the inverter does not answer", async () => {
    const { spec } = await inverter();
    const gateway = new BatteryGateway({ spec, map, inverter: { host: "127.0.0.1", port: 1, unitId: 2 }, revertSeconds: 30 });
    await expect(gateway.start()).rejects.toThrow();
    await gateway.stop();
  });
});

describe("BatteryGatewayRuntime", () => {
  it("refuses a device that is not a Modbus battery of the site", async () => {
    const runtime = new BatteryGatewayRuntime({ site, batteryId: "pv-north-1", inverter: { host: "127.0.0.1", port: 1 }, speed: 1, host: "127.0.0.1", httpPort: 0, tokens: new TokenTable([]) });
    await expect(runtime.start()).rejects.toMatchObject({ code: "SITE_FILE_INVALID" });
    await runtime.stop();
  });

  it("serves the battery's Thing over HTTP from the inverter's registers", async () => {
    const { sim, port } = await inverter();
    const runtime = new BatteryGatewayRuntime({ site, batteryId: "bess-north-2", inverter: { host: "127.0.0.1", port }, speed: 10, host: "127.0.0.1", httpPort: 0, tokens: new TokenTable([]) });
    await runtime.start();
    cleanups.push(() => runtime.stop());
    const entry = runtime.things[0]!;
    expect(entry.protocols).toEqual(["http"]);
    const td = (await (await fetch(entry.tdUrl)).json()) as { properties: Record<string, { forms: Array<{ href: string }> }> };
    const soc = (await (await fetch(td.properties.stateOfCharge!.forms[0]!.href)).json()) as number;
    expect(soc).toBeCloseTo(sim.battery("bess-north-2").socPercent, 3);
  });
});
