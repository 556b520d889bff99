// One process at a time per embedded data folder: PGlite has no locking of its own, and two
// processes writing the same files corrupt them. A pid file next to the folder (`<dir>.lock`; the
// folder itself belongs to Postgres) marks the owner; one left by a process that no longer runs
// is taken over. The embedded Temporal server's state file is locked the same way (lockWithPidFile).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Lock files this process holds (so a second open of the same folder here is still refused). */
const held = new Set<string>();

export function lockDataDir(dir: string): () => void {
  return lockWithPidFile(`${path.resolve(dir)}.lock`, (owner) => inUse(dir, owner));
}

/**
 * Creates `file` holding this process's pid, or throws `inUse(owner)` while another running
 * process (or this one) holds it. Returns the release.
 */
export function lockWithPidFile(file: string, inUse: (owner: number) => Error): () => void {
  for (;;) {
    if (held.has(file)) throw inUse(process.pid);
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(file);
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    // Our own pid in a lock this process does not hold was written by an earlier process that
    // died without removing it (SIGKILL, OOM) and had the same pid: usual after a container
    // restart, where the entry point is pid 1 again. It is stale, like any dead owner's.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
      throw inUse(owner);
    }
    rmSync(file, { force: true });
  }
}

function inUse(dir: string, owner: number): Error {
  return new Error(
    `the embedded Postgres in ${dir} is in use by process ${owner}; stop it, or set DATABASE_URL to use a server`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process killed a moment ago stays a zombie until its parent reaps it (after a SIGKILL of a
 * whole process group, until init does): it answers signal 0 but holds nothing. Linux's /proc
 * tells; elsewhere the signal's answer stands.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
