// Starts the TypeScript SPARQL worker through tsx, whichever way the parent process was started.
import { register } from "tsx/esm/api";

register();
await import("./sparql-worker.ts");
