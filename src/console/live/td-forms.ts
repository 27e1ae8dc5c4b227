/** The HTTP forms of a TD's affordances, as an outside client picks them. Pure. */
import type { Td } from "../../discovery/index.ts";

interface Form {
  href?: unknown;
  op?: unknown;
  subprotocol?: unknown;
  "htv:methodName"?: unknown;
}

const ops = (f: Form): string[] => (Array.isArray(f.op) ? f.op.filter((o): o is string => typeof o === "string") : typeof f.op === "string" ? [f.op] : []);
const isHttp = (f: Form) => typeof f.href === "string" && /^https?:\/\//.test(f.href);

function formsOf(td: Td, kind: "properties" | "actions", name: string): Form[] {
  const affordances = td[kind];
  if (typeof affordances !== "object" || affordances === null) return [];
  const a = (affordances as Record<string, { forms?: unknown }>)[name];
  return Array.isArray(a?.forms) ? (a.forms as Form[]) : [];
}

/** The HTTP href that reads property `name` (a plain GET, not a long-poll observe form). */
export function httpReadHref(td: Td, name: string): string | undefined {
  const f = formsOf(td, "properties", name).find((f) => isHttp(f) && f.subprotocol === undefined && (ops(f).length === 0 || ops(f).includes("readproperty")));
  return f?.href as string | undefined;
}

/** The HTTP form that invokes action `name`: its href and method (POST unless the form says). */
export function httpActionForm(td: Td, name: string): { href: string; method: string } | undefined {
  const f = formsOf(td, "actions", name).find((f) => isHttp(f) && (ops(f).length === 0 || ops(f).includes("invokeaction")));
  if (!f) return undefined;
  return { href: f.href as string, method: typeof f["htv:methodName"] === "string" ? f["htv:methodName"] : "POST" };
}
