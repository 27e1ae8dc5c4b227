/**
 * The Directory view end to end: a reader filters by kind and region and never sees smart meters
 * (nor their history); an operator opens a battery and sees its affordances, a live value read
 * through its own HTTP form, its history and its object memory.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM_AVAILABLE, screenshotPath, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";

const BATTERY = "urn:gridthings:small:bess-north-1";

describe.skipIf(!CHROMIUM_AVAILABLE)("console Directory view (e2e)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  useConsoleStack({ speed: 10 }, (s, b) => {
    stack = s;
    browser = b;
  });

  const bearer = (role: Parameters<ConsoleStack["token"]>[0]) => ({ headers: { authorization: `Bearer ${stack.token(role)}` } });

  it("a reader filters by kind and region, sees batteries and no smart meter; the meter history answers 403", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/directory`);
      await signIn(page, stack.token("reader"));
      const rows = page.locator("#dir-results tr");
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(5);
      const kinds = await page.locator("#dir-kind option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(kinds).toContain("gt:Battery");
      expect(kinds).not.toContain("gt:SmartMeter");
      expect(await page.locator('#dir-results tr[data-kind="gt:SmartMeter"]').count()).toBe(0);

      await page.locator("#dir-kind").selectOption("gt:Battery");
      await page.locator("#dir-region").selectOption("north");
      await page.locator("#dir-apply").click();
      await expect.poll(async () => (await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("data-id")))).sort(), { timeout: 30_000 }).toEqual([BATTERY, "urn:gridthings:small:bess-north-2"]);
      expect(await page.locator("#dir-query").textContent()).toContain("gt:region");

      // Region alone: batteries, plants, charge points of the north, still no meter.
      await page.locator("#dir-kind").selectOption("");
      await page.locator("#dir-apply").click();
      await expect.poll(() => page.locator('#dir-results tr[data-kind="gt:ChargePoint"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.locator('#dir-results tr[data-kind="gt:SmartMeter"]').count()).toBe(0);
      expect(await page.locator('#dir-results tr[data-kind="gt:Battery"]').count()).toBe(2);
    } finally {
      await page.close();
    }

    // The directory hides meter TDs from the reader; a privileged token names one, and its history is refused to the reader.
    const meters = (await (await fetch(`${stack.url}/search/jsonpath?query=${encodeURIComponent("$[?@['@type'][?@ == 'gt:SmartMeter']].id")}`, bearer("privileged-reader"))).json()) as string[];
    expect(meters.length).toBeGreaterThan(0);
    const readerMeters = (await (await fetch(`${stack.url}/search/jsonpath?query=${encodeURIComponent("$[?@['@type'][?@ == 'gt:SmartMeter']].id")}`, bearer("reader"))).json()) as string[];
    expect(readerMeters).toEqual([]);
    const q = new URLSearchParams({ series: "meter.activePower", thingId: meters[0]!, from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z" });
    const r = await fetch(`${stack.url}/console/history?${q}`, bearer("reader"));
    expect(r.status).toBe(403);
    expect((await fetch(`${stack.url}/console/things/${encodeURIComponent(meters[0]!)}/memory`, bearer("reader"))).status).toBe(403);
  }, 120_000);

  it("an operator opens a battery: affordances with forms per protocol, a live value, history charts and object memory", async () => {
    // Some history first: the VPP records every control step.
    await expect
      .poll(async () => ((await (await fetch(`${stack.url}/console/history/series?thingId=${encodeURIComponent(BATTERY)}`)).json()) as { series: unknown[] }).series.length, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThan(2);
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/directory`);
      await signIn(page, stack.token("operator"));
      await page.locator("#dir-kind").selectOption("gt:Battery");
      await page.locator("#dir-apply").click();
      const row = page.locator(`#dir-results tr[data-id="${BATTERY}"]`);
      await row.waitFor({ timeout: 30_000 });
      await row.locator("button").click();
      await expect.poll(() => page.locator("#dir-detail-title").textContent(), { timeout: 30_000 }).toBe("bess-north-1");

      const soc = page.locator('table.dir-affordances[data-kind="properties"] tr[data-affordance="stateOfCharge"]');
      await soc.waitFor();
      expect(await soc.locator('[data-protocol="http"]').count()).toBe(1);
      expect(await soc.locator('[data-protocol="modbus+tcp"]').count()).toBe(1);
      expect(await soc.textContent()).toContain("unit %");
      const live = soc.locator("[data-live]");
      await live.waitFor({ timeout: 30_000 });
      expect(await live.textContent()).toMatch(/^\d+(\.\d+)? %$/);
      expect(await page.locator('table.dir-affordances[data-kind="actions"], table.dir-affordances[data-kind="events"]').count()).toBeGreaterThan(0);

      const chart = page.locator('#dir-history figure[data-series="battery.soc"] .uplot');
      await chart.waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator("#dir-history figure").count()).toBeGreaterThan(2);
      const memory = page.locator("#dir-memory-table tbody tr");
      await expect.poll(() => memory.count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.locator('#dir-memory-table tbody tr[data-kind="membership"]').count()).toBeGreaterThan(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
      await page.screenshot({ path: screenshotPath("console-directory.png") });
    } finally {
      await page.close();
    }
  }, 150_000);

  it("a sign-in made while the page's own anonymous sign-in is still answering stays signed in", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      let anonymousAnswered = false;
      await page.route("**/console/whoami", async (route) => {
        if (route.request().headers().authorization) return route.continue();
        await new Promise((r) => setTimeout(r, 1500)); // the load-time call answers last
        await route.continue();
        anonymousAnswered = true;
      });
      await page.goto(`${stack.url}/#/overview`);
      await page.locator("#token").fill(stack.token("reader"));
      await page.locator("#signin-button").click();
      await page.locator("#signout").waitFor({ state: "visible" });
      await expect.poll(() => anonymousAnswered, { timeout: 10_000 }).toBe(true);
      await page.waitForTimeout(300); // the late anonymous answer has been handled by the page
      expect(await page.locator("#signout").isVisible()).toBe(true);
      expect(await page.locator("#whoami").textContent()).toMatch(/\(reader\)/);
    } finally {
      await page.close();
    }
  });
});
