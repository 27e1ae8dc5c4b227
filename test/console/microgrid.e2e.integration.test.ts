/**
 * The Microgrid view end to end: an operator opens the node tree, sees the nodes and a cycle that
 * completes after the page opened, makes a topology edit that conflicts with a change made behind
 * the page's back and reads the 409 explained, reloads and applies it; a rule violation shows its
 * rule; a reader sees the forms disabled and the server refuses the reader's edit as well.
 */
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM_AVAILABLE, screenshotPath, signIn, useConsoleStack, type ConsoleStack } from "./harness.ts";

const MG = "mg-depot-north-1";

describe.skipIf(!CHROMIUM_AVAILABLE)("console Microgrid view (e2e)", () => {
  let stack: ConsoleStack;
  let browser: Browser;
  useConsoleStack({ speed: 10 }, (s, b) => {
    stack = s;
    browser = b;
  });

  const api = async (method: string, path: string, body?: unknown, role: "operator" | "reader" = "operator") => {
    const r = await fetch(stack.url + path, { method, headers: { authorization: `Bearer ${stack.token(role)}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: (await r.json()) as any };
  };

  it("an operator sees the tree and a new cycle live, gets a conflicting edit explained, reloads and applies it", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/microgrid`);
      await signIn(page, stack.token("operator"));
      const items = page.locator('#mg-tree-card [role="treeitem"]');
      await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(15);
      expect(await page.locator('[role="treeitem"][data-node-id="cp-a3"]').getAttribute("aria-level")).toBe("3");
      await expect.poll(() => page.locator("#mg-live").textContent(), { timeout: 30_000 }).toContain("following");

      // A cycle run behind the page's back appears without a reload.
      const cycle = await api("POST", `/api/microgrid/${MG}/rebalance`, { correlation_id: "e2e-live" });
      expect(cycle.status).toBe(200);
      await page.locator(`#mg-cycles-card tr[data-cycle-id="${cycle.body.result.cycle_id}"]`).waitFor({ timeout: 30_000 });
      expect(await page.locator(`#mg-cycles-card tr[data-cycle-id="${cycle.body.result.cycle_id}"] [data-outcome]`).textContent()).toBe(cycle.body.result.outcome);

      // Keyboard: the tree moves focus and collapses with the arrow keys.
      await page.locator('[role="treeitem"][data-node-id="gc-f-n1a"]').focus();
      await page.keyboard.press("ArrowDown");
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-node-id"))).toBe("cir-depot-a");
      await page.keyboard.press("ArrowLeft");
      await expect.poll(() => page.locator('[role="treeitem"][data-node-id="cir-depot-a"]').getAttribute("aria-expanded")).toBe("false");
      await page.keyboard.press("ArrowRight");
      await expect.poll(() => page.locator('[role="treeitem"][data-node-id="cir-depot-a"]').getAttribute("aria-expanded")).toBe("true");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator("#mg-node-title").textContent()).toContain("cir-depot-a");

      // The operator prepares a move of cp-a3 to bus B...
      const edited = Number(await page.locator("#mg-edited-version").getAttribute("data-edited-version"));
      await page.locator("#mg-move-node").selectOption("cp-a3");
      await page.locator("#mg-move-parent").selectOption("cir-depot-b");
      // ...while someone else changes the topology through the API.
      const t = (await api("GET", `/api/microgrid/${MG}/topology`)).body.result;
      expect(t.version).toBe(edited);
      const cpB1 = t.nodes.find((n: { node_id: string }) => n.node_id === "cp-b1");
      expect((await api("POST", `/api/microgrid/${MG}/topology`, { version: t.version, patch: { upsert: [{ ...cpB1, name: "Charge point B1 (renamed)" }] } })).status).toBe(200);
      await expect.poll(() => page.locator("#mg-edited-version").getAttribute("data-current-version"), { timeout: 30_000 }).toBe(String(edited + 1));

      await page.locator("#mg-move-submit").click();
      const problem = page.locator('#mg-edit-feedback .problem[data-code="TOPOLOGY_VERSION_CONFLICT"]');
      await problem.waitFor({ timeout: 30_000 });
      expect(await problem.textContent()).toContain(`you edited version ${edited}, it is now ${edited + 1}`);
      expect(await problem.getAttribute("data-status")).toBe("409");
      expect((await api("GET", `/api/microgrid/${MG}/topology`)).body.result.nodes.find((n: { node_id: string }) => n.node_id === "cp-a3").parent_node_id).toBe("cir-depot-a");

      await page.locator('[data-action="reload-topology"]').click();
      await expect.poll(() => page.locator("#mg-edited-version").getAttribute("data-edited-version"), { timeout: 30_000 }).toBe(String(edited + 1));
      expect(await page.locator("#mg-move-node").inputValue()).toBe("cp-a3");
      expect(await page.locator("#mg-move-parent").inputValue()).toBe("cir-depot-b");
      await page.locator("#mg-move-submit").click();
      await page.locator("#mg-edit-feedback [data-applied]").waitFor({ timeout: 30_000 });
      await page.locator('[role="treeitem"][data-node-id="cir-depot-b"] [role="treeitem"][data-node-id="cp-a3"]').waitFor({ timeout: 30_000 });
      const after = (await api("GET", `/api/microgrid/${MG}/topology`)).body.result;
      expect(after.version).toBe(edited + 2);
      expect(after.nodes.find((n: { node_id: string }) => n.node_id === "cp-a3").parent_node_id).toBe("cir-depot-b");
      expect(await page.locator("#mg-version").textContent()).toBe(String(edited + 2));

      // A move that would make a cycle: 422 with the rule it breaks.
      await page.locator("#mg-move-node").selectOption("cir-depot-a");
      await page.locator("#mg-move-parent").selectOption("cp-a1");
      await page.locator("#mg-move-submit").click();
      await page.locator('#mg-edit-feedback .problem[data-code="TOPOLOGY_INVALID"]').waitFor({ timeout: 30_000 });
      expect(await page.locator("#mg-edit-feedback [data-rule]").textContent()).toBe("ACYCLIC");

      // A limit the schema refuses: the field is named.
      await page.locator("#mg-limit-node").selectOption("cp-a2");
      await page.locator("#mg-limit-watts").fill("-5");
      await page.locator("#mg-limit-submit").click();
      await page.locator("#mg-edit-feedback .field-errors li").first().waitFor({ timeout: 30_000 });
      expect(await page.locator("#mg-edit-feedback .field-errors").textContent()).toContain("/limit_watts");

      // An envelope on feeder f-n1a: its block on the node's time axis, then withdrawn from the page.
      const now = Date.now();
      const tou = await api("POST", "/api/circuit/f-n1a/tou_limits", { blocks: [{ block_from: new Date(now - 600_000).toISOString(), block_to: new Date(now + 1_800_000).toISOString(), max_limit_watts: 250_000, target_watts: 250_000 }], source_ref: "e2e-tou-1" });
      expect(tou.status).toBe(200);
      const envelope_id = tou.body.result.envelope_id as string;
      await page.locator('[role="treeitem"][data-node-id="gc-f-n1a"] > .tree-row svg.timeline').waitFor({ timeout: 60_000 });
      await page.locator('[role="treeitem"][data-node-id="gc-f-n1a"] > .tree-row .tree-name').click();
      const envelopeRow = page.locator(`#mg-node-card tr[data-envelope-id="${envelope_id}"]`);
      await envelopeRow.waitFor({ timeout: 30_000 });
      await page.evaluate(() => window.scrollTo(0, 0));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366); // no horizontal scrolling on a laptop
      await page.screenshot({ path: screenshotPath("console-microgrid.png") });
      await envelopeRow.locator('[data-action="withdraw"]').click();
      await envelopeRow.waitFor({ state: "detached", timeout: 30_000 });
      expect((await api("GET", `/api/microgrid/${MG}/envelopes?status=WITHDRAWN`)).body.result.map((e: { envelope_id: string }) => e.envelope_id)).toContain(envelope_id);
      await page.locator(`#mg-lifecycle-card tr[data-envelope-id="${envelope_id}"][data-transition="WITHDRAWN"]`).waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
    }
  }, 180_000);

  it("a reader sees the forms disabled with a note, and the server refuses the reader's edit", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await page.goto(`${stack.url}/#/microgrid`);
      await signIn(page, stack.token("reader"));
      await page.locator("#mg-edits-note").waitFor({ timeout: 30_000 });
      expect(await page.locator("#mg-move-submit").isDisabled()).toBe(true);
      expect(await page.locator("#mg-rebalance").isDisabled()).toBe(true);
      expect(await page.locator('#mg-tree-card [role="treeitem"]').count()).toBe(15);
    } finally {
      await page.close();
    }
    const t = (await api("GET", `/api/microgrid/${MG}/topology`, undefined, "reader")).body.result;
    const refused = await api("POST", `/api/microgrid/${MG}/topology`, { version: t.version, patch: { upsert: [] } }, "reader");
    expect(refused.status).toBe(403);
    expect((await api("POST", `/console/microgrid/${MG}/envelopes/env-x/withdraw`, {}, "reader")).status).toBe(403);
  }, 120_000);
});
