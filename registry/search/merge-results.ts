import type { ShardPlan } from "./shard-plan.ts";

/**
 * Merges the shards' answers to one query (see shard-plan.ts for when that is exact) and writes the
 * merged answer in the format asked for, as oxigraph would have. Pure.
 */

export interface RdfTerm {
  type: "uri" | "literal" | "bnode" | "typed-literal";
  value: string;
  "xml:lang"?: string;
  datatype?: string;
}
export type Binding = Record<string, RdfTerm>;
export interface SelectAnswer {
  head: { vars: string[] };
  results: { bindings: Binding[] };
}

const XSD = "http://www.w3.org/2001/XMLSchema#";

/** SELECT: rows of every shard in turn, de-duplicated for DISTINCT/REDUCED, then OFFSET and LIMIT. */
export function mergeSelect(plan: ShardPlan, answers: readonly SelectAnswer[]): SelectAnswer {
  const vars = answers[0]?.head.vars ?? [];
  const seen = new Set<string>();
  const rows: Binding[] = [];
  const want = plan.limit === undefined ? Infinity : plan.offset + plan.limit;
  for (const answer of answers) {
    for (const row of answer.results.bindings) {
      if (plan.distinct) {
        const key = JSON.stringify(vars.map((v) => row[v] ?? null));
        if (seen.has(key)) continue;
        seen.add(key);
      }
      rows.push(row);
      if (rows.length >= want) break;
    }
    if (rows.length >= want) break;
  }
  return { head: { vars }, results: { bindings: rows.slice(plan.offset, want) } };
}

/** CONSTRUCT/DESCRIBE: the union of the shards' N-Triples (a graph is a set). */
export function mergeGraphs(ntriples: readonly string[]): string {
  const lines = new Set<string>();
  for (const text of ntriples) for (const line of text.split("\n")) if (line.trim() !== "") lines.add(line);
  return lines.size === 0 ? "" : `${[...lines].join("\n")}\n`;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvTerm(t: RdfTerm | undefined): string {
  if (!t) return "";
  return csvField(t.type === "bnode" ? `_:${t.value}` : t.value);
}

function escapeString(s: string): string {
  return s.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] as string);
}

const BARE: Record<string, RegExp> = {
  [`${XSD}integer`]: /^[+-]?\d+$/,
  [`${XSD}decimal`]: /^[+-]?\d*\.\d+$/,
  [`${XSD}double`]: /^[+-]?(\d+\.\d*|\.\d+|\d+)[eE][+-]?\d+$/,
  [`${XSD}boolean`]: /^(true|false)$/,
};

function tsvTerm(t: RdfTerm | undefined): string {
  if (!t) return "";
  if (t.type === "uri") return `<${t.value}>`;
  if (t.type === "bnode") return `_:${t.value}`;
  if (t["xml:lang"]) return `"${escapeString(t.value)}"@${t["xml:lang"]}`;
  const dt = t.datatype;
  if (dt === undefined || dt === `${XSD}string`) return `"${escapeString(t.value)}"`;
  if (BARE[dt]?.test(t.value)) return t.value;
  return `"${escapeString(t.value)}"^^<${dt}>`;
}

/** A merged SELECT answer in one of the result formats the search route offers. */
export function writeSelect(answer: SelectAnswer, format: string): string {
  const { vars } = answer.head;
  const rows = answer.results.bindings;
  if (format === "text/csv") return [vars.join(","), ...rows.map((r) => vars.map((v) => csvTerm(r[v])).join(","))].map((l) => `${l}\r\n`).join("");
  if (format === "text/tab-separated-values") return [vars.map((v) => `?${v}`).join("\t"), ...rows.map((r) => vars.map((v) => tsvTerm(r[v])).join("\t"))].map((l) => `${l}\n`).join("");
  return JSON.stringify(answer);
}

/** An ASK answer (the OR of the shards') in a result format. */
export function writeAsk(value: boolean, format: string): string {
  if (format === "text/csv" || format === "text/tab-separated-values") return String(value);
  return JSON.stringify({ head: {}, boolean: value });
}
