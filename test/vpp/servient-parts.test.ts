import { describe, expect, it } from "vitest";
import { gridSampleFromChannels } from "../../src/vpp/grid-sample.ts";
import { ObservedClock } from "../../src/vpp/sim-clock.ts";
import { readProtocolOf } from "../../src/vpp/servient.ts";
import { ownersFromSiteFile, resolveVppFlags } from "../../src/vpp/cli-options.ts";
import { resolveVppConfig } from "../../src/vpp/config.ts";
import { adoptSetpoints, INITIAL_DISPATCH_STATE } from "../../src/vpp/dispatch/storage-dispatch.ts";
import { batteryStateFromTelemetry } from "../../src/vpp/dispatch/battery-state.ts";

describe("grid meter channels → sample", () => {
  it("reads the seed 003 names", () => {
    const s = gridSampleFromChannels({ Frequency: 59.95, Frequency_RoCoF: -0.01, Voltage_L1: 230, Voltage_L2: 231, Voltage_L3: "x", ActivePower: 1000, Timestamp: "2026-06-21T19:00:00Z", quality: "GOOD" });
    expect(s).toEqual({ timeMs: Date.parse("2026-06-21T19:00:00Z"), frequencyHz: 59.95, rocofHzPerS: -0.01, voltagesV: [230, 231], activePowerW: 1000, quality: "GOOD" });
  });
  it("refuses what is not a snapshot and marks odd quality as ERROR", () => {
    expect(gridSampleFromChannels(null)).toBeUndefined();
    expect(gridSampleFromChannels({ Frequency: 60 })).toBeUndefined();
    expect(gridSampleFromChannels({ Frequency: 60, Timestamp: "2026-06-21T19:00:00Z", quality: "meh" })!.quality).toBe("ERROR");
  });
});

describe("ObservedClock", () => {
  it("extrapolates simulated time at the speed measured since the first sample", () => {
    let wall = 1000;
    const c = new ObservedClock(() => wall);
    expect(c.known).toBe(false);
    c.observe(1_000_000);
    expect(c.speed).toBe(1);
    wall = 2000;
    c.observe(1_010_000);
    expect(c.speed).toBe(10);
    expect(c.spanMs).toBe(1000);
    wall = 2100;
    expect(c.now()).toBe(1_011_000);
    c.observe(5); // older: ignored
    expect(c.now()).toBe(1_011_000);
  });
});

describe("read protocol of a TD", () => {
  it("prefers request/response protocols over MQTT", () => {
    const td = (hrefs: string[]) => ({ properties: { p: { forms: hrefs.map((href) => ({ href })) } } });
    expect(readProtocolOf(td(["mqtt://b/x", "http://h/x", "coap://h/x"]))).toBe("http");
    expect(readProtocolOf(td(["mqtt://b/x", "coap://h/x"]))).toBe("coap");
    expect(readProtocolOf(td(["modbus+tcp://h/1/2"]))).toBe("modbus");
    expect(readProtocolOf(td(["mqtt://b/x"]))).toBe("mqtt");
    expect(readProtocolOf({})).toBeUndefined();
  });
});

