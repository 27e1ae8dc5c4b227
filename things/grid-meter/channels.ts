/**
 * Vendor registers → seed 003 grid-meter channels. Pure. Units and signs come from the register
 * map (`toStandard`); what a meter does not measure is derived: totals from the phases,
 * ApparentPower = |P + jQ|, PowerFactor = P / S (negative while exporting, as the simulator and
 * the seed's "positive for import, negative for export" option), EnergyNet = import − export, and
 * Frequency_RoCoF from successive frequency readings (rocof.ts).
 */
import { GRID_METER_CHANNEL_NAMES, type GridMeterChannels } from "../../src/sim/index.ts";
import { toStandard, type RegisterMap } from "../../src/modbus/register-map.ts";
import { gridMeterError } from "./errors.ts";

export type ChannelName = keyof GridMeterChannels;
export type MeasuredChannels = Partial<Record<ChannelName, number>>;

export const CHANNEL_NAMES: readonly ChannelName[] = GRID_METER_CHANNEL_NAMES;

/** Channels the adapter can compute when the meter has no register for them. */
export const DERIVABLE: ReadonlySet<ChannelName> = new Set<ChannelName>([
  "ActivePower", "ReactivePower", "ApparentPower", "PowerFactor", "EnergyNet", "Frequency_RoCoF",
]);

function isChannel(name: string): name is ChannelName {
  return (CHANNEL_NAMES as readonly string[]).includes(name);
}

/** Throws GRID_METER_MAP_INCOMPLETE when the map leaves a channel that cannot be derived unfed. */
export function checkMapFeedsChannels(map: RegisterMap): void {
  const fed = new Set(map.registers.map((r) => r.channel?.name).filter((n): n is string => n !== undefined));
  const missing = CHANNEL_NAMES.filter((c) => !fed.has(c) && !DERIVABLE.has(c));
  if (missing.length > 0) {
    throw gridMeterError("GRID_METER_MAP_INCOMPLETE", `${map.id} feeds no register to ${missing.join(", ")}`, { map: map.id, missing });
  }
}

/** The channels the registers feed directly, in seed 003 units and signs. */
export function channelsFromRegisters(map: RegisterMap, vendor: Readonly<Record<string, number>>): MeasuredChannels {
  const out: MeasuredChannels = {};
  for (const register of map.registers) {
    const channel = register.channel?.name;
    const value = vendor[register.name];
    if (channel === undefined || value === undefined || !isChannel(channel)) continue;
    out[channel] = toStandard(map, register, value);
  }
  return out;
}

function sum3(m: MeasuredChannels, a: ChannelName, b: ChannelName, c: ChannelName): number | undefined {
  const x = m[a];
  const y = m[b];
  const z = m[c];
  return x === undefined || y === undefined || z === undefined ? undefined : x + y + z;
}

/**
 * Every seed 003 channel from the measured ones plus the RoCoF estimate. Throws
 * GRID_METER_MAP_INCOMPLETE if a channel is neither measured nor derivable.
 */
export function completeChannels(measured: MeasuredChannels, rocofHzPerS: number): GridMeterChannels {
  const m: MeasuredChannels = { ...measured };
  m.ActivePower ??= sum3(m, "ActivePower_L1", "ActivePower_L2", "ActivePower_L3");
  m.ReactivePower ??= sum3(m, "ReactivePower_L1", "ReactivePower_L2", "ReactivePower_L3");
  if (m.ApparentPower === undefined && m.ActivePower !== undefined && m.ReactivePower !== undefined) m.ApparentPower = Math.hypot(m.ActivePower, m.ReactivePower);
  if (m.PowerFactor === undefined && m.ActivePower !== undefined && m.ApparentPower !== undefined) m.PowerFactor = m.ApparentPower > 0 ? m.ActivePower / m.ApparentPower : 1;
  if (m.EnergyImport !== undefined && m.EnergyExport !== undefined) m.EnergyNet = m.EnergyImport - m.EnergyExport;
  m.Frequency_RoCoF ??= rocofHzPerS;
  const missing = CHANNEL_NAMES.filter((c) => m[c] === undefined);
  if (missing.length > 0) throw gridMeterError("GRID_METER_MAP_INCOMPLETE", `no value for ${missing.join(", ")}`, { missing });
  return m as GridMeterChannels;
}
