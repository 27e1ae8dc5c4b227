/** Simulation control (only when the site is simulated): scenario injections and the physics state. */
import type { ThingSpec, HostedThing } from "../../src/wot/hosted-thing-impl.ts";
import { deviceTd, type DeviceContext, type TickListener } from "../common/device-context.ts";

export const SIM_CONTROL_ID = "sim-control";
export const SIM_CONTROL_ACTIONS = ["injectLoadStep", "clearLoadSteps", "injectGeneratorTrip", "injectDeviceFault", "clearDeviceFault", "injectTelemetryDropout"] as const;

export function simControlThingSpec(ctx: DeviceContext, speed: () => number): ThingSpec {
  const { sim } = ctx;
  type Input = Record<string, unknown>;
  return {
    td: deviceTd(ctx, "sim-control.tm.json", { DEVICE_ID: SIM_CONTROL_ID }),
    protocols: ["http"],
    powerChanging: SIM_CONTROL_ACTIONS.map((a) => `actions/${a}`),
    properties: {
      physics: {
        read: () => {
          const p = sim.physics();
          return {
            time: p.time,
            frequencyHz: p.frequencyHz,
            rocofHzPerS: p.rocofHzPerS,
            generationW: p.generationW,
            loadW: p.loadW,
            imbalanceW: p.imbalanceW,
            siteImportW: p.siteImportW,
            injectedLoadStepW: p.injectedLoadStepW,
            trippedGenerationW: p.trippedGenerationW,
          };
        },
      },
      speed: { read: () => speed() },
    },
    actions: {
      injectLoadStep: (i) => void sim.injectLoadStep((i as Input).powerW as number, (i as Input).durationSeconds as number | undefined),
      clearLoadSteps: () => void sim.clearLoadSteps(),
      injectGeneratorTrip: (i) => void sim.injectGeneratorTrip((i as Input).powerW as number),
      injectDeviceFault: (i) => {
        const input = i as { deviceId: string; code: string; message?: string; critical: boolean };
        sim.injectDeviceFault(input.deviceId, { code: input.code, message: input.message ?? input.code, critical: input.critical });
      },
      clearDeviceFault: (i) => void sim.clearDeviceFault((i as Input).deviceId as string),
      injectTelemetryDropout: (i) => void sim.injectTelemetryDropout((i as Input).deviceId as string, (i as Input).durationSeconds as number),
    },
  };
}

export function simControlPublisher(thing: HostedThing): TickListener {
  return { onTick: () => thing.emitPropertyChange("physics") };
}
