import type { ControlPointInput, NodeLimitInput } from "../microgrid/engine.ts";
import type { FeederCircuit, MicrogridNode } from "../microgrid/types.ts";

/** A microgrid definition as data (tds/microgrid/*.microgrid.json): applied once, when the store does not know it. */
export interface MicrogridDefinition {
  depot_id: string;
  microgrid_id: string;
  feeder_circuits: FeederCircuit[];
  nodes: MicrogridNode[];
  node_limits: NodeLimitInput[];
  control_points: Array<ControlPointInput & { control_point_id: string }>;
}
