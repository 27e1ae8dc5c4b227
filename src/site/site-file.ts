/**
 * The site file: a demo or real site as data (`tds/sites/*.site.json`). It names the grid
 * hierarchy (regions → substations → feeders → meters), the devices with their ratings, the
 * protocols each device is served over, Modbus unit ids, and the physics of the simulated area.
 * `site-schema.ts` validates it; this file holds the types.
 */
export type Protocol = "http" | "coap" | "mqtt" | "modbus";

export interface GridPhysics {
  /** Nominal frequency, Hz (60 for seed 000). */
  nominalFrequencyHz: number;
  /** Rated power of the synchronous area the site sits in, W. Loads and DERs are small against it. */
  systemBaseW: number;
  /** Inertia constant H of the area, s. */
  inertiaSeconds: number;
  /** Load damping D, per unit power per unit frequency. */
  dampingPerUnit: number;
  /** Governor droop R of the conventional generation, per unit (0.05 = 5 %). 0 disables primary response. */
  governorDroopPerUnit: number;
  /** Lag of the governors' primary response, s (default 1; 0 = instantaneous). */
  governorTimeConstantSeconds?: number;
  /** Time constant of the slow secondary (AGC) control that brings the frequency back, s. 0 disables it. */
  secondaryControlSeconds: number;
  /** Nominal phase-to-neutral voltage, V. */
  nominalVoltageV: number;
  /** Load of the area outside the site, W (constant plus the profile shape). */
  backgroundLoadW: number;
}

export interface FeederSpec {
  id: string;
  title?: string;
  /** Number of smart meters on the feeder. */
  meters: number;
  /** Load profile family of its meters. */
  profile: "residential" | "commercial" | "industrial";
}

export interface SubstationSpec {
  id: string;
  title?: string;
  feeders: FeederSpec[];
}

export interface RegionSpec {
  id: string;
  title?: string;
  substations: SubstationSpec[];
}

export interface Placement {
  region: string;
  substation: string;
  feeder: string;
}

export interface BatterySpec extends Placement {
  id: string;
  title?: string;
  capacityWh: number;
  maxDischargeW: number;
  maxChargeW: number;
  initialSocPercent: number;
  /** Lowest and highest state of charge the battery management allows, %. */
  minSocPercent: number;
  maxSocPercent: number;
  /** Ramp rate limit of the inverter, W/s. */
  rampWPerS: number;
  protocols: Protocol[];
  modbusUnitId?: number;
  /** Owner contact for seed 004's alert (SMS); kept out of TDs. */
  owner?: { name: string; phone?: string; email?: string };
}

export interface PvSpec extends Placement {
  id: string;
  title?: string;
  peakW: number;
  protocols: Protocol[];
}

export interface WindSpec extends Placement {
  id: string;
  title?: string;
  ratedW: number;
  cutInMs: number;
  ratedMs: number;
  cutOutMs: number;
  protocols: Protocol[];
}

export interface ConnectorSpec {
  /** Unique in the site; the demo depot's CONNECTOR nodes are attached to these ids. */
  id: string;
  /** Most the connector (cable, socket) can deliver, W. */
  maxPowerW: number;
}

/** An EV charge point (consumption positive): one or more connectors, each charging one EV at a time. */
export interface ChargePointSpec extends Placement {
  id: string;
  title?: string;
  /** At least one; a single-outlet charge point has one. */
  connectors: ConnectorSpec[];
  /** Most the charge point delivers over all its connectors together, W. */
  maxPowerW: number;
  protocols: Protocol[];
}

export interface GridMeterSpec {
  /** `physical`: a Modbus meter (simulated stand-in unless `host` is given) behind the adapter; `virtual`: load + battery − PV. */
  mode: "physical" | "virtual";
  /** Register map file under tds/register-maps/. */
  registerMap: string;
  unitId: number;
  /** Host and port of a real meter; absent = start the simulated stand-in. */
  host?: string;
  port?: number;
  /** Seconds between polls of the meter. */
  pollSeconds: number;
  protocols: Protocol[];
}

export interface WeatherSpec {
  latitudeDeg: number;
  longitudeDeg: number;
  /** Mean cloud cover 0..1 and mean wind speed, m/s, around which the weather varies. */
  meanCloudCover: number;
  meanWindSpeedMs: number;
}

export interface SiteFile {
  id: string;
  title: string;
  /** Seed of every random draw of the simulator. */
  seed: number;
  /** Simulated start instant (UTC ISO 8601); absent = the wall clock at start. */
  startTime?: string;
  grid: GridPhysics;
  regions: RegionSpec[];
  /** Seconds between two readings of a smart meter (15 in seed 000). */
  meterIntervalSeconds: number;
  gridMeter: GridMeterSpec;
  batteries: BatterySpec[];
  pv: PvSpec[];
  wind: WindSpec[];
  /** EV charge points (optional; absent = none). */
  chargePoints?: ChargePointSpec[];
  weather: WeatherSpec;
}

export interface MeterPlacement extends Placement {
  id: string;
  profile: FeederSpec["profile"];
  /** Phase the single-phase meter is connected to. */
  phase: 1 | 2 | 3;
  /** Index among all meters of the site, stable for a site file. */
  index: number;
}

/** Every meter of the site, in a stable order, with ids `meter-<feeder>-<n>` and phases round-robin. */
export function listMeters(site: Pick<SiteFile, "regions">): MeterPlacement[] {
  const meters: MeterPlacement[] = [];
  for (const region of site.regions) {
    for (const substation of region.substations) {
      for (const feeder of substation.feeders) {
        for (let n = 1; n <= feeder.meters; n++) {
          const index = meters.length;
          meters.push({
            id: `meter-${feeder.id}-${String(n).padStart(4, "0")}`,
            region: region.id,
            substation: substation.id,
            feeder: feeder.id,
            profile: feeder.profile,
            phase: ((index % 3) + 1) as 1 | 2 | 3,
            index,
          });
        }
      }
    }
  }
  return meters;
}
