/**
 * Every TD a site file produces — each device of the demo and the small site, and the Modbus
 * stand-in's — validates against the TD 1.1 JSON Schema and passes the Thingweb Playground.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteRuntime } from "../../src/site/runtime.ts";
import { loopbackSite } from "../support/site.ts";
import { loadSite } from "../../src/site/load-site.ts";
import { TDS_DIR } from "../../src/tm/model-files.ts";
import { validateTdSchema, playgroundReport, playgroundFailures } from "../../src/td/td-validator.ts";
import { startGridMeter } from "../../things/grid-meter/index.ts";
import { listMeters, type SiteFile } from "../../src/site/site-file.ts";

/** Sites larger than this run every non-meter device and the first meter of each feeder (the scale run is bench/site). */
const FULL_SITE_METERS = 1000;

function sampledIds(site: SiteFile): string[] | undefined {
  const meters = listMeters(site);
  if (meters.length <= FULL_SITE_METERS) return undefined;
  const firstPerFeeder = new Map<string, string>();
  for (const m of meters) if (!firstPerFeeder.has(m.feeder)) firstPerFeeder.set(m.feeder, m.id);
  return [...site.batteries.map((b) => b.id), ...site.pv.map((p) => p.id), ...site.wind.map((w) => w.id), ...(site.chargePoints ?? []).map((c) => c.id), ...firstPerFeeder.values()];
}
import type { JsonObject } from "../../src/wot/published-td.ts";

const sites = readdirSync(join(TDS_DIR, "sites")).filter((f) => f.endsWith(".site.json"));

describe("the TD validators can fail", () => {
  it("reject a TD without forms, security or title", async () => {
    const broken = { "@context": "https://www.w3.org/2022/wot/td/v1.1", properties: { p: { type: "number" } } };
    expect(validateTdSchema(broken).length).toBeGreaterThan(0);
    expect(playgroundFailures(await playgroundReport(broken))).not.toEqual([]);
  });
});

for (const file of sites) {
  describe(`every TD of ${file}`, () => {
    let runtime: SiteRuntime;
    let tds: JsonObject[] = [];

    beforeAll(async () => {
      const site = await loadSite(join(TDS_DIR, "sites", file));
      runtime = await loopbackSite(file, {
        gridMeter: startGridMeter,
        realNow: () => 0,
        deviceIds: sampledIds(site),
      });
      await runtime.start();
      tds = [...runtime.thingHost.hosted().map((t) => t.td), ...(runtime.gridMeterPart?.deviceTds ?? [])];
    }, 120_000);

    afterAll(async () => {
      await runtime?.stop();
    });

    it("has one TD per device of the site file, each with a unique id", async () => {
      const site = await loadSite(join(TDS_DIR, "sites", file));
      const sampled = sampledIds(site);
      const all = listMeters(site).length;
      const meters = sampled ? site.regions.flatMap((r) => r.substations.flatMap((s) => s.feeders)).filter((f) => f.meters > 0).length : all;
      const expected = meters + site.batteries.length + site.pv.length + site.wind.length + (site.chargePoints ?? []).length + 3 /* weather, sim-control, grid meter */ + (site.gridMeter.mode === "physical" ? 1 : 0);
      expect(tds.length).toBe(expected);
      expect(new Set(tds.map((td) => td.id)).size).toBe(tds.length);
    });

    it("every TD validates against the TD 1.1 JSON Schema", () => {
      const failures = tds.map((td) => ({ id: td.id, problems: validateTdSchema(td) })).filter((f) => f.problems.length > 0);
      expect(failures).toEqual([]);
    });

    it("every TD passes the Thingweb Playground assertions", async () => {
      // One TD per model is enough for the Playground's structural checks; meters differ only in placeholders.
      const byModel = new Map<string, JsonObject>();
      for (const td of tds) {
        const model = ((td.links as Array<{ rel: string; href: string }> | undefined) ?? []).find((l) => l.rel === "type")?.href ?? String(td.id);
        if (!byModel.has(model)) byModel.set(model, td);
      }
      for (const td of byModel.values()) {
        const report = await playgroundReport(td);
        expect(playgroundFailures(report), `${td.id}: ${JSON.stringify(report.report)}`).toEqual([]);
      }
    }, 60_000);

    it("every number in every data schema carries a unit", () => {
      const missing: string[] = [];
      const walk = (schema: unknown, where: string) => {
        if (!schema || typeof schema !== "object") return;
        const s = schema as Record<string, unknown>;
        const numeric = s.type === "number" || s.type === "integer";
        const counter = where.endsWith("/sequence") || where.includes("/Timestamp") || where.endsWith("/unitId");
        if (numeric && s.unit === undefined && !counter && !/PowerFactor|speed|faultCode|timestampSeconds|SunSpec|Model/.test(where)) missing.push(where);
        for (const key of ["properties"]) {
          const props = s[key] as Record<string, unknown> | undefined;
          if (props) for (const [k, v] of Object.entries(props)) walk(v, `${where}/${k}`);
        }
        if (s.items) walk(s.items, `${where}[]`);
        for (const key of ["oneOf", "anyOf"]) if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((v) => walk({ ...(v as object), unit: (v as { unit?: string }).unit ?? s.unit }, where));
      };
      for (const td of tds) {
        for (const [name, p] of Object.entries((td.properties as Record<string, unknown>) ?? {})) walk(p, `${td.title}/properties/${name}`);
        for (const [name, a] of Object.entries((td.actions as Record<string, { input?: unknown; output?: unknown }>) ?? {})) {
          walk(a.input, `${td.title}/actions/${name}/input`);
          walk(a.output, `${td.title}/actions/${name}/output`);
        }
        for (const [name, e] of Object.entries((td.events as Record<string, { data?: unknown }>) ?? {})) walk(e.data, `${td.title}/events/${name}`);
      }
      expect(missing).toEqual([]);
    });

    it("every TD carries semantic annotations from SAREF, SAREF4ENER or SAREF4GRID", () => {
      for (const td of tds) {
        const context = JSON.stringify(td["@context"]);
        expect(context, String(td.id)).toContain("https://saref.etsi.org/core/");
        expect(td["@type"], String(td.id)).toBeDefined();
      }
    });
  });
}
