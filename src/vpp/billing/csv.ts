import type { IntervalRecord } from "./types.ts";

export const CSV_HEADER = "meter_id,interval_start,interval_end,from,revision,kind,import_wh,export_wh,estimated,tariff,period,import_price_per_kwh,export_price_per_kwh,amount";

function cell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line per ledger row (originals and adjustments), RFC 4180 quoting, CRLF line ends. */
export function recordsToCsv(records: readonly IntervalRecord[]): string {
  const lines = [CSV_HEADER];
  for (const r of records) {
    lines.push(
      [
        cell(r.meterId),
        new Date(r.intervalStartMs).toISOString(),
        new Date(r.intervalEndMs).toISOString(),
        new Date(r.fromMs).toISOString(),
        String(r.revision),
        r.kind,
        (r.importMilliWh / 1000).toFixed(3),
        (r.exportMilliWh / 1000).toFixed(3),
        r.estimated ? "true" : "false",
        cell(r.tariffId),
        cell(r.period),
        String(r.importPricePerKwh),
        String(r.exportPricePerKwh),
        r.amount.toFixed(6),
      ].join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
