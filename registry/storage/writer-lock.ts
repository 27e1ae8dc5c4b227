import { closeSync, openSync, readFileSync, rmSync, writeFileSync, fsyncSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One writer process per data directory: a lock file holding the owner's pid. A lock left by a
 * process that died (kill -9) is taken over; a live owner makes the second process fail clearly.
 */
export class WriterLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): WriterLock {
    const path = join(dataDir, "directory.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o600);
        writeFileSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
        closeSync(fd);
        return new WriterLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const owner = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw fail("STORE_LOCKED", `data directory ${dataDir} is in use by process ${owner} (lock file ${path}); stop that process or use another --data-dir`, { pid: owner, lockFile: path });
      }
      rmSync(path, { force: true });
    }
    throw fail("STORE_LOCKED", `could not take the lock file ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
