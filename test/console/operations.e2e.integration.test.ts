/**
 * The Operations view end to end: a signed-in reader gets neither per-meter billing nor the outbox
 * (the page says so, and the server answered 401/403 to the page and to us); an operator sees the
 * storage dispatch audit after a load step, and billing intervals of a meter.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM_AVAILABLE, screenshotPath, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";
import { until } from "../support/until.ts";

describe.skipIf(!CHROMIUM_AVAILABLE)("console Operations view (e2e)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  // Fast enough that a 15-minute billing interval closes within the test.
  useConsoleStack({ speed: 150 }, (s, b) => {
    stack = s;
    browser = b;
  });

  const get = async (path: string, role?: "reader" | "operator" | "privileged-reader") => {
    const r = await fetch(stack.url + path, { headers: role ? { authorization: `Bearer ${stack.token(role)}` } : {} });
    return { status: r.status, body: r.headers.get("content-type")?.includes("json") ? ((await r.json()) as any) : await r.text() };
  };

  it("a reader sees the public counts and the report, and is refused the outbox, billing, tasks and the dispatch audit", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const refusals: Array<{ url: string; status: number }> = [];
    page.on("response", (r) => {
      if (r.status() === 401 || r.status() === 403) refusals.push({ url: new URL(r.url()).pathname, status: r.status() });
    });
    try {
      await page.goto(`${stack.url}/#/operations`);
      await signIn(page, stack.token("reader"));
      await page.locator("#ops-count-incidents").waitFor({ timeout: 30_000 });
      for (const card of ["#ops-billing", "#ops-outbox", "#ops-tasks", "#ops-audit"]) {
        const note = page.locator(`${card} [data-refused="403"]`);
        await note.waitFor({ timeout: 30_000 });
        expect(await note.textContent()).toContain("Sign in as privileged reader or operator to see");
      }
      expect(await page.locator("#ops-intervals-table").count()).toBe(0);
      await expect.poll(() => refusals.filter((r) => r.status === 403).map((r) => r.url).sort(), { timeout: 30_000 }).toEqual(expect.arrayContaining(["/vpp/billing/meters", "/vpp/outbox", "/vpp/tasks", "/console/operations/dispatch-audit"]));
      expect(await page.locator('iframe[title="Daily stability report"]').count()).toBe(1);
    } finally {
      await page.close();
    }
    for (const path of ["/vpp/billing/meters", "/vpp/outbox", "/vpp/billing/meter-f-n1a-0001/2026-06-21.json", "/console/operations/dispatch-audit"]) {
      expect((await get(path, "reader")).status, path).toBe(403);
      expect((await get(path)).status, path).toBe(401);
    }
    expect((await get("/vpp/report", "reader")).status).toBe(200);
    expect((await get("/console/operations/summary", "reader")).status).toBe(200);
  }, 120_000);

  it("an operator sees the dispatch audit after a load step, and a meter's billing intervals", async () => {
    const operator = stack.token("operator");
    const step = await fetch(`${stack.thingsUrl}/sim-control/actions/injectLoadStep`, { method: "POST", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: JSON.stringify({ powerW: 100_000 }) });
    expect(step.status).toBeLessThan(300);
    // The dispatch reaches the object memory, and a billing interval closes.
    await until("a battery setpoint in the dispatch audit", async () => {
      const rows = ((await get("/console/operations/dispatch-audit", "operator")).body.rows ?? []) as Array<{ affordance: string }>;
      if (rows.some((r) => r.affordance === "target_output_kw")) return true;
      const s = (await get("/vpp/status", "operator")).body as Record<string, unknown>;
      throw new Error(`no setpoint yet: ${rows.length} audit rows; VPP ${JSON.stringify({ simTime: s.simTime, frequencyHz: s.frequencyHz, mode: s.mode, fleetCommandW: s.fleetCommandW, steps: s.steps, timeouts: s.timeouts, ensemble: s.ensemble, lastDecision: s.lastDecision })}`);
    }, 90_000, 1000);
    // The first interval closes some simulated minutes after the start, and the simulated day may
    // roll over while we wait: ask again each time which meter is billed and which day it is.
    let meter = "";
    let day = "";
    await until("a billed interval", async () => {
      meter = ((await get("/vpp/billing/meters", "operator")).body as string[])[0] ?? "";
      day = (await get("/console/operations/summary", "operator")).body.day as string;
      const intervals = meter ? (((await get(`/vpp/billing/${meter}/${day}.json`, "operator")).body.intervals ?? []) as unknown[]) : [];
      if (intervals.length > 0) return true;
      const s = (await get("/vpp/status", "operator")).body as { simTime?: string; metering?: Record<string, unknown> | null };
      const m = s.metering ?? {};
      throw new Error(`no interval for ${meter || "any meter"} on ${day}; VPP ${JSON.stringify({ simTime: s.simTime, received: m.received, accepted: m.accepted, rejected: m.rejected, intervalsBilled: m.intervalsBilled, connected: m.connected, meters: m.meters })}`);
    }, 120_000, 2000);

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/operations`);
      await signIn(page, operator);
      const audit = page.locator('#ops-audit tr[data-affordance="target_output_kw"]');
      await audit.first().waitFor({ timeout: 30_000 });
      const first = await audit.first().locator("td").allTextContents();
      expect(first[2]).toBe("target_output_kw");
      expect(first[3]).toMatch(/kW$/);
      expect(first[4]).toBe("operator");
      expect(first[0]).toMatch(/\d\d:\d\d:\d\dZ$/);
      expect(first[1]).toMatch(/^bess-/);
      await page.locator("#ops-meter").waitFor({ timeout: 30_000 });
      expect(await page.locator("#ops-meter").inputValue()).toBe(meter);
      // The page opens on the VPP's simulated day; it may have rolled over since we looked.
      expect(await page.locator("#ops-day").inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if ((await page.locator("#ops-day").inputValue()) !== day) await page.locator("#ops-day").fill(day);
      const intervals = page.locator("#ops-intervals-table tbody tr");
      await intervals.first().waitFor({ timeout: 30_000 });
      expect(await intervals.first().getAttribute("data-estimated")).toMatch(/^(true|false)$/);
      expect(await page.locator("#ops-outbox [data-refused]").count()).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366); // no horizontal scrolling on a laptop
      await page.screenshot({ path: screenshotPath("console-operations.png") });
    } finally {
      await page.close();
    }
  }, 240_000);
});
