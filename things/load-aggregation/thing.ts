/**
 * The VPP's load-aggregation Thing (seed 000 load_agg, published as a Thing): aggregates by
 * region, substation and feeder as properties and an `aggregate` event; per-meter readings only
 * as a private property (HTTP, privileged-reader bearer token; seed 001 privacy).
 */
import type { LoadAggregate, MeterView } from "../../src/vpp/aggregation/types.ts";
import type { MeterQualityState } from "../../src/vpp/metering/types.ts";
import { instantiate, type JsonObject, type ModelLoader } from "../../src/tm/instantiate.ts";
import type { HostedThing, ThingSpec } from "../../src/wot/hosted-thing-impl.ts";
import type { ThingHost } from "../../src/wot/thing-host.ts";
import type { Protocol } from "../../src/site/site-file.ts";

/** What the Thing reads from (MeterStreamPipeline has this shape). */
export interface AggregationSource {
  snapshot(): LoadAggregate;
  meterViews(): MeterView[];
  stats(): { readonly quality: Record<MeterQualityState, number> } & object;
  onAggregate(listener: (aggregate: LoadAggregate) => void): () => void;
}

export interface LoadAggregationThingOptions {
  models: ModelLoader;
  /** Base URL the Thing Models are served from (for the TD's `rel: "type"` link). */
  modelBase: string;
  siteId: string;
  /** Thing title and URL path segment. Default "load-aggregation". */
  name?: string;
  protocols?: readonly Protocol[];
}

export function loadAggregationThingSpec(source: AggregationSource, options: LoadAggregationThingOptions): ThingSpec {
  const td: JsonObject = instantiate(options.models, {
    model: "load-aggregation.tm.json",
    values: { SITE: options.siteId, DEVICE_ID: options.name ?? "load-aggregation" },
    modelHref: new URL("load-aggregation.tm.json", options.modelBase).href,
  });
  return {
    td,
    protocols: options.protocols ?? ["http", "coap", "mqtt"],
    properties: {
      totalDemand: { read: () => source.snapshot().total.demandW },
      aggregate: { read: () => source.snapshot() },
      meterQuality: { read: () => source.stats().quality },
      streamStats: { read: () => source.stats() },
      meterReadings: { read: () => source.meterViews() },
    },
    privateProperties: ["meterReadings"],
  };
}

/** Exposes the Thing on a host and publishes each aggregate as an event and property changes. */
export async function exposeLoadAggregation(host: ThingHost, source: AggregationSource, options: LoadAggregationThingOptions): Promise<{ thing: HostedThing; stop(): Promise<void> }> {
  const thing = await host.expose(loadAggregationThingSpec(source, options));
  const off = source.onAggregate((aggregate) => {
    thing.emitEvent("aggregate", aggregate);
    thing.emitPropertyChange("totalDemand");
    thing.emitPropertyChange("aggregate");
  });
  return {
    thing,
    async stop() {
      off();
      await host.destroy(thing.name);
    },
  };
}
