import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { jsonpath } from "json-p3";
import { compileFast } from "../../../registry/search/jsonpath-fast.ts";
import { batteryTd } from "../harness.ts";

const QUERIES = [
  "$[*].id",
  "$[0].title",
  "$[-1].id",
  "$[?@['gt:region']=='north' && @['gt:maxDischargePowerW'] > 50000].id",
  "$[?@['gt:region']!='north' || @['gt:maxDischargePowerW'] <= 50000].id",
  "$[?!@.description].id",
  "$[?@.description].title",
  "$[?@['@type'][?@ == 's4ener:Battery']].id",
  "$[?@.properties.stateOfCharge.maximum >= 100]['id','title']",
  "$[?@.x == @.y].id",
  "$[?@.x < 'm'].id",
  "$[?@.x == null].id",
  "$[?@.x == true].id",
  "$[?@.x == $[0].x].id",
  "$[?@.tags[0] == 'a'].id",
  "$[*].properties[*].type",
  "$[?@.properties[?@.readOnly == true]].id",
];

const extra = fc.record(
  {
    x: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "m", "z"), fc.boolean(), fc.constant(null), fc.constant([1]), fc.constant({ a: 1 })),
    y: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "z"), fc.constant([1]), fc.constant({ a: 1 })),
    description: fc.string({ maxLength: 3 }),
    tags: fc.array(fc.constantFrom("a", "b"), { maxLength: 2 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);
const tds = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom("north", "south"), fc.integer({ min: 0, max: 100_000 }), extra).map(([n, region, power, more]) => ({ ...batteryTd(n, region, power), ...more })),
  { maxLength: 8 },
);

describe("compileFast", () => {
  test.prop([tds], { numRuns: 150 })("gives the same values as json-p3 for every supported query shape", (data) => {
    for (const q of QUERIES) {
      const parsed = jsonpath.compile(q);
      const fast = compileFast(parsed);
      expect(fast, q).toBeDefined();
      expect(fast!(data), q).toEqual(parsed.query(data as never).values());
    }
  });

  test.prop([fc.constant(0)])("leaves descendant segments, slices and functions to json-p3", () => {
    for (const q of ["$..id", "$[0:2]", "$[?length(@.id) > 3]", "$[?match(@.title, 'B.*')]"]) expect(compileFast(jsonpath.compile(q)), q).toBeUndefined();
  });
});
