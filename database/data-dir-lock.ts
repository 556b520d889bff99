// One process at a time per embedded data folder: PGlite has no locking of its own, and two
// processes writing the same files corrupt them. A pid file next to the folder (`<dir>.lock`; the
// folder itself belongs to Postgres) marks the owner; one left by a process that no longer runs
// is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function lockDataDir(dir: string): () => void {
  const file = `${path.resolve(dir)}.lock`;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
      throw new Error(
        `the embedded Postgres in ${dir} is in use by process ${owner}; stop it, or set DATABASE_URL to use a server`,
      );
    }
    rmSync(file, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
