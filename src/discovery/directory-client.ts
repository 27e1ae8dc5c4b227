import { discoveryError } from "./errors.ts";

export type Td = Record<string, unknown>;

export interface DirectoryClientOptions {
  /** The front door, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** Bearer token: writer or device for writes, privileged-reader for household TDs. */
  token?: string;
  /** Per-request time limit (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface SparqlSelectResults {
  head: { vars?: string[] };
  results?: { bindings: Array<Record<string, { type: string; value: string; datatype?: string; "xml:lang"?: string }>> };
  boolean?: boolean;
}

/** Plain HTTP client of the WoT Discovery Directory API (Node 20 global fetch). */
export class DirectoryClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: DirectoryClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw discoveryError("DISCOVERY_BAD_ARGUMENT", `baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** One request; non-2xx answers (except those in `allow`) become DIRECTORY_REFUSED with the problem. */
  async request(path: string, init: RequestInit = {}, allow: number[] = []): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, { ...init, headers: this.headers(init.headers as Record<string, string>), signal: init.signal ?? AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw discoveryError("DIRECTORY_UNREACHABLE", `${init.method ?? "GET"} ${this.baseUrl}${path}: ${(e as Error).message}`);
    }
    if (!response.ok && !allow.includes(response.status)) {
      const text = await response.text().catch(() => "");
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problem = { detail: text };
      }
      throw discoveryError("DIRECTORY_REFUSED", `${init.method ?? "GET"} ${path}: ${response.status} ${String(problem.title ?? response.statusText)}`, { httpStatus: response.status, problem });
    }
    return response;
  }

  async getThing(id: string): Promise<Td | undefined> {
    const r = await this.request(`/things/${encodeURIComponent(id)}`, {}, [404]);
    return r.status === 404 ? undefined : ((await r.json()) as Td);
  }

  /** Creates or replaces a TD; true when it was created. */
  async putThing(td: Td): Promise<boolean> {
    if (typeof td.id !== "string") throw discoveryError("DISCOVERY_BAD_ARGUMENT", "putThing needs a TD with a string id");
    const r = await this.request(`/things/${encodeURIComponent(td.id)}`, { method: "PUT", headers: { "content-type": "application/td+json" }, body: JSON.stringify(td) });
    return r.status === 201;
  }

  async deleteThing(id: string): Promise<boolean> {
    const r = await this.request(`/things/${encodeURIComponent(id)}`, { method: "DELETE" }, [404]);
    return r.status === 204;
  }

  /** Every TD the token may see, page by page, following the directory's `next` links. */
  async *things(pageSize = 500): AsyncGenerator<Td> {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw discoveryError("DISCOVERY_BAD_ARGUMENT", "pageSize must be a positive integer");
    let path: string | undefined = `/things?limit=${pageSize}`;
    while (path) {
      const r = await this.request(path);
      for (const td of (await r.json()) as Td[]) yield td;
      path = /<([^>]+)>;\s*rel="next"/.exec(r.headers.get("link") ?? "")?.[1];
      if (path && /^https?:/.test(path)) path = new URL(path).pathname + new URL(path).search;
    }
  }

  async listAll(pageSize = 500): Promise<Td[]> {
    const all: Td[] = [];
    for await (const td of this.things(pageSize)) all.push(td);
    return all;
  }

  /** RFC 9535 JSONPath over the array of TDs. */
  async jsonpath(query: string): Promise<unknown[]> {
    const r = await this.request(`/search/jsonpath?query=${encodeURIComponent(query)}`);
    return (await r.json()) as unknown[];
  }

  /** SPARQL 1.1: SELECT/ASK give SPARQL JSON results, CONSTRUCT/DESCRIBE JSON-LD. */
  async sparql(query: string): Promise<SparqlSelectResults | unknown[]> {
    const r = await this.request("/search/sparql", { method: "POST", headers: { "content-type": "application/sparql-query" }, body: query });
    return (await r.json()) as SparqlSelectResults | unknown[];
  }

  /** The directory's own TD (/.well-known/wot). */
  async directoryDescription(): Promise<Td> {
    return (await (await this.request("/.well-known/wot")).json()) as Td;
  }
}
