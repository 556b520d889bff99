/**
 * bin/temporal-devserver as a process: serves in both launch forms, warns about unknown flags
 * without crashing, and exits when its parent dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Connection } from '@temporalio/client';
import { DEVSERVER_BIN } from '../helpers/temporal';

/** Reads the child's stderr until `pattern` shows up. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = pattern.exec(seen);
      if (m) {
        child.stderr?.off('data', onData);
        resolve(m[0]);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}) before printing ${pattern}: ${seen}`)),
    );
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

test.each([
  ['test-server form', (port: string) => [port, '--made-up-flag', 'x']],
  [
    'start-dev form',
    (port: string) => [
      'server',
      'start-dev',
      '--port',
      port,
      '--ip',
      '127.0.0.1',
      '--namespace',
      'other',
      '--log-level',
      'info',
      '--headless',
      '--made-up-flag',
    ],
  ],
])('%s: serves, and warns about unknown flags', async (_form, args) => {
  // Port 0: the server picks a free port and says where it listens (log level info).
  const child = spawn(DEVSERVER_BIN, [...args('0'), '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const warning = waitForOutput(child, /warning: ignoring unknown flag "--made-up-flag"/);
    const address = (await waitForOutput(child, /listening on 127\.0\.0\.1:\d+/)).replace(
      /^listening on /,
      '',
    );
    await expect(warning).resolves.toBeTruthy();
    const connection = await Connection.connect({ address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.capabilities?.sdkMetadata).toBe(true);
    } finally {
      await connection.close();
    }
  } finally {
    await stop(child);
  }
});

test('the server exits when its parent process dies', async () => {
  // A shell starts the server in the background, reports its pid, and exits when told to.
  const shell = spawn('sh', ['-c', `"${DEVSERVER_BIN}" 0 --log-level info 2>&1 & echo "pid $!"; read _`], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let seen = '';
  await new Promise<void>((resolve) => {
    shell.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/listening on/.test(seen) && /pid \d+/.test(seen)) resolve();
    });
  });
  const pid = Number(/pid (\d+)/.exec(seen)![1]);
  shell.stdin!.end('\n');
  await once(shell, 'exit');
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // The server checks its parent twice a second; wait for it with a generous bound.
  const deadline = Date.now() + 15_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const stillAlive = alive();
  if (stillAlive) process.kill(pid, 'SIGKILL');
  expect(stillAlive).toBe(false);
});