describe("VPP flags and configuration", () => {
  it("resolves flags over environment", () => {
    const r = resolveVppFlags({ controlMs: "250", droop: "0.005:0.1" }, { GRIDTHINGS_VPP_CONTROL_MS: "900", GRIDTHINGS_VPP_WRITE_PROTOCOL: "modbus", GRIDTHINGS_VPP_SMTP_URL: "smtp://127.0.0.1:2525?from=vpp@grid.example", GRIDTHINGS_VPP_METERING: "off" });
    expect(r.config.controlPeriodMs).toBe(250);
    expect(r.config.writeProtocol).toBe("modbus");
    expect(r.config.droop).toEqual({ deadbandHz: 0.005, droopPercent: 0.1 });
    expect(r.config.smtp).toEqual({ host: "127.0.0.1", port: 2525, from: "vpp@grid.example", secure: false });
    expect(r.metering).toBe(false);
  });
  it.each([
    [{ controlMs: "0" }, /control-ms/],
    [{ writeProtocol: "coap" }, /write-protocol/],
    [{ droop: "fast" }, /droop/],
    [{ droop: "0.01:50" }, /droop/],
    [{ stiffness: "-1" }, /stiffness/],
    [{ operatorEmail: "nobody" }, /operator-email/],
    [{ smtpUrl: "http://x" }, /smtp-url/],
    [{ smsWebhook: "ftp://x" }, /sms-webhook/],
    [{ metering: "maybe" }, /metering/],
    [{ sharedGroup: "a/b" }, /shared-group/],
    [{ voltageThreshold: "2" }, /voltage-threshold/],
    [{ historyDays: "0" }, /history-days/],
    [{ historyDays: "1.5" }, /history-days/],
    [{ historyRawHours: "many" }, /history-raw-hours/],
    [{ historyDays: "1", historyRawHours: "25" }, /history-raw-hours "25": raw samples cannot be kept longer than the rollups' 24 hours \(--history-days 1\)/],
  ])("refuses %o", (flags, message) => {
    expect(() => resolveVppFlags(flags, {})).toThrow(message);
  });
  it("sets the history retention in simulated days and hours; the raw default shrinks to fit fewer days", () => {
    expect(resolveVppFlags({}, {}).config.history).toBeUndefined();
    expect(resolveVppConfig().history).toEqual({ retentionMs: 8 * 86_400_000, rawRetentionMs: 86_400_000 });
    expect(resolveVppFlags({ historyDays: "30" }, { GRIDTHINGS_VPP_HISTORY_RAW_HOURS: "48" }).config.history).toEqual({ retentionMs: 30 * 86_400_000, rawRetentionMs: 48 * 3_600_000 });
    expect(resolveVppFlags({ historyRawHours: "6" }, { GRIDTHINGS_VPP_HISTORY_RAW_HOURS: "48" }).config.history).toEqual({ retentionMs: 8 * 86_400_000, rawRetentionMs: 6 * 3_600_000 });
    expect(() => resolveVppFlags({}, { GRIDTHINGS_VPP_HISTORY_DAYS: "-2" })).toThrow(/GRIDTHINGS_VPP_HISTORY_DAYS "-2"/);
    expect(() => resolveVppConfig({ history: { retentionMs: 1000, rawRetentionMs: 2000 } })).toThrow(/history/);
  });
  it("checks the whole configuration", () => {
    expect(() => resolveVppConfig({ deviceTimeoutMs: 6000 })).toThrow(/deviceTimeoutMs/);
    expect(() => resolveVppConfig({ controlPeriodMs: Number.NaN })).toThrow(/controlPeriodMs/);
    expect(resolveVppConfig().stepTimeoutMs).toBe(5000);
  });
  it("reads battery owners from the site file, never from TDs", () => {
    expect(ownersFromSiteFile("tds/sites/demo.site.json").get("bess-north-2")).toEqual({ name: "J. Rivera", phone: "+15550100002" });
    expect(ownersFromSiteFile("/nonexistent").size).toBe(0);
  });
});

describe("adopting setpoints held by the devices", () => {
  const t = (id: string, targetPowerW: number) => batteryStateFromTelemetry(id, { socPercent: 50, activePowerW: targetPowerW, targetPowerW, maxDischargePowerW: 1e5, maxChargePowerW: 1e5, state: "discharging", quality: "GOOD" })!;
  it("holds what the batteries already do", () => {
    expect(adoptSetpoints([t("a", 50_000), t("b", 0)])).toMatchObject({ mode: "regulating", fleetCommandW: 50_000, setpointsW: { a: 50_000, b: 0 } });
    expect(adoptSetpoints([t("a", 0)])).toBe(INITIAL_DISPATCH_STATE);
  });
  it("parses telemetry and refuses malformed values", () => {
    expect(batteryStateFromTelemetry("a", { socPercent: "x" })).toBeUndefined();
    expect(batteryStateFromTelemetry("a", null)).toBeUndefined();
    expect(batteryStateFromTelemetry("a", { socPercent: 1, maxDischargePowerW: 1, maxChargePowerW: 1, quality: "??" })!.quality).toBe("ERROR");
  });
});
