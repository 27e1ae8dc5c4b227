import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODELS_DIR } from "../../../src/tm/model-files.ts";
import { orchestratorActionInputs, toTdDataSchema } from "../../../things/microgrid/action-schemas.ts";
import { EVENT_DICTIONARY, forwardRecord, ORCHESTRATOR_ACTIONS } from "../../../things/microgrid/thing.ts";
import type { StoredRecord } from "../../../src/microgrid-api/storage/storage-port.ts";

const tm = JSON.parse(readFileSync(join(MODELS_DIR, "microgrid-orchestrator.tm.json"), "utf8")) as {
  actions: Record<string, { input: unknown }>;
  events: Record<string, { data: { required: string[] } }>;
  properties: Record<string, { readOnly?: boolean; observable?: boolean }>;
};

describe("orchestrator Thing Model", () => {
  it("action inputs are the REST body schemas (drift check against src/microgrid-api/schemas.ts)", () => {
    const inputs = orchestratorActionInputs();
    expect(Object.keys(tm.actions).sort()).toEqual([...ORCHESTRATOR_ACTIONS].sort());
    for (const name of ORCHESTRATOR_ACTIONS) expect(tm.actions[name]?.input, name).toEqual(inputs[name]);
  });

  it("events are seed 002's Event Dictionary with its key payload fields", () => {
    expect(Object.keys(tm.events).sort()).toEqual(Object.keys(EVENT_DICTIONARY).sort());
    expect(tm.events["microgrid.cycle_completed"]?.data.required).toEqual(["cycle_id", "outcome", "reason_codes", "allocation_summary"]);
    expect(tm.events["microgrid.constraint_breach_detected"]?.data.required).toEqual(["microgrid_id", "node_id", "reason_code", "resolved_limit_watts"]);
  });

  it("every property is read-only and observable, and every property an event changes exists", () => {
    for (const [name, p] of Object.entries(tm.properties)) expect([p.readOnly, p.observable], name).toEqual([true, true]);
    for (const changed of Object.values(EVENT_DICTIONARY)) for (const p of changed) expect(tm.properties).toHaveProperty(p);
  });
});

describe("toTdDataSchema", () => {
  it.each([
    ["anyOf becomes oneOf", { anyOf: [{ type: "string" }, { type: "null" }] }, { oneOf: [{ type: "string" }, { type: "null" }] }],
    ["a nullable type list becomes its one type", { type: ["object", "null"], properties: {} }, { type: "object", properties: {} }],
    ["nested schemas are converted", { properties: { a: { anyOf: [{ type: "integer" }] } } }, { properties: { a: { oneOf: [{ type: "integer" }] } } }],
    ["other terms are kept", { type: "integer", minimum: 0, enum: [1] }, { type: "integer", minimum: 0, enum: [1] }],
  ])("%s", (_name, input, expected) => expect(toTdDataSchema(input)).toEqual(expected));
});

describe("forwardRecord", () => {
  const record = (over: Partial<StoredRecord>): StoredRecord => ({ seq: 1, stream: "domain", type: "microgrid.cycle_completed", microgrid_id: "mg-1", at: "2026-01-01T00:00:00.000Z", payload: { cycle_id: "c" }, ...over }) as StoredRecord;
  const spy = () => {
    const calls: string[] = [];
    return { calls, thing: { emitEvent: (n: string) => void calls.push(`event ${n}`), emitPropertyChange: (n: string) => void calls.push(`property ${n}`) } };
  };

  it.each([
    ["a dictionary event of this microgrid: event and changed property", record({}), ["event microgrid.cycle_completed", "property last_cycle"]],
    ["an event without a property to refresh", record({ type: "microgrid.rebalance_requested" }), ["event microgrid.rebalance_requested"]],
    ["another microgrid's event: nothing", record({ microgrid_id: "mg-2" }), []],
    ["a record of another stream: nothing", record({ stream: "cycles", type: "CycleResult" }), []],
    ["an audit event outside the dictionary: nothing", record({ type: "scheduler.rebalance_skipped" }), []],
  ])("%s", (_name, r, expected) => {
    const { calls, thing } = spy();
    forwardRecord(thing, "mg-1", r);
    expect(calls).toEqual(expected);
  });
});
