/** Realistic site TDs of about 10 KB (batteries, PV, meters) for the directory benchmark. */

const CONTEXT = [
  "https://www.w3.org/2022/wot/td/v1.1",
  { saref: "https://saref.etsi.org/core/", s4ener: "https://saref.etsi.org/saref4ener/", s4grid: "https://saref.etsi.org/saref4grid/", gt: "https://gridthings.dev/ns#", om: "http://www.ontology-of-units-of-measure.org/resource/om-2/" },
];
const REGIONS = ["north", "south", "east", "west"];

function property(host: string, path: string, name: string, type: string, unit: string, min: number, max: number, unitId: number, register: number) {
  return {
    title: name.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase()),
    description: `${name} of the device, sampled every second; ${unit} in SI units, quality flags in the envelope`,
    "@type": type,
    type: "number",
    unit,
    minimum: min,
    maximum: max,
    readOnly: true,
    observable: true,
    forms: [
      { href: `http://${host}:8081/${path}/properties/${name}`, op: ["readproperty"], contentType: "application/json", "htv:methodName": "GET" },
      { href: `http://${host}:8081/${path}/properties/${name}/observable`, op: ["observeproperty", "unobserveproperty"], subprotocol: "longpoll" },
      { href: `modbus+tcp://${host}:5020/${unitId}/${register}?quantity=2`, op: ["readproperty"], contentType: "application/octet-stream;length=4", "modv:function": "readHoldingRegisters" },
    ],
  };
}

export function generateTd(n: number): Record<string, unknown> {
  const kind = n % 10 < 6 ? "bess" : n % 10 < 9 ? "pv" : "meter";
  const region = REGIONS[n % REGIONS.length] as string;
  const host = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const path = `${kind}-${n}`;
  const names = ["activePower", "reactivePower", "voltageL1", "voltageL2", "voltageL3", "currentL1", "currentL2", "currentL3", "frequency", "stateOfCharge", "temperature", "energyImported", "energyExported"];
  const properties = Object.fromEntries(names.map((name, i) => [name, property(host, path, name, `saref:${name[0]!.toUpperCase()}${name.slice(1)}`, i < 3 ? "om:watt" : i < 5 ? "om:volt" : "om:ampere", -1e6, 1e6, 1 + (n % 247), 100 + i * 2)]));
  return {
    "@context": CONTEXT,
    "@type": kind === "bess" ? ["saref:Device", "s4ener:Battery", "gt:Battery"] : kind === "pv" ? ["saref:Device", "s4ener:PhotovoltaicSystem", "gt:Pv"] : ["saref:Meter", "gt:SmartMeter"],
    id: `urn:gridthings:${kind}:${String(n).padStart(6, "0")}`,
    title: `${kind.toUpperCase()} ${n}`,
    description: `Simulated ${kind} ${n} on feeder f-${region[0]}${n % 7} of substation sub-${region[0]}${n % 3}`,
    "gt:region": region,
    "gt:substation": `sub-${region[0]}${n % 3}`,
    "gt:feeder": `f-${region[0]}${n % 7}`,
    "gt:maxDischargePowerW": kind === "bess" ? 10_000 * (1 + (n % 20)) : 0,
    ...(kind === "meter" ? { "gt:privacy": "household" } : {}),
    securityDefinitions: { bearer_sc: { scheme: "bearer", in: "header", name: "Authorization" }, nosec_sc: { scheme: "nosec" } },
    security: ["nosec_sc"],
    properties,
    actions: {
      setPowerSetpoint: {
        title: "Set power setpoint",
        "@type": "s4ener:PowerSetpointCommand",
        input: { type: "object", properties: { powerW: { type: "number", unit: "om:watt", minimum: -1e6, maximum: 1e6 } }, required: ["powerW"] },
        forms: [{ href: `http://${host}:8081/${path}/actions/setPowerSetpoint`, op: ["invokeaction"], contentType: "application/json" }],
      },
    },
    events: {
      alarm: { title: "Alarm", data: { type: "object", properties: { code: { type: "string" }, severity: { type: "string", enum: ["info", "warning", "critical"] } } }, forms: [{ href: `http://${host}:8081/${path}/events/alarm`, op: ["subscribeevent"], subprotocol: "longpoll" }] },
    },
  };
}
