/**
 * The History view end to end: `gridthings start` runs for a while before the page opens, and the
 * chart shows values stored before that (from the VPP's history, not what arrived since).
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM_AVAILABLE, screenshotPath, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";

interface Catalogue {
  newest: string | null;
  series: Array<{ name: string; thingId: string | null; firstAt: string }>;
}

describe.skipIf(!CHROMIUM_AVAILABLE)("console History view (e2e)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  useConsoleStack({ speed: 10 }, (s, b) => {
    stack = s;
    browser = b;
  });

  const catalogue = async (token?: string): Promise<Catalogue> => {
    const r = await fetch(`${stack.url}/console/history/series`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return (await r.json()) as Catalogue;
  };

  it("charts grid frequency stored before the page opened, with the numbers in a table", async () => {
    // Let the stack run: a minute and a half of simulated time in the history before the page opens
    // (an hour in 300 buckets is 12 s each: at least 7 buckets with data, whatever their alignment).
    await expect
      .poll(async () => {
        const c = await catalogue();
        const f = c.series.find((s) => s.name === "grid.frequency");
        return f && c.newest ? Date.parse(c.newest) - Date.parse(f.firstAt) : 0;
      }, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThan(90_000);
    const openedAt = Date.parse((await catalogue()).newest as string);

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/history`);
      await signIn(page, stack.token("reader"));
      const card = page.locator('section.hist-chart[data-series="grid.frequency|"]');
      await card.waitFor({ timeout: 30_000 });
      await card.locator(".uplot canvas").first().waitFor({ timeout: 30_000 });
      const firstBucket = await card.locator("table.history-table tbody tr").first().getAttribute("data-at");
      expect(Date.parse(firstBucket as string)).toBeLessThan(openedAt - 30_000);
      await expect.poll(() => card.locator("table.history-table tbody tr").count()).toBeGreaterThan(5);

      // A reader is not offered household meter series; the server refuses them.
      const options = await page.locator("#history-series option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options.some((v) => v.startsWith("meter."))).toBe(false);
      expect(options).toContain("grid.frequency|");

      // Several series, one chart each: fleet command and a battery's state of charge.
      const soc = options.find((v) => v.startsWith("battery.soc|"));
      expect(soc).toBeDefined();
      await page.locator("#history-series").selectOption(["grid.frequency|", "fleet.command|", soc as string]);
      await page.locator("#history-range").selectOption("day");
      await page.locator("#history-show").click();
      await expect.poll(() => page.locator("section.hist-chart").count(), { timeout: 30_000 }).toBe(3);
      await page.locator(`section.hist-chart[data-series="${soc}"] .uplot`).waitFor();
      await page.locator("#history-series").selectOption(["grid.frequency|", soc as string]);
      await page.locator("#history-range").selectOption("hour");
      await page.locator("#history-show").click();
      await expect.poll(() => page.locator("section.hist-chart").count(), { timeout: 30_000 }).toBe(2);
      await page.locator("section.hist-chart .uplot").nth(1).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(1366);
      await page.screenshot({ path: screenshotPath("console-history.png") });
    } finally {
      await page.close();
    }
  }, 180_000);

  it("lists household meter series to the operator, and answers 403 to a reader for them", async () => {
    await expect.poll(async () => (await catalogue(stack.token("operator"))).series.some((s) => s.name === "meter.activePower"), { timeout: 60_000, interval: 1000 }).toBe(true);
    const meter = (await catalogue(stack.token("operator"))).series.find((s) => s.name === "meter.activePower");
    expect((await catalogue(stack.token("reader"))).series.some((s) => s.name === "meter.activePower")).toBe(false);
    const q = new URLSearchParams({ series: "meter.activePower", thingId: meter!.thingId as string, from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z" });
    const reader = await fetch(`${stack.url}/console/history?${q}`, { headers: { authorization: `Bearer ${stack.token("reader")}` } });
    expect(reader.status).toBe(403);
    const op = await fetch(`${stack.url}/console/history?${q}`, { headers: { authorization: `Bearer ${stack.token("operator")}` } });
    expect(op.status).toBe(200);
  }, 90_000);
});
