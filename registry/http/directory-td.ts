import { DISCOVERY_CONTEXT, TD_CONTEXT_V11 } from "../td/enrich.ts";

/**
 * The directory's own TD (WoT Discovery §7.3.2): `@type` ThingDirectory, every endpoint as an
 * affordance, bearer security for writes. Pure: `base` is the origin clients reached.
 */
export function directoryTd(base: string, options: { sparql: boolean }): Record<string, unknown> {
  const problem = { contentType: "application/problem+json" };
  const td = "application/td+json";
  const errors = (...codes: number[]) => codes.map((status) => ({ success: false, contentType: problem.contentType, "htv:statusCodeNumber": status }));
  const idVariable = { id: { title: "TD identifier", type: "string", format: "iri-reference" } };
  const tdSchema = { description: "Thing Description", type: "object" };
  const event = (title: string, type: string) => ({
    title,
    data: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    uriVariables: { diff: { type: "boolean", description: "thing_created: the whole TD; thing_updated: a merge patch" } },
    forms: [{ op: "subscribeevent", href: `/events/${type}{?diff}`, subprotocol: "sse", contentType: "text/event-stream", "htv:methodName": "GET" }],
  });
  return {
    "@context": [TD_CONTEXT_V11, DISCOVERY_CONTEXT, { htv: "http://www.w3.org/2011/http#" }],
    "@type": "ThingDirectory",
    id: "urn:gridthings:directory",
    title: "GridThings Thing Description Directory",
    description: "W3C WoT Discovery Directory HTTP API: register, find and follow the Things of the grid",
    version: { instance: "1.0.0", model: "1.0.0" },
    base,
    securityDefinitions: {
      nosec_sc: { scheme: "nosec", description: "reads need no token (household TDs stay hidden)" },
      bearer_sc: { scheme: "bearer", in: "header", name: "Authorization", format: "opaque", description: "writer, device, privileged-reader or admin token" },
      combo_sc: { scheme: "combo", oneOf: ["nosec_sc", "bearer_sc"] },
    },
    security: "combo_sc",
    properties: {
      things: {
        title: "Things",
        description: "All TDs, sorted by id, paged with limit/offset (Link: next, canonical)",
        type: "array",
        items: tdSchema,
        readOnly: true,
        uriVariables: {
          offset: { type: "integer", minimum: 0 },
          limit: { type: "integer", minimum: 1 },
          format: { type: "string", enum: ["array", "collection"] },
          sort_by: { type: "string", enum: ["id"] },
          sort_order: { type: "string", enum: ["asc", "desc"] },
        },
        forms: [{ op: "readproperty", href: "/things{?offset,limit,format,sort_by,sort_order}", contentType: "application/ld+json", "htv:methodName": "GET", additionalResponses: errors(400, 401) }],
      },
    },
    actions: {
      createThing: {
        title: "Create or replace a TD",
        uriVariables: idVariable,
        input: tdSchema,
        forms: [{ op: "invokeaction", href: "/things/{id}", "htv:methodName": "PUT", contentType: td, security: "bearer_sc", response: { contentType: "text/plain" }, additionalResponses: errors(400, 401, 403) }],
      },
      createAnonymousThing: {
        title: "Create an Anonymous TD",
        input: tdSchema,
        output: { description: "The system-generated id is in the Location header", type: "string" },
        forms: [{ op: "invokeaction", href: "/things", "htv:methodName": "POST", contentType: td, security: "bearer_sc", response: { contentType: "text/plain" }, additionalResponses: errors(400, 401, 403) }],
      },
      retrieveThing: {
        title: "Retrieve a TD",
        uriVariables: idVariable,
        output: tdSchema,
        safe: true,
        idempotent: true,
        forms: [{ op: "invokeaction", href: "/things/{id}", "htv:methodName": "GET", response: { contentType: td }, additionalResponses: errors(404) }],
      },
      updateThing: {
        title: "Replace a TD",
        uriVariables: idVariable,
        input: tdSchema,
        idempotent: true,
        forms: [{ op: "invokeaction", href: "/things/{id}", "htv:methodName": "PUT", contentType: td, security: "bearer_sc", response: { contentType: "text/plain" }, additionalResponses: errors(400, 401, 403) }],
      },
      partiallyUpdateThing: {
        title: "Merge-patch a TD",
        uriVariables: idVariable,
        input: { description: "JSON Merge Patch (RFC 7396) in Partial TD form", type: "object" },
        forms: [{ op: "invokeaction", href: "/things/{id}", "htv:methodName": "PATCH", contentType: "application/merge-patch+json", security: "bearer_sc", response: { contentType: "text/plain" }, additionalResponses: errors(400, 401, 403, 404) }],
      },
      deleteThing: {
        title: "Delete a TD",
        uriVariables: idVariable,
        idempotent: true,
        forms: [{ op: "invokeaction", href: "/things/{id}", "htv:methodName": "DELETE", security: "bearer_sc", response: { contentType: "text/plain" }, additionalResponses: errors(401, 403, 404) }],
      },
      searchJSONPath: {
        title: "JSONPath (RFC 9535) search",
        uriVariables: { query: { type: "string" } },
        output: { type: "array" },
        safe: true,
        idempotent: true,
        forms: [{ op: "invokeaction", href: "/search/jsonpath{?query}", "htv:methodName": "GET", response: { contentType: "application/json" }, additionalResponses: errors(400) }],
      },
      ...(options.sparql
        ? {
            searchSPARQL: {
              title: "SPARQL 1.1 search",
              uriVariables: { query: { type: "string" } },
              output: { type: "object" },
              safe: true,
              idempotent: true,
              forms: [
                { op: "invokeaction", href: "/search/sparql{?query}", "htv:methodName": "GET", response: { contentType: "application/json" }, additionalResponses: errors(400, 503) },
                { op: "invokeaction", href: "/search/sparql", "htv:methodName": "POST", contentType: "application/sparql-query", response: { contentType: "application/json" }, additionalResponses: errors(400, 503) },
              ],
            },
          }
        : {}),
    },
    events: {
      thingCreated: event("Thing created", "thing_created"),
      thingUpdated: event("Thing updated", "thing_updated"),
      thingDeleted: event("Thing deleted", "thing_deleted"),
    },
  };
}
