import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { auth, batteryTd, meterTd, put, startDirectory, type Running } from "../harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian chromium for the directory browser test`);
if (!available) console.warn(`[skip] directory browser test: ${CHROMIUM} not installed (apt-get install chromium)`); // eslint-disable-line no-console

describe.skipIf(!available)("directory browser (headless Chromium)", () => {
  let dir: Running;
  let thing: Server;
  let thingUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    // A Thing's own HTTP server, reachable through the form in its TD (CORS like node-wot's).
    thing = createServer((req, res) => {
      res.setHeader("access-control-allow-origin", "*");
      res.setHeader("content-type", "application/json");
      res.end(req.url?.endsWith("/stateOfCharge") ? "42.5" : "null");
    });
    await new Promise<void>((resolve) => thing.listen(0, "127.0.0.1", resolve));
    const address = thing.address();
    thingUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    dir = await startDirectory();
    const bess = batteryTd(1, "north", 100_000) as { properties: { stateOfCharge: { forms: Array<{ href: string }> } } };
    bess.properties.stateOfCharge.forms[0]!.href = `${thingUrl}/bess/1/properties/stateOfCharge`;
    await put(dir.url, bess as unknown as Record<string, unknown>);
    await put(dir.url, batteryTd(2, "south", 20_000));
    await put(dir.url, meterTd(1));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dir?.stop();
    await new Promise((resolve) => thing?.close(resolve));
  });

  test("lists, opens a Thing with its affordances, reads a live value, and follows registrations", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${dir.url}/`);
    const items = page.locator("#things li");
    await expect.poll(() => items.count()).toBe(2);
    expect(await page.locator("#things").textContent()).not.toContain("Smart meter");

    await page.locator('#things li[data-id="urn:gridthings:bess:1"]').click();
    const row = page.locator('#detail tr[data-affordance="stateOfCharge"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("unit om:percent");
    expect(await row.textContent()).toContain("readproperty");
    await row.locator("button[data-read]").click();
    await expect.poll(() => row.locator(".value").textContent()).toBe("42.5");

    await put(dir.url, batteryTd(3, "north", 70_000));
    await page.locator('#things li[data-id="urn:gridthings:bess:3"]').waitFor();
    await expect.poll(() => page.locator("#events li.thing_created").count()).toBeGreaterThan(0);
    await fetch(`${dir.url}/things/urn:gridthings:bess:2`, { method: "DELETE", headers: auth("writer") });
    await page.locator('#things li[data-id="urn:gridthings:bess:2"]').waitFor({ state: "detached" });

    await page.locator("#search-mode").selectOption("jsonpath");
    await page.locator("#search").fill("$[?@['gt:maxDischargePowerW'] > 50000]");
    await page.locator("#search-form button").click();
    await expect.poll(() => items.count()).toBe(2);
    await page.locator('#things li[data-id="urn:gridthings:bess:1"]').click();
    await row.waitFor();
    await row.locator("button[data-read]").click();
    await expect.poll(() => row.locator(".value").textContent()).toBe("42.5");
    await page.screenshot({ path: join(process.env.GRIDTHINGS_SCREENSHOT_DIR ?? tmpdir(), "directory-browser.png") });
    await page.close();
  });

  test("a privileged token shows household TDs", async () => {
    const page = await browser.newPage();
    await page.goto(`${dir.url}/directory-ui/`);
    await page.locator("#token").fill("analyst-token-0123456789");
    await page.locator("#token-form button").click();
    await page.locator('#things li[data-id="urn:gridthings:meter:1"]').waitFor();
    expect(await page.locator('#things li[data-id="urn:gridthings:meter:1"] .household').count()).toBe(1);
    await page.close();
  });
});
