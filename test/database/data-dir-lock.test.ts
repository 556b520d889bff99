// One process per embedded data folder.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lockDataDir } from '../../database/data-dir-lock';

const root = mkdtempSync(path.join(tmpdir(), 'lock-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('refuses a folder that is in use, and frees it on release', () => {
    const dir = path.join(root, 'pg-a');
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.pid}`));
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    lockDataDir(dir)();
  });

  it('takes over a lock left by a process that has exited', () => {
    const dir = path.join(root, 'pg-b');
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(`${dir}.lock`, exited.stdout);
    const release = lockDataDir(dir);
    release();
  });

  it('takes over a lock held by a killed process that is still a zombie (not yet reaped)', async () => {
    // `sleep 0` exits at once; its parent then execs a sleep that never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const pid = Number((await once(parent.stdout!, 'data'))[0].toString().trim());
      const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
      for (let i = 0; i < 500 && state() !== 'Z'; i++) await new Promise((r) => setImmediate(r));
      expect(state()).toBe('Z');
      const dir = path.join(root, 'pg-zombie');
      writeFileSync(`${dir}.lock`, String(pid));
      lockDataDir(dir)();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a lock naming this process that this process does not hold (restart with the same pid)', () => {
    // After a SIGKILL the restarted container's entry point often gets the dead one's pid again.
    const dir = path.join(root, 'pg-c');
    writeFileSync(`${dir}.lock`, String(process.pid));
    const release = lockDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    // Taken over means held: a second open in this process is refused.
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.pid}`));
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('refuses a lock held by another process that is running', () => {
    const dir = path.join(root, 'pg-d');
    // The parent (jest, or the shell that started it) runs for as long as this test does.
    writeFileSync(`${dir}.lock`, String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.ppid}`));
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.ppid));
  });
});
