import type { FastifyInstance } from "fastify";
import type { TokenTable } from "../../auth/roles.ts";
import type { FrontDoorPart } from "../../frontdoor/server.ts";
import { logger } from "../../log/logger.ts";
import { CsipAusAdapter } from "../csip-aus/csip-aus-adapter.ts";
import { createCsipAusPart } from "../csip-aus/csip-aus-part.ts";
import type { MicrogridOperatingEnvelopeWritePort } from "../envelope-write-port.ts";
import { OscpCapacityAdapter } from "../oscp/oscp-adapter.ts";
import { createOscpPart } from "../oscp/oscp-part.ts";
import type { MicrogridService } from "../service.ts";
import { flexibilityMappings, type FlexibilityMappings, type MicrogridConfiguration } from "./mappings.ts";

const log = logger("microgrid.flexibility");

/** What the part needs of the microgrid service: its envelope write port and its current configuration. */
export type FlexibilityService = MicrogridOperatingEnvelopeWritePort & Pick<MicrogridService, "listMicrogrids" | "topology" | "controlPoints">;

export interface FlexibilityPartOptions {
  /** The microgrid service, asked for when the part registers (after the microgrid API part opened it). */
  service: () => FlexibilityService;
  tokens: TokenTable;
  now?: () => Date;
  /** OSCP: without offline_mode_at, a group silent for this long is stale (default 900 s). */
  oscpStaleAfterSeconds?: number;
  /** CSIP-AUS: how far ahead DER programs are translated (default 86 400 s). */
  csipHorizonSeconds?: number;
}

export interface FlexibilityPart extends FrontDoorPart {
  /** The mappings in force (read from the control points when the part registered). */
  mappings(): FlexibilityMappings;
}

/** The service's microgrids as the mappings read them. */
export function configurationOf(service: FlexibilityService): MicrogridConfiguration[] {
  return service.listMicrogrids().map((m) => ({ microgrid_id: m.microgrid_id, nodes: service.topology(m.microgrid_id).nodes, control_points: service.controlPoints(m.microgrid_id) }));
}

/**
 * The flexibility protocols on the front door: OSCP 2.0 (`/oscp/fp/2.0/…`) and IEEE 2030.5 CSIP-AUS
 * (`/csip-aus/der-programs`), both writing through the microgrid's envelope write port. Which group
 * or EndDevice feeds which node comes from the capability control points as the service holds them
 * at start (the definitions applied to the store, plus the operator's edits); a control point
 * changed later takes effect at the next start. A bad or duplicate reference stops the start.
 */
export function createFlexibilityPart(options: FlexibilityPartOptions): FlexibilityPart {
  const now = options.now ?? (() => new Date());
  let mappings: FlexibilityMappings | undefined;
  return {
    name: "flexibility",
    mappings() {
      if (!mappings) throw new Error("flexibility part is not registered yet");
      return mappings;
    },
    async register(app: FastifyInstance) {
      const service = options.service();
      const m = flexibilityMappings(configurationOf(service));
      const oscp = new OscpCapacityAdapter(service, { groups: m.oscp, now, ...(options.oscpStaleAfterSeconds ? { stale_after_seconds: options.oscpStaleAfterSeconds } : {}) });
      const csip = new CsipAusAdapter(service, { sites: m.csip, now, ...(options.csipHorizonSeconds ? { horizon_seconds: options.csipHorizonSeconds } : {}) });
      // each protocol in its own scope: each sets its own validator compiler
      const oscpPart = createOscpPart({ adapter: oscp, tokens: options.tokens, now });
      const csipPart = createCsipAusPart({ adapter: csip, tokens: options.tokens, now });
      await app.register(async (scope) => oscpPart.register(scope));
      await app.register(async (scope) => csipPart.register(scope));
      mappings = m;
      log.info({ oscp_groups: m.oscp.map((g) => `${g.group_id}→${g.microgrid_id}/${g.node_id}`), csip_sites: m.csip.map((s) => `${s.lfdi}→${s.microgrid_id}/${s.node_id}`) }, "flexibility protocols mapped");
    },
  };
}
