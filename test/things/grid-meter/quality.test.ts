import { describe, expect, it } from "vitest";
import { gridMeterQuality, type PollHistory } from "../../../things/grid-meter/quality.ts";

const POLL = 1000;

describe("grid-meter quality", () => {
  it.each<[string, PollHistory, number, string]>([
    ["nothing polled yet", {}, 0, "STALE"],
    ["fresh good poll", { lastGoodMs: 1000, lastOutcome: { ok: true, atMs: 1000 } }, 1500, "GOOD"],
    ["good poll exactly 3 periods old", { lastGoodMs: 1000, lastOutcome: { ok: true, atMs: 1000 } }, 4000, "GOOD"],
    ["missed polls: last good older than 3 periods", { lastGoodMs: 1000, lastOutcome: { ok: true, atMs: 1000 } }, 4001, "STALE"],
    ["latest poll failed", { lastGoodMs: 1000, lastOutcome: { ok: false, atMs: 2000, dropout: false } }, 2000, "ERROR"],
    ["latest poll: device reports dropout", { lastGoodMs: 1000, lastOutcome: { ok: false, atMs: 2000, dropout: true } }, 2000, "STALE"],
    ["failed before any good poll", { lastOutcome: { ok: false, atMs: 0, dropout: false } }, 0, "ERROR"],
    ["recovered after a failure", { lastGoodMs: 3000, lastOutcome: { ok: true, atMs: 3000 } }, 3100, "GOOD"],
  ])("%s → %s", (_label, history, now, expected) => {
    expect(gridMeterQuality(history, now, POLL)).toBe(expected);
  });
});
