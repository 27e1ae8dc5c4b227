import { errorFactory, type ErrorCatalogue } from "../../errors/coded-error.ts";

/** Stable error codes of the meter stream: ingest, validation (VEE), aggregation and billing. */
export const METERING_ERRORS = {
  METER_BAD_ARGUMENT: { status: 400, title: "A meter-stream call or setting got an invalid value" },
  METER_TOPIC_UNSUPPORTED: { status: 400, title: "A meter TD's reading event form is not an MQTT topic of the form <meter>/events/reading" },
  METER_BROKER_MIXED: { status: 400, title: "The meters' TDs name more than one MQTT broker; one pipeline serves one broker" },
  TARIFF_INVALID: { status: 400, title: "A tariff file is not valid (schema, times, overlapping periods)" },
  BILLING_BAD_ARGUMENT: { status: 400, title: "A billing query or CSV export got an invalid meter id, day or range" },
  BILLING_STORE_FAILED: { status: 500, title: "The billing ledger could not be opened or written" },
  BILLING_STORE_LOCKED: { status: 409, title: "The billing ledger's data directory is in use by another process" },
} as const satisfies ErrorCatalogue;

export type MeteringErrorCode = keyof typeof METERING_ERRORS;
export const meteringError = errorFactory(METERING_ERRORS);
