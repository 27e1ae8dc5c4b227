/** The discovery client devices and the VPP use to reach the Thing Description Directory. */
import { DirectoryClient, type DirectoryClientOptions, type Td } from "./directory-client.ts";
import { Ensemble, type EnsembleOptions } from "./ensemble.ts";
import { Registration, type RegisterOptions } from "./registration.ts";

export { DirectoryClient, type DirectoryClientOptions, type SparqlSelectResults, type Td } from "./directory-client.ts";
export { Ensemble, jsonPathFilter, type EnsembleChange, type EnsembleOptions } from "./ensemble.ts";
export { Registration, type RegisterOptions } from "./registration.ts";
export { DISCOVERY_ERRORS } from "./errors.ts";

/** One object for the common jobs: register a device, list and search, follow an ensemble. */
export class Discovery extends DirectoryClient {
  constructor(options: DirectoryClientOptions) {
    super(options);
  }

  /** PUT the TD with a TTL and keep it alive until `deregister()` (or `stop()`). */
  register(td: Td, options: RegisterOptions): Promise<Registration> {
    return Registration.start(this, td, options);
  }

  /** A live, filtered set of TDs; `await ensemble.start()` before reading `ensemble.things`. */
  follow(options: EnsembleOptions): Ensemble {
    return new Ensemble(this, options);
  }
}
