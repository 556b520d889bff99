// `npm run bench:server`: figures of the embedded Temporal-compatible server, from one run.
// Targets (issue 3): serving in < 300 ms; server CPU <= 0.5x the worker's CPU for the same
// workflows; <= 4 KB resident memory per workflow waiting on a timer. With a state file (issue 15):
// server CPU <= 1.3x the in-memory server's, restart to serving < 3 s with 10,000 waiting workflows.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  cpuSeconds,
  inBatches as inBatchesOf,
  report,
  rssBytes,
  spawnServer,
  workerExecArgv,
} from '../support';

const TASK_QUEUE = 'bench';
const EMPTY_WORKFLOWS = Number(process.env.BENCH_EMPTY ?? 500);
const ACTIVITY_WORKFLOWS = Number(process.env.BENCH_ACTIVITY ?? 200);
const WAITING_WORKFLOWS = Number(process.env.BENCH_WAITING ?? 10_000);
const CONCURRENCY = 50;

const inBatches = (total: number, run: (i: number) => Promise<unknown>): Promise<void> =>
  inBatchesOf(total, CONCURRENCY, run);

function startWorker(address: string): Promise<ChildProcess & { onWaiting: (n: number) => Promise<void> }> {
  const child = fork(path.join(__dirname, 'worker.ts'), [address, TASK_QUEUE], {
    execArgv: workerExecArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  }) as ChildProcess & { onWaiting: (n: number) => Promise<void> };
  let waiting = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  child.on('message', (m: { waiting?: number }) => {
    if (m.waiting === undefined) return;
    waiting = m.waiting;
    for (const w of waiters.filter((x) => waiting >= x.n)) w.resolve();
  });
  child.onWaiting = (n) =>
    waiting >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  // 1. Spawn to serving, median of five launches. The first one after a change to devserver/
  // also rebuilds the launcher's bundle and its code cache: the launches are shown in order.
  const launches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { child, readyMs } = await spawnServer();
    launches.push(readyMs);
    child.kill('SIGKILL');
  }
  const sorted = [...launches].sort((a, b) => a - b);
  report('spawn to serving (median of 5), ms', (sorted[2] as number).toFixed(0), '< 300');
  report('  (each launch, ms)', launches.map((ms) => ms.toFixed(0)).join(' '));

  // 2-3. The in-memory server (the time-skipping test form).
  const memory = await serveWorkflows((port) => [String(port)]);
  report(
    'server CPU s / worker CPU s, same workflows',
    `${(memory.serverCpu / memory.workerCpu).toFixed(2)}x`,
    '<= 0.5x',
  );
  report('  (server CPU s, worker CPU s)', `${memory.serverCpu.toFixed(2)}, ${memory.workerCpu.toFixed(2)}`);
  const rss0 = rssBytes(memory.serverPid);
  await memory.startWaiting();
  report(
    `server resident memory per waiting workflow (${WAITING_WORKFLOWS}), KB`,
    ((rssBytes(memory.serverPid) - rss0) / WAITING_WORKFLOWS / 1024).toFixed(2),
    '<= 4',
  );
  await memory.stop('SIGKILL');

  // 4. The same with the state in a file (issue 15): CPU against the in-memory server, bytes on
  // disk per waiting workflow, fsyncs per acknowledged request, and a restart with the waiting
  // workflows on disk.
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-server-'));
  const file = path.join(dir, 'state.db');
  const persistentArgs = (port: number) => [
    'server',
    'start-dev',
    '--port',
    String(port),
    '--db-filename',
    file,
    '--log-level',
    'info',
    '--headless',
  ];
  try {
    const persistent = await serveWorkflows(persistentArgs, 'pipe');
    report(
      'persistent server CPU / in-memory server CPU, same workflows',
      `${(persistent.serverCpu / memory.serverCpu).toFixed(2)}x`,
      '<= 1.3x',
    );
    report(
      '  (server CPU s, persistent and in memory)',
      `${persistent.serverCpu.toFixed(2)}, ${memory.serverCpu.toFixed(2)}`,
    );
    const size0 = statSync(file).size;
    await persistent.startWaiting();
    report(
      `bytes on disk per waiting workflow (${WAITING_WORKFLOWS})`,
      ((statSync(file).size - size0) / WAITING_WORKFLOWS).toFixed(0),
    );
    const summary = await persistent.stop('SIGTERM');
    const perRequest = / \(([\d.]+) per acknowledged request\)/.exec(summary)?.[1] ?? '?';
    report('fsyncs per acknowledged request', perRequest);
    report("  (the server's summary)", summary.replace(/^.*state file [^:]+: /, ''));

    const restarted = await spawnServer(persistentArgs);
    report(
      `restart to serving with ${WAITING_WORKFLOWS} waiting workflows, ms`,
      restarted.readyMs.toFixed(0),
      '< 3000',
    );
    const connection = await Connection.connect({ address: `127.0.0.1:${restarted.port}` });
    const running = await new Client({ connection }).workflow.count('ExecutionStatus = "Running"');
    await connection.close();
    restarted.child.kill('SIGKILL');
    if (running.count !== WAITING_WORKFLOWS) {
      throw new Error(`after the restart ${running.count} workflows run, not ${WAITING_WORKFLOWS}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A server spawned with `args`, a worker and a client; runs the empty and three-activity
 * workflows, measuring the server's and the worker's CPU.
 */
async function serveWorkflows(args: (port: number) => string[], stderr: 'inherit' | 'pipe' = 'inherit') {
  const { child: server, port } = await spawnServer(args, stderr);
  let output = '';
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const address = `127.0.0.1:${port}`;
  const worker = await startWorker(address);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const serverPid = server.pid as number;
  const workerPid = worker.pid as number;

  // Warm up: bundles are built and caches filled before anything is measured.
  await inBatches(20, (i) =>
    client.workflow.execute('threeActivities', { taskQueue: TASK_QUEUE, workflowId: `warm-${i}` }),
  );

  const cpu0 = { server: cpuSeconds(serverPid), worker: cpuSeconds(workerPid) };
  let t0 = performance.now();
  await inBatches(EMPTY_WORKFLOWS, (i) =>
    client.workflow.execute('empty', { taskQueue: TASK_QUEUE, workflowId: `empty-${i}` }),
  );
  let seconds = (performance.now() - t0) / 1000;
  report(`empty workflows per second (${EMPTY_WORKFLOWS})`, (EMPTY_WORKFLOWS / seconds).toFixed(1));

  t0 = performance.now();
  await inBatches(ACTIVITY_WORKFLOWS, (i) =>
    client.workflow.execute('threeActivities', { taskQueue: TASK_QUEUE, workflowId: `three-${i}` }),
  );
  seconds = (performance.now() - t0) / 1000;
  report(
    `workflows with three activities per second (${ACTIVITY_WORKFLOWS})`,
    (ACTIVITY_WORKFLOWS / seconds).toFixed(1),
  );
  const cpu1 = { server: cpuSeconds(serverPid), worker: cpuSeconds(workerPid) };
  return {
    serverPid,
    serverCpu: cpu1.server - cpu0.server,
    workerCpu: cpu1.worker - cpu0.worker,
    /** Starts the workflows that wait on a day-long timer; resolves once they all wait. */
    async startWaiting(): Promise<void> {
      await inBatches(WAITING_WORKFLOWS, (i) =>
        client.workflow.start('waitOnTimer', { taskQueue: TASK_QUEUE, workflowId: `wait-${i}` }),
      );
      await worker.onWaiting(Math.floor(WAITING_WORKFLOWS / 500) * 500);
    },
    /** Stops the worker and the server; returns the server's last line (its summary on SIGTERM). */
    async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<string> {
      worker.send({ stop: true });
      await new Promise((r) => worker.once('exit', r));
      await connection.close();
      const exited = new Promise((r) => server.once('exit', r));
      server.kill(signal);
      await exited;
      return output.trim().split('\n').at(-1) ?? '';
    },
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
