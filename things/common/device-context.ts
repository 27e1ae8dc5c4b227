import type { GridSimulator } from "../../src/sim/index.ts";
import type { SiteFile } from "../../src/site/site-file.ts";
import { instantiate, type JsonObject, type ModelLoader, type PlaceholderValues } from "../../src/tm/instantiate.ts";

/** What every device Thing of a simulated site is built from. */
export interface DeviceContext {
  site: SiteFile;
  sim: GridSimulator;
  models: ModelLoader;
  /** Base URL the Thing Models are served from (for the TD's `rel: "type"` link). */
  modelBase: string;
}

/** Instantiates a Thing Model for one device of the site. */
export function deviceTd(ctx: Pick<DeviceContext, "site" | "models" | "modelBase">, model: string, values: PlaceholderValues): JsonObject {
  return instantiate(ctx.models, {
    model,
    values: { SITE: ctx.site.id, ...values },
    modelHref: new URL(model, ctx.modelBase).href,
  });
}

/** Runs on every simulation tick after the simulator advanced; publishes what changed. */
export interface TickListener {
  onTick(simTimeMs: number): void;
}
