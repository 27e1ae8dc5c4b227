import type { TokenTable } from "../../auth/roles.ts";
import type { FrontDoorPart } from "../../frontdoor/server.ts";
import { createOperatorPart } from "../flexibility/operator-part.ts";
import type { CsipAusAdapter } from "./csip-aus-adapter.ts";
import type { DerProgramsUpdate } from "./messages.ts";

/** The envelope of an update; the adapter validates the 2030.5 resources inside, element by element. */
const derProgramsUpdateSchema = {
  type: "object",
  additionalProperties: false,
  required: ["lfdi", "programs"],
  properties: {
    lfdi: { type: "string", minLength: 1, maxLength: 64 },
    programs: { type: "array", maxItems: 256, items: { type: "object" } },
  },
} as const;

/**
 * `POST /csip-aus/der-programs` `{lfdi, programs}`: the DERPrograms in force for a site, from the
 * IEEE 2030.5 client that polls the utility server (or receives its notifications). 200 with what
 * was translated and withdrawn. The client authenticates with a token of the operator role.
 */
export function createCsipAusPart(options: { adapter: CsipAusAdapter; tokens: TokenTable; now?: () => Date; base?: string }): FrontDoorPart {
  const base = options.base ?? "/csip-aus";
  return createOperatorPart("csip-aus", options, (app, operatorOnly, now) => {
    app.post(`${base}/der-programs`, { ...operatorOnly, schema: { body: derProgramsUpdateSchema } }, async (request) => {
      const r = await options.adapter.applyDerPrograms(request.body as DerProgramsUpdate);
      return {
        timestamp: now().toISOString(),
        result: { translations: r.translations.map((t) => ({ constraint_type: t.constraint_type, envelope_id: t.envelope.envelope_id, duplicate: t.duplicate, blocks: t.envelope.blocks.length })), withdrawn: r.withdrawn },
      };
    });
  });
}
