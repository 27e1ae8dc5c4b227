/**
 * The operator console's end-to-end harness: `gridthings start` as a process on the small site
 * with every port 0 and a temporary data directory, its role tokens, and headless Chromium.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { ALL_PORTS_FREE, CliProcess, urlOnLine } from "../support/cli.ts";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM);
if (!CHROMIUM_AVAILABLE && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian chromium for the console tests`);

export type RoleName = "reader" | "privileged-reader" | "operator" | "writer" | "admin";

export interface ConsoleStack {
  /** The front door without a trailing slash. */
  url: string;
  /** The device Things' HTTP base (…/<thing>), from the banner. */
  thingsUrl: string;
  dataDir: string;
  cli: CliProcess;
  token(role: RoleName): string;
  stop(): Promise<number | null | undefined>;
}

export async function startConsoleStack(options: { speed?: number; args?: string[] } = {}): Promise<ConsoleStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "gridthings-console-"));
  const cli = new CliProcess(["start", ...ALL_PORTS_FREE, "--orchestrator-port", "0", "--site", "tds/sites/small.site.json", "--speed", String(options.speed ?? 10), "--data-dir", dataDir, ...(options.args ?? [])]);
  try {
    await cli.waitFor("Ctrl-C stops.");
  } catch (e) {
    await cli.stop("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const url = (urlOnLine(cli.stdout, "Front door") ?? "").replace(/\/$/, "");
  const thingsUrl = (urlOnLine(cli.stdout, "Device Things") ?? "").replace(/\/<thing>$/, "");
  const tokens = (JSON.parse(readFileSync(join(dataDir, "tokens.json"), "utf8")) as { tokens: Array<{ token: string; roles: string[] }> }).tokens;
  return {
    url,
    thingsUrl,
    dataDir,
    cli,
    token(role) {
      const entry = tokens.find((t) => t.roles.includes(role));
      if (!entry) throw new Error(`no ${role} token in ${dataDir}/tokens.json`);
      return entry.token;
    },
    async stop() {
      const code = await cli.stop("SIGTERM");
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Where screenshots go: GRIDTHINGS_SCREENSHOT_DIR (the README's docs/screenshots when refreshing them), else the temp dir. */
export function screenshotPath(name: string): string {
  return join(process.env.GRIDTHINGS_SCREENSHOT_DIR ?? tmpdir(), name);
}

/** Signs in through the page's own form, as a user does, once the page's own sign-in at load has answered. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForFunction(() => document.getElementById("whoami")?.textContent !== "anonymous");
  await page.locator("#token").fill(token);
  await page.locator("#signin-button").click();
  try {
    await page.locator("#signout").waitFor({ state: "visible" });
  } catch (e) {
    const seen = await page.evaluate(() => ({ banner: document.getElementById("banner")?.textContent, whoami: document.getElementById("whoami")?.textContent, url: location.href }));
    throw new Error(`sign-in did not complete (${JSON.stringify(seen)}): ${(e as Error).message}`);
  }
}

/**
 * One stack and one browser for a describe block: started in beforeAll (the stack stopped again
 * if the browser fails to launch), both stopped in afterAll. `ready` hands them to the tests.
 */
export function useConsoleStack(options: { speed?: number; args?: string[] }, ready: (stack: ConsoleStack, browser: Browser) => void): void {
  let stack: ConsoleStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startConsoleStack(options);
    try {
      browser = await launchBrowser();
    } catch (e) {
      await stack.stop();
      throw e;
    }
    ready(stack, browser);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);
}
