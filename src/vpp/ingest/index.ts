/** Public interface of the meter stream for the VPP servient (see src/vpp/README-metering.md). */
export { MeterStreamPipeline, type MeterStreamOptions, type MeterStreamSource, type MeterStreamStats, type MeterEnsembleChange } from "./meter-stream-pipeline.ts";
export { MeterRegistry, meterFromTd, readingSubscription, READING_WILDCARD, type MeterEntry } from "./meter-registry.ts";
export { MeterStreamCore, type IngestResult, type MeterStreamCounters } from "../metering/meter-stream-core.ts";
export { METERING_ERRORS, type MeteringErrorCode } from "../metering/errors.ts";
export { REJECT_REASONS, DEFAULT_VEE_OPTIONS, type VeeOptions, type MeterQualityReport, type MeterPlacementInfo, type RejectReason } from "../metering/types.ts";
export { BillingLedger, type EnergyTotals } from "../billing/ledger.ts";
export { parseTariff, flatTariff, Tariff, type TariffFile } from "../billing/tariff.ts";
export { loadTariffFile } from "../billing/tariff-file.ts";
export { INTERVAL_MS, type IntervalRecord, type BilledInterval } from "../billing/types.ts";
export type { LoadAggregate, GroupTotal, MeterView } from "../aggregation/types.ts";
