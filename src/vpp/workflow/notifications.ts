/**
 * Seed 004 steps 9 and 10: an email to the grid operations centre about each automated
 * intervention, and an SMS to the owner of a battery being discharged for grid stability (once
 * per battery per excursion). Pure message builders; the transports deliver them.
 */
export interface Notification {
  /** Idempotency key: the same notification is delivered once. */
  key: string;
  channel: "email" | "sms";
  to: string;
  subject: string;
  body: string;
  at: string;
}

export interface Owner {
  name: string;
  phone?: string;
  email?: string;
}

export interface InterventionSummary {
  timeMs: number;
  frequencyHz: number;
  reason: string;
  commandW: number;
  setpoints: ReadonlyArray<{ id: string; targetW: number }>;
}

export function operatorNotification(to: string, s: InterventionSummary): Notification {
  const at = new Date(s.timeMs).toISOString();
  const lines = s.setpoints.map((p) => `  ${p.id}: ${(p.targetW / 1000).toFixed(1)} kW`);
  return {
    key: `goc|${at}`,
    channel: "email",
    to,
    subject: `[GridThings VPP] automated intervention at ${at}: ${(s.commandW / 1000).toFixed(1)} kW (${s.reason})`,
    body: [`Frequency ${s.frequencyHz.toFixed(3)} Hz. The VPP set the storage fleet to ${(s.commandW / 1000).toFixed(1)} kW (${s.commandW >= 0 ? "discharge" : "charge"}).`, "Setpoints:", ...lines, "", "This message was sent automatically by the VPP consumer servient."].join("\n"),
    at,
  };
}

/** Owner alerts for batteries newly discharging in this excursion; `alerted` holds ids already told. */
export function ownerAlerts(owners: ReadonlyMap<string, Owner>, alerted: ReadonlySet<string>, s: InterventionSummary, excursionId: string): Notification[] {
  const at = new Date(s.timeMs).toISOString();
  const out: Notification[] = [];
  for (const p of s.setpoints) {
    if (p.targetW <= 0 || alerted.has(p.id)) continue;
    const owner = owners.get(p.id);
    if (!owner?.phone) continue;
    out.push({
      key: `owner|${p.id}|${excursionId}`,
      channel: "sms",
      to: owner.phone,
      subject: "Battery discharged for grid stability",
      body: `GridThings: ${owner.name}, your battery ${p.id} is discharging ${(p.targetW / 1000).toFixed(0)} kW to stabilise the grid (${s.frequencyHz.toFixed(2)} Hz) since ${at}.`,
      at,
    });
  }
  return out;
}
