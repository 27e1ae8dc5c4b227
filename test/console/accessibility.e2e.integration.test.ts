/**
 * Every console view passes axe-core's WCAG 2 A/AA rules (labels, names, contrast, ARIA, landmarks)
 * for an operator, who sees the most controls, once its live content has arrived, and a Thing
 * opened in the directory.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_AVAILABLE, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })).violations;
  })) as Violation[];
  return found.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

const VIEWS: Array<[string, string]> = [
  ["overview", "svg"],
  ["microgrid", '[role="treeitem"]'],
  ["directory", "table tbody tr"],
  ["history", "select"],
  ["operations", ".card h2"],
];

describe.skipIf(!CHROMIUM_AVAILABLE)("console accessibility (axe-core, WCAG 2.1 A/AA)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  useConsoleStack({ speed: 10 }, (s, b) => {
    stack = s;
    browser = b;
  });

  it("has no WCAG A/AA violation on any view", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/overview`);
      await page.locator("#view[data-view]").waitFor();
      await signIn(page, stack.token("operator"));
      const report: Record<string, string[]> = {};
      for (const [view, ready] of VIEWS) {
        await page.goto(`${stack.url}/#/${view}`);
        await page.locator(`#view[data-view="${view}"] ${ready}`).first().waitFor({ timeout: 60_000 });
        report[view] = await violations(page);
      }
      // A Thing opened in the directory: affordance tables, forms, charts and object memory.
      await page.goto(`${stack.url}/#/directory`);
      await page.locator('#dir-results tr[data-kind="gt:Battery"] button').first().click();
      await page.locator('table.dir-affordances[data-kind="properties"] tr').first().waitFor({ timeout: 60_000 });
      report["directory"] = [...(report["directory"] ?? []), ...(await violations(page))];
      expect(report).toEqual(Object.fromEntries(VIEWS.map(([v]) => [v, []])));
    } finally {
      await page.close();
    }
  }, 240_000);
});
