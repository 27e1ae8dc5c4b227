/**
 * The simulator scenarios the console offers authorized roles: each is one action of the
 * `sim-control` Thing (its TD gives the input schema; the Thing validates and authorizes again).
 * Pure.
 */
import type { Td } from "../../discovery/index.ts";
import { types } from "../../vpp/discovery/roles.ts";

export const SCENARIOS = {
  "load-step": { action: "injectLoadStep", title: "Load step" },
  "clear-load-steps": { action: "clearLoadSteps", title: "Clear load steps" },
  "generator-trip": { action: "injectGeneratorTrip", title: "Generator trip" },
  "device-fault": { action: "injectDeviceFault", title: "Device fault" },
  "clear-device-fault": { action: "clearDeviceFault", title: "Clear device fault" },
  "telemetry-dropout": { action: "injectTelemetryDropout", title: "Telemetry dropout" },
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export const isScenario = (name: string): name is ScenarioName => Object.hasOwn(SCENARIOS, name);

export interface ScenarioView {
  name: ScenarioName;
  action: string;
  title: string;
  description: string | null;
  /** The action's input schema from the TD (null when it takes none). */
  input: Record<string, unknown> | null;
}

/** The scenarios the sim-control TD actually offers, with its titles and input schemas. */
export function scenariosOf(simControl: Td): ScenarioView[] {
  const actions = (typeof simControl.actions === "object" && simControl.actions !== null ? simControl.actions : {}) as Record<string, Record<string, unknown>>;
  return (Object.entries(SCENARIOS) as Array<[ScenarioName, (typeof SCENARIOS)[ScenarioName]]>)
    .filter(([, s]) => actions[s.action] !== undefined)
    .map(([name, s]) => {
      const a = actions[s.action] as Record<string, unknown>;
      return {
        name,
        action: s.action,
        title: typeof a.title === "string" ? a.title : s.title,
        description: typeof a.description === "string" ? a.description : null,
        input: typeof a.input === "object" && a.input !== null ? (a.input as Record<string, unknown>) : null,
      };
    });
}

const DEVICE_TYPES: ReadonlyArray<[string, string]> = [
  ["gt:Battery", "battery"],
  ["gt:PvPlant", "pv"],
  ["gt:WindPlant", "wind"],
  ["gt:ChargePoint", "charge-point"],
  ["gt:GridMeter", "grid-meter"],
  ["gt:WeatherService", "weather"],
];

/** Devices a fault or dropout can target: the simulator names them by their TD title (the site's device id). */
export function targetDevices(tds: readonly Td[]): Array<{ id: string; thingId: string; kind: string }> {
  const out: Array<{ id: string; thingId: string; kind: string }> = [];
  for (const td of tds) {
    const kind = DEVICE_TYPES.find(([t]) => types(td).includes(t))?.[1];
    if (kind && typeof td.title === "string" && typeof td.id === "string") out.push({ id: td.title, thingId: td.id, kind });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}
