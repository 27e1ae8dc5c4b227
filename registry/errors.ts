import { errorFactory, type ErrorCatalogue } from "../src/errors/coded-error.ts";

/** Stable error codes of the Thing Description Directory (README lists each). */
export const REGISTRY_ERRORS = {
  TD_INVALID: { status: 400, title: "The Thing Description is not valid" },
  TD_ID_MISMATCH: { status: 400, title: "The id in the TD differs from the id in the URL" },
  TD_ANONYMOUS_HAS_ID: { status: 400, title: "POST /things takes an Anonymous TD; a TD with an id goes to PUT /things/{id}" },
  BODY_NOT_JSON: { status: 400, title: "The request body is not well-formed JSON" },
  BODY_NOT_OBJECT: { status: 400, title: "The request body must be a JSON object" },
  MEDIA_TYPE_UNSUPPORTED: { status: 415, title: "Unsupported request media type" },
  NOT_ACCEPTABLE: { status: 406, title: "None of the accepted media types can be produced" },
  MERGE_PATCH_INVALID: { status: 400, title: "The merge patch is not valid" },
  THING_NOT_FOUND: { status: 404, title: "No Thing Description with this id" },
  QUERY_PARAMETER_INVALID: { status: 400, title: "A query parameter is not valid" },
  SORT_UNSUPPORTED: { status: 400, title: "Only sorting by id is supported" },
  EVENT_TYPE_UNKNOWN: { status: 404, title: "Unknown event type" },
  JSONPATH_INVALID: { status: 400, title: "The JSONPath query is not valid RFC 9535" },
  SPARQL_INVALID: { status: 400, title: "The SPARQL query is not valid" },
  SPARQL_FORM_UNSUPPORTED: { status: 400, title: "Only SELECT, ASK, CONSTRUCT and DESCRIBE queries are accepted" },
  SPARQL_NOT_SHARDABLE: { status: 400, title: "The directory holds more TDs than one SPARQL store, and this query cannot be merged exactly across its stores" },
  SEARCH_TIMEOUT: { status: 503, title: "The query ran longer than the directory allows" },
  SEARCH_RESULT_TOO_LARGE: { status: 400, title: "The query result exceeds the directory's result limit" },
  AUTH_REQUIRED: { status: 401, title: "A valid bearer token is required" },
  AUTH_TOKEN_EXPIRED: { status: 401, title: "The bearer token has expired" },
  FORBIDDEN: { status: 403, title: "The token's roles do not allow this request" },
  STORE_LOCKED: { status: 500, title: "Another directory process holds the data directory" },
  STORE_FAILED: { status: 500, title: "The directory store failed" },
} as const satisfies ErrorCatalogue;

export const fail = errorFactory(REGISTRY_ERRORS);
