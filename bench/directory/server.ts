// The directory under benchmark, in its own process: prints its URL on stdout.
import { TokenTable } from "../../src/auth/roles.ts";
import { FrontDoor } from "../../src/frontdoor/server.ts";
import { createDirectoryPart } from "../../registry/index.ts";

const [dataDir = "", sparql = "true", shardSize = ""] = process.argv.slice(2);
const tokens = new TokenTable([{ subject: "bench", roles: ["admin"], token: "bench-token-0123456789" }]);
const part = createDirectoryPart({ dataDir, tokens, sparql: sparql === "true", maxPageSize: 1000, searchTimeoutMs: 60_000, sparqlShardSize: shardSize ? Number(shardSize) : undefined });
const door = new FrontDoor({ host: "127.0.0.1", port: 0, parts: [part] });
process.stdout.write(`${await door.start()}\n`);
process.on("SIGTERM", () => void door.stop().then(() => process.exit(0)));
