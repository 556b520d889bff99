// `npm start` that cannot start says why in one line on stderr and exits non-zero, before it
// starts anything. One stopped while starting stops what it had started and exits 0.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, READY_LINE, spawnStart } from './start-process';

async function occupy(port: number, host?: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  return server;
}

async function runToExit(env: Record<string, string>) {
  const p = spawnStart(env);
  p.ready.catch(() => undefined); // it is not expected to become ready
  const { code } = await p.exited;
  return { code, stderr: p.stderr(), stdout: p.stdout() };
}

test('bad configuration: one line naming the variable, exit 1', async () => {
  const { code, stderr, stdout } = await runToExit({ PORT: 'not-a-port', DATA_DIR: '/nonexistent-unused' });
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^start: invalid configuration: PORT: /);
  expect(stdout).toBe('');
});

test.each(['PORT', 'TEMPORAL_PORT', 'TEMPORAL_HTTP_PORT'])(
  '%s in use: one line naming it, exit 1',
  async (variable) => {
    const busy = await freePort();
    const server = await occupy(busy, variable === 'PORT' ? undefined : '127.0.0.1');
    try {
      const env = {
        PORT: String(variable === 'PORT' ? busy : await freePort()),
        TEMPORAL_PORT: String(variable === 'TEMPORAL_PORT' ? busy : await freePort()),
        TEMPORAL_HTTP_PORT: String(variable === 'TEMPORAL_HTTP_PORT' ? busy : await freePort()),
        DATA_DIR: '/nonexistent-unused',
      };
      const { code, stderr } = await runToExit(env);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`start: port ${busy} is already in use`);
      expect(stderr).toContain(`set ${variable} to another port`);
    } finally {
      server.close();
    }
  },
);

test('unreachable TEMPORAL_ADDRESS: one line naming the address, exit 1, data folder released', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-fail-'));
  try {
    const unused = await freePort();
    const { code, stderr } = await runToExit({
      PORT: String(await freePort()),
      TEMPORAL_ADDRESS: `127.0.0.1:${unused}`,
      DATA_DIR: dataDir,
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`cannot connect to Temporal at 127.0.0.1:${unused}`);
    // The embedded Postgres it had opened was closed again (its lock file is gone).
    expect(existsSync(`${path.join(dataDir, 'pg')}.lock`)).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

test('SIGTERM while starting: stops at the next step, data folder released, exit 0', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-stop-'));
  try {
    const p = spawnStart({
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    p.ready.catch(() => undefined); // stopped before it is ready
    // The database is open and migrated; seeding, the workers (bundling) and the API are to come.
    while (!p.stdout().includes('"msg":"database ready"')) {
      await new Promise((resolve) => p.child.stdout!.once('data', resolve));
    }
    p.signal('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toContain('"msg":"stopped during startup"');
    expect(p.stdout()).not.toContain(READY_LINE);
    expect(existsSync(`${path.join(dataDir, 'pg')}.lock`)).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
