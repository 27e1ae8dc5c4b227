import { describe, expect, it } from "vitest";
import { MeterRegistry, meterFromTd, readingSubscription } from "../../../src/vpp/ingest/meter-registry.ts";
import { meterTd } from "./support.ts";

describe("meter registry from TDs", () => {
  it("takes topic, broker and placement from the TD; skips non-meters", () => {
    const reg = new MeterRegistry();
    const taken = reg.upsertTds([meterTd("meter-1"), { id: "urn:x:bess", "@type": "gt:Battery", title: "bess-1" }]);
    expect(taken).toEqual([{ id: "meter-1", thingId: "urn:gridthings:device:meter-1", region: "north", substation: "sub-n1", feeder: "f-n1a", topic: "meter-1/events/reading", brokerUrl: "mqtt://127.0.0.1:1883" }]);
    expect(reg.brokerUrl()).toBe("mqtt://127.0.0.1:1883");
    expect(reg.remove("urn:gridthings:device:meter-1")).toBe("meter-1");
    expect(reg.size).toBe(0);
    expect(reg.remove("nobody")).toBeUndefined();
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["no MQTT form", meterTd("m", "mqtt://h:1", { events: { reading: { forms: [{ href: "http://h/m/events/reading" }] } } }), "METER_TOPIC_UNSUPPORTED"],
    ["topic of another shape", meterTd("m", "mqtt://h:1", { events: { reading: { forms: [{ href: "mqtt://h:1/site/m/reading" }] } } }), "METER_TOPIC_UNSUPPORTED"],
    ["wildcard in the topic", meterTd("m", "mqtt://h:1", { events: { reading: { forms: [{ href: "mqtt://h:1/%2B/events/reading" }] } } }), "METER_TOPIC_UNSUPPORTED"],
    ["placement missing", meterTd("m", "mqtt://h:1", { "gt:feeder": undefined }), "METER_BAD_ARGUMENT"],
  ];
  for (const [name, td, code] of bad) {
    it(`refuses a meter TD: ${name}`, () => {
      expect(() => meterFromTd(td)).toThrow(expect.objectContaining({ code }));
    });
  }

  it("refuses meters on two brokers", () => {
    const reg = new MeterRegistry();
    reg.upsertTds([meterTd("a", "mqtt://h:1"), meterTd("b", "mqtt://h:2")]);
    expect(() => reg.brokerUrl()).toThrow(expect.objectContaining({ code: "METER_BROKER_MIXED" }));
  });

  it("subscription: wildcard, or shared for a worker group", () => {
    expect(readingSubscription()).toBe("+/events/reading");
    expect(readingSubscription("vpp")).toBe("$share/vpp/+/events/reading");
    expect(() => readingSubscription("a/b")).toThrow(expect.objectContaining({ code: "METER_BAD_ARGUMENT" }));
    expect(() => readingSubscription("")).toThrow(expect.objectContaining({ code: "METER_BAD_ARGUMENT" }));
  });
});
