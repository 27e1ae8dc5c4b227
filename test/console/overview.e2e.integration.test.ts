/**
 * The Overview end to end on `gridthings start` (small site, speed 10): an operator signs in
 * through the form, sees the live frequency chart, injects a load step from the page, sees the
 * frequency dip, the VPP dispatch the batteries and the frequency come back inside ±0.02 Hz; a
 * reader sees no controls, and a control call forged with the reader's token is refused (403).
 */
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_AVAILABLE, screenshotPath, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";

/** Every frequency the page shows from now on (the number changes once a second). */
async function recordFrequencies(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __freqs: number[] };
    w.__freqs = [];
    const node = document.querySelector("#overview-frequency") as HTMLElement;
    new MutationObserver(() => {
      const f = Number.parseFloat(node.textContent ?? "");
      if (Number.isFinite(f)) w.__freqs.push(f);
    }).observe(node, { childList: true, characterData: true, subtree: true });
  });
}

const frequencies = (page: Page) => page.evaluate(() => (window as unknown as { __freqs: number[] }).__freqs);

describe.skipIf(!CHROMIUM_AVAILABLE)("console Overview view (e2e)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  useConsoleStack({ speed: 10 }, (s, b) => {
    stack = s;
    browser = b;
  });

  /** Opens the page and waits for the first mount (the shell's router does not yet serialize a sign-in that races it). */
  const openOverview = async (page: Page) => {
    await page.goto(`${stack.url}/#/overview`);
    await page.locator("#live-state").waitFor({ timeout: 30_000 });
  };

  it("an operator injects a load step from the page and sees the dip, the dispatch and the recovery", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await openOverview(page);
      await signIn(page, stack.token("operator"));
      await expect.poll(() => page.locator("#live-state").textContent(), { timeout: 30_000 }).toBe("live");
      const chart = page.locator("#frequency-chart");
      await expect.poll(async () => Number(await chart.getAttribute("data-points")), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
      await chart.locator("canvas").first().waitFor();
      await page.locator("#battery-table").waitFor({ timeout: 30_000 });
      await page.locator("#phase-table").waitFor();
      // Start from a grid inside the band.
      await expect.poll(async () => Math.abs(Number.parseFloat((await page.locator("#overview-frequency").textContent()) ?? "") - 60), { timeout: 60_000 }).toBeLessThanOrEqual(0.02);

      await recordFrequencies(page);
      await page.locator("#ctl-load-step-kw").fill("300");
      await page.locator("#ctl-load-step-s").fill("");
      await page.locator("#ctl-load-step-button").click();
      await expect.poll(() => page.locator("#ctl-load-step-result").textContent(), { timeout: 15_000 }).toContain("done");

      // The number moves: the frequency drops out of the band.
      await expect.poll(async () => Math.min(...(await frequencies(page))), { timeout: 30_000 }).toBeLessThan(59.98);
      // The VPP dispatches: regulating, a discharge command, battery setpoints above zero.
      await expect.poll(() => page.locator("#vpp-mode").textContent(), { timeout: 30_000 }).toBe("regulating");
      await expect.poll(async () => Number(await page.locator("#fleet-command").getAttribute("data-fleet-w")), { timeout: 30_000 }).toBeGreaterThan(0);
      await expect.poll(async () => (await page.locator("#battery-table [data-setpoint-w]").evaluateAll((cells) => cells.map((c) => Number(c.getAttribute("data-setpoint-w"))))).some((w) => w > 0), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => page.locator("#last-dispatch").textContent(), { timeout: 30_000 }).toContain("discharging");
      // The chart drew the dip too.
      expect(Number(await chart.getAttribute("data-min-hz"))).toBeLessThan(59.98);

      // And recovers inside ±0.02 Hz.
      await expect.poll(async () => { const fs = await frequencies(page); return Math.abs((fs[fs.length - 1] ?? 0) - 60); }, { timeout: 90_000 }).toBeLessThanOrEqual(0.02);
      await expect.poll(() => page.locator("#overview-deviation").textContent(), { timeout: 10_000 }).toContain("inside");
      expect(await page.locator("#flow-card svg").getAttribute("role")).toBe("img");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: screenshotPath("console-overview.png") });

      await page.locator("#ctl-clear-load-steps-button").click();
      await expect.poll(() => page.locator("#ctl-clear-load-steps-result").textContent(), { timeout: 15_000 }).toContain("done");
    } finally {
      await page.close();
    }
  }, 240_000);

  it("a reader sees the overview without controls; a control call forged with the reader token gets 403", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await openOverview(page);
      await signIn(page, stack.token("reader"));
      await expect.poll(() => page.locator("#live-state").textContent(), { timeout: 30_000 }).toBe("live");
      await page.locator("#battery-table").waitFor({ timeout: 30_000 });
      expect(await page.locator("#controls").count()).toBe(0);
      expect(await page.locator("#ctl-load-step-button").count()).toBe(0);
      const forged = await page.evaluate(async (token) => {
        const r = await fetch("/console/controls/load-step", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ powerW: 500000 }) });
        return { status: r.status, body: await r.json() };
      }, stack.token("reader"));
      expect(forged.status).toBe(403);
      expect(forged.body.code).toBe("CONSOLE_FORBIDDEN");
      const listing = await fetch(`${stack.url}/console/controls`, { headers: { authorization: `Bearer ${stack.token("reader")}` } });
      expect(listing.status).toBe(403);
      // Signed out, the page has no controls either.
      await page.locator("#signout").click();
      await expect.poll(() => page.locator("#whoami").textContent()).toContain("anonymous");
      await page.locator("#battery-table").waitFor({ timeout: 30_000 });
      expect(await page.locator("#controls").count()).toBe(0);
    } finally {
      await page.close();
    }
  }, 120_000);
});
