/** The TD 1.1 context, as far as the directory maps TD JSON to RDF (terms → IRIs). */

export const NS = {
  td: "https://www.w3.org/2019/wot/td#",
  jsonschema: "https://www.w3.org/2019/wot/json-schema#",
  hctl: "https://www.w3.org/2019/wot/hypermedia#",
  wotsec: "https://www.w3.org/2019/wot/security#",
  tm: "https://www.w3.org/2019/wot/tm#",
  discovery: "https://www.w3.org/2022/wot/discovery#",
  dct: "http://purl.org/dc/terms/",
  schema: "http://schema.org/",
  htv: "http://www.w3.org/2011/http#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  cov: "http://www.example.org/coap-binding#",
  mqv: "http://www.example.org/mqtt-binding#",
  modv: "https://www.w3.org/2019/wot/modbus#",
} as const;

/** How a TD term is mapped: its predicate IRI and how its value is read. */
export interface TermMapping {
  iri: string;
  /** `map`: an object keyed by name, each value a node with td:name; `id`: value is an IRI; `lang`: a language map. */
  kind?: "map" | "id" | "lang" | "vocab";
}

const td = (local: string, kind?: TermMapping["kind"]): TermMapping => ({ iri: NS.td + local, ...(kind ? { kind } : {}) });
const js = (local: string, kind?: TermMapping["kind"]): TermMapping => ({ iri: NS.jsonschema + local, ...(kind ? { kind } : {}) });
const hctl = (local: string, kind?: TermMapping["kind"]): TermMapping => ({ iri: NS.hctl + local, ...(kind ? { kind } : {}) });

export const TD_TERMS: Readonly<Record<string, TermMapping>> = {
  title: td("title"),
  titles: td("titleInLanguage", "lang"),
  description: td("description"),
  descriptions: td("descriptionInLanguage", "lang"),
  properties: td("hasPropertyAffordance", "map"),
  actions: td("hasActionAffordance", "map"),
  events: td("hasEventAffordance", "map"),
  forms: td("hasForm"),
  links: td("hasLink"),
  base: td("baseURI", "id"),
  version: td("versionInfo"),
  instance: td("instance"),
  model: td("model"),
  created: { iri: NS.dct + "created" },
  modified: { iri: NS.dct + "modified" },
  support: td("supportContact", "id"),
  securityDefinitions: td("securityDefinitions", "map"),
  security: td("hasSecurityConfiguration"),
  schemaDefinitions: td("schemaDefinitions", "map"),
  profile: td("followsProfile", "id"),
  uriVariables: td("hasUriTemplateSchema", "map"),
  observable: td("isObservable"),
  input: td("hasInputSchema"),
  output: td("hasOutputSchema"),
  safe: td("isSafe"),
  idempotent: td("isIdempotent"),
  synchronous: td("isSynchronous"),
  data: td("hasNotificationSchema"),
  dataResponse: td("hasNotificationResponseSchema"),
  subscription: td("hasSubscriptionSchema"),
  cancellation: td("hasCancellationSchema"),
  readOnly: js("readOnly"),
  writeOnly: js("writeOnly"),
  minimum: js("minimum"),
  maximum: js("maximum"),
  exclusiveMinimum: js("exclusiveMinimum"),
  exclusiveMaximum: js("exclusiveMaximum"),
  multipleOf: js("multipleOf"),
  minLength: js("minLength"),
  maxLength: js("maxLength"),
  minItems: js("minItems"),
  maxItems: js("maxItems"),
  enum: js("enum"),
  const: js("const"),
  default: js("default"),
  format: js("format"),
  pattern: js("pattern"),
  required: js("required"),
  items: js("items"),
  oneOf: js("oneOf"),
  contentEncoding: js("contentEncoding"),
  contentMediaType: js("contentMediaType"),
  unit: { iri: NS.schema + "unitCode", kind: "vocab" },
  href: hctl("hasTarget", "id"),
  contentType: hctl("forContentType"),
  contentCoding: hctl("forContentCoding"),
  subprotocol: hctl("forSubProtocol"),
  op: hctl("hasOperationType", "vocab"),
  response: hctl("returns"),
  additionalResponses: hctl("additionalReturns"),
  scopes: { iri: NS.wotsec + "scopes" },
  rel: hctl("hasRelationType"),
  anchor: hctl("hasAnchor", "id"),
  hreflang: hctl("hreflang"),
  sizes: hctl("hasSizes"),
  registration: { iri: NS.discovery + "hasRegistrationInformation" },
  ttl: { iri: NS.discovery + "ttl" },
  expires: { iri: NS.discovery + "expires" },
  retrieved: { iri: NS.discovery + "retrieved" },
  in: { iri: NS.wotsec + "in" },
  name: { iri: NS.wotsec + "name" },
  qop: { iri: NS.wotsec + "qop" },
  authorization: { iri: NS.wotsec + "authorizationEndpoint", kind: "id" },
  token: { iri: NS.wotsec + "tokenEndpoint", kind: "id" },
  refresh: { iri: NS.wotsec + "refreshEndpoint", kind: "id" },
  flow: { iri: NS.wotsec + "flow" },
  alg: { iri: NS.wotsec + "alg" },
  identity: { iri: NS.wotsec + "identity" },
  proxy: { iri: NS.wotsec + "proxy", kind: "id" },
};

/** JSON Schema `type` values and their classes. */
export const SCHEMA_TYPES: Readonly<Record<string, string>> = {
  object: NS.jsonschema + "ObjectSchema",
  array: NS.jsonschema + "ArraySchema",
  string: NS.jsonschema + "StringSchema",
  number: NS.jsonschema + "NumberSchema",
  integer: NS.jsonschema + "IntegerSchema",
  boolean: NS.jsonschema + "BooleanSchema",
  null: NS.jsonschema + "NullSchema",
};

export const SECURITY_SCHEMES: Readonly<Record<string, string>> = {
  nosec: NS.wotsec + "NoSecurityScheme",
  auto: NS.wotsec + "AutoSecurityScheme",
  combo: NS.wotsec + "ComboSecurityScheme",
  basic: NS.wotsec + "BasicSecurityScheme",
  digest: NS.wotsec + "DigestSecurityScheme",
  apikey: NS.wotsec + "APIKeySecurityScheme",
  bearer: NS.wotsec + "BearerSecurityScheme",
  psk: NS.wotsec + "PSKSecurityScheme",
  oauth2: NS.wotsec + "OAuth2SecurityScheme",
};

/** Plain `@type` terms the TD and discovery contexts define. */
export const TYPE_TERMS: Readonly<Record<string, string>> = {
  Thing: NS.td + "Thing",
  ThingDirectory: NS.discovery + "ThingDirectory",
  ThingLink: NS.discovery + "ThingLink",
  ThingCollection: NS.discovery + "ThingCollection",
  "tm:ThingModel": NS.tm + "ThingModel",
};

/** Prefixes every TD may use without declaring them (TD 1.1 context). */
export const DEFAULT_PREFIXES: Readonly<Record<string, string>> = {
  td: NS.td, jsonschema: NS.jsonschema, hctl: NS.hctl, wotsec: NS.wotsec, tm: NS.tm, dct: NS.dct, schema: NS.schema, htv: NS.htv,
  rdf: NS.rdf, rdfs: NS.rdfs, xsd: NS.xsd, cov: NS.cov, mqv: NS.mqv, modv: NS.modv, discovery: NS.discovery,
};
