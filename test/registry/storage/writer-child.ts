// Child process of the kill -9 test: writes TDs through the store and prints each acknowledged id.
import { SqliteThingStore } from "../../../registry/storage/sqlite-store.ts";

const dataDir = process.argv[2] as string;
const store = new SqliteThingStore(dataDir);
const padding = "x".repeat(8000);
let n = 0;
for (;;) {
  const batch = Array.from({ length: 8 }, () => {
    const id = `urn:kill:${n++}`;
    return store.put({ id, json: JSON.stringify({ id, padding }) }).then(() => process.stdout.write(`${id}\n`));
  });
  await Promise.all(batch);
}
