/**
 * Every file under tds/ is a test case: each Thing Model passes the Playground's TM checks and
 * instantiates; each site file validates; each register map parses. The TDs every site file
 * produces are validated in test/site/every-site-td.integration.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listModels, modelLoader, MODELS_DIR, TDS_DIR } from "../../src/tm/model-files.ts";
import { instantiate } from "../../src/tm/instantiate.ts";
import { playgroundTmReport, playgroundFailures } from "../../src/td/td-validator.ts";
import { parseSite } from "../../src/site/site-schema.ts";
import { parseRegisterMap } from "../../src/modbus/register-map.ts";

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{\{([A-Za-z0-9_]+)\}\}/g)].map((m) => m[1] as string))];

describe("Thing Models in tds/models", () => {
  const models = listModels();

  it("there are models for every device kind", () => {
    for (const kind of ["bess.tm.json", "pv.tm.json", "wind.tm.json", "weather.tm.json", "smart-meter.tm.json", "sim-control.tm.json", "grid-meter.tm.json"]) {
      expect(models).toContain(kind);
    }
  });

  for (const model of models) {
    it(`${model} passes the Playground's Thing Model checks`, async () => {
      const tm = JSON.parse(readFileSync(join(MODELS_DIR, model), "utf8"));
      const report = await playgroundTmReport(tm);
      expect(playgroundFailures(report), JSON.stringify(report)).toEqual([]);
    });

    if (!model.startsWith("fragments/")) {
      it(`${model} instantiates with every placeholder filled and none left over`, () => {
        const load = modelLoader();
        const text = JSON.stringify(collect(load, model));
        const values = Object.fromEntries(placeholders(text).map((p) => [p, p.endsWith("_W") || p.endsWith("_KW") || p.endsWith("_WH") ? 1000 : `x-${p.toLowerCase()}`]));
        const td = instantiate(load, { model, values });
        expect(JSON.stringify(td)).not.toMatch(/\{\{/);
        expect(JSON.stringify(td)).not.toContain("tm:ref");
        expect(td["@type"]).not.toContain("tm:ThingModel");
        expect((td.links as Array<{ rel: string }>).some((l) => l.rel === "type")).toBe(true);
      });
    }
  }
});

/** A model and everything it extends or references, to find all placeholders. */
function collect(load: (p: string) => Record<string, unknown>, model: string, seen = new Set<string>()): unknown[] {
  if (seen.has(model)) return [];
  seen.add(model);
  const doc = load(model);
  const refs = JSON.stringify(doc).match(/"(?:href|tm:ref)":"(\.[^"#]+)/g) ?? [];
  const dir = model.includes("/") ? model.slice(0, model.lastIndexOf("/") + 1) : "";
  const out: unknown[] = [doc];
  for (const r of refs) {
    const rel = r.replace(/^"(?:href|tm:ref)":"/, "");
    if (!rel.endsWith(".tm.json")) continue;
    const path = join(dir, rel).replace(/\\/g, "/");
    out.push(...collect(load, path, seen));
  }
  return out;
}

describe("site files in tds/sites", () => {
  const dir = join(TDS_DIR, "sites");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".site.json"))) {
    it(`${file} is a valid site file`, () => {
      const site = parseSite(readFileSync(join(dir, file), "utf8"), file);
      expect(site.regions.length).toBeGreaterThan(0);
    });
  }

  it("the demo site has several feeders and substations, at least two regions and 200 meters", () => {
    const site = parseSite(readFileSync(join(dir, "demo.site.json"), "utf8"));
    const substations = site.regions.flatMap((r) => r.substations);
    const feeders = substations.flatMap((s) => s.feeders);
    expect(site.regions.length).toBeGreaterThanOrEqual(2);
    expect(substations.length).toBeGreaterThanOrEqual(2);
    expect(feeders.length).toBeGreaterThanOrEqual(3);
    expect(feeders.reduce((n, f) => n + f.meters, 0)).toBeGreaterThanOrEqual(200);
  });
});

describe("register maps in tds/register-maps", () => {
  const dir = join(TDS_DIR, "register-maps");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".map.json"))) {
    it(`${file} parses and every register names its datasheet source`, () => {
      const map = parseRegisterMap(JSON.parse(readFileSync(join(dir, file), "utf8")), file);
      for (const r of map.registers) {
        expect(r.source, r.name).toBeTruthy();
        expect(r.datasheetAddress, r.name).toBeGreaterThan(0);
      }
    });
  }
});
