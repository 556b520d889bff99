// `npm run bench:server`: figures of the embedded Temporal-compatible server, from one run.
// Targets (issue 3): serving in < 300 ms; server CPU <= 0.5x the worker's CPU for the same
// workflows; <= 4 KB resident memory per workflow waiting on a timer.
import { fork, type ChildProcess } from 'node:child_process';
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

  const { child: server, port } = await spawnServer();
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

  // 2. Throughput and CPU of the server against the worker for the same workflows.
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
  const serverCpu = cpu1.server - cpu0.server;
  const workerCpu = cpu1.worker - cpu0.worker;
  report('server CPU s / worker CPU s, same workflows', `${(serverCpu / workerCpu).toFixed(2)}x`, '<= 0.5x');
  report('  (server CPU s, worker CPU s)', `${serverCpu.toFixed(2)}, ${workerCpu.toFixed(2)}`);

  // 3. Resident memory per workflow waiting on a timer.
  const rss0 = rssBytes(serverPid);
  await inBatches(WAITING_WORKFLOWS, (i) =>
    client.workflow.start('waitOnTimer', { taskQueue: TASK_QUEUE, workflowId: `wait-${i}` }),
  );
  await worker.onWaiting(Math.floor(WAITING_WORKFLOWS / 500) * 500);
  const rss1 = rssBytes(serverPid);
  report(
    `server resident memory per waiting workflow (${WAITING_WORKFLOWS}), KB`,
    ((rss1 - rss0) / WAITING_WORKFLOWS / 1024).toFixed(2),
    '<= 4',
  );

  worker.send({ stop: true });
  await new Promise((r) => worker.once('exit', r));
  await connection.close();
  server.kill('SIGKILL');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
