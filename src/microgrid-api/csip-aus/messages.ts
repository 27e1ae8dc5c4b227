/**
 * IEEE 2030.5 / CSIP-AUS resources the adapter reads, as JSON with the standard's element names
 * (the XML or EXI transport and TLS client certificates are the utility-server client's concern).
 * CSIP-AUS adds opModImpLimW, opModExpLimW, opModGenLimW and opModLoadLimW to DERControlBase
 * (namespace https://csipaus.org/ns).
 */

/** ActivePower: value × 10^multiplier W. */
export interface ActivePower {
  multiplier: number;
  value: number;
}

export interface DERControlBase {
  /** Site import limit (CSIP-AUS), W. */
  opModImpLimW?: ActivePower;
  /** Site export limit (CSIP-AUS), W. */
  opModExpLimW?: ActivePower;
  /** Generation limit (CSIP-AUS), W. */
  opModGenLimW?: ActivePower;
  /** Load limit (CSIP-AUS), W. */
  opModLoadLimW?: ActivePower;
  /** Other DERControlBase elements (opModConnect, opModEnergize, curves…) are not limits: ignored. */
  [other: string]: unknown;
}

/** EventStatus.currentStatus: 0 Scheduled, 1 Active, 2 Cancelled, 3 Cancelled with randomization, 4 Superseded. */
export type CurrentStatus = 0 | 1 | 2 | 3 | 4;

export interface DERControl {
  mRID: string;
  description?: string;
  /** Unix seconds. */
  creationTime: number;
  EventStatus: { currentStatus: CurrentStatus; dateTime?: number };
  /** start: unix seconds; duration: seconds. */
  interval: { start: number; duration: number };
  DERControlBase: DERControlBase;
}

export interface DefaultDERControl {
  mRID: string;
  DERControlBase: DERControlBase;
}

export interface DERProgram {
  mRID: string;
  description?: string;
  /** 0–255; the lower the value, the higher the priority. */
  primacy: number;
  DefaultDERControl?: DefaultDERControl | null;
  DERControlList: DERControl[];
}

/** What one poll of an EndDevice's FunctionSetAssignments yields: every DERProgram in force for the site. */
export interface DerProgramsUpdate {
  /** The EndDevice (site) the programs are for: its LFDI, hex. */
  lfdi: string;
  programs: DERProgram[];
}
