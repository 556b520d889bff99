/**
 * bin/temporal-devserver with --db-filename, killed with SIGKILL at several points and started
 * again on the same file, with the official SDK's client and worker: every acknowledged request
 * (start, signal) is there after the restart, an activity being retried goes on counting its
 * attempts, an activity and a workflow task that were running are retried, a timer still fires,
 * and the runs complete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEVSERVER_BIN } from '../helpers/temporal';
import { freePort } from '../start/start-process';
import * as activities from './activities';
import { bundleConformanceWorkflows, quietRuntime, uid } from './support';

const root = mkdtempSync(path.join(tmpdir(), 'devserver-crash-'));
const file = path.join(root, 'state.db');
const taskQueue = uid('crash');
let port: number;
let server: ChildProcess | undefined;
let connection: Connection | undefined;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let workerRun: Promise<void>;

/** Starts the server on `file` and connects a new client to it. */
async function startServer(): Promise<void> {
  const child = spawn(
    DEVSERVER_BIN,
    [
      'server',
      'start-dev',
      '--port',
      String(port),
      '--db-filename',
      file,
      '--log-level',
      'info',
      '--headless',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  server = child;
  // A new connection: a channel that saw the old server die backs off before reconnecting.
  await connection?.close();
  connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  client = new Client({ connection });
}

async function killServer(): Promise<void> {
  const child = server!;
  server = undefined;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function restart(): Promise<void> {
  await killServer();
  await startServer();
}

/** Polls describe until `check` holds (the server's state changes as the worker goes). */
async function until(
  handle: WorkflowHandle,
  check: (d: Awaited<ReturnType<WorkflowHandle['describe']>>) => boolean,
) {
  for (;;) {
    const d = await handle.describe();
    if (check(d)) return d;
    await new Promise((r) => setImmediate(r));
  }
}

beforeAll(async () => {
  quietRuntime();
  port = await freePort();
  const [bundle] = await Promise.all([bundleConformanceWorkflows(), startServer()]);
  nativeConnection = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
  // One worker for the whole file: it outlives each server process, as a worker does when only
  // the server restarts (its polls fail until the server is back).
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await nativeConnection?.close();
  await connection?.close();
  if (server) await killServer();
  rmSync(root, { recursive: true, force: true });
});

test('a start and signals acknowledged just before the kill are there after the restart', async () => {
  const handle = await client.workflow.start('collector', { taskQueue, workflowId: uid('collector') });
  await restart();
  const again = client.workflow.getHandle(handle.workflowId);
  await expect(again.describe()).resolves.toMatchObject({ runId: handle.firstExecutionRunId });

  // Signals sent at once; the server is killed as soon as half of them are acknowledged.
  const sent = Array.from({ length: 20 }, (_, i) => `s${i}`);
  const acknowledged: string[] = [];
  let killed: Promise<void> | undefined;
  await Promise.allSettled(
    sent.map((item) =>
      again.signal('addItem', item).then(() => {
        acknowledged.push(item);
        if (acknowledged.length === 10) killed = killServer();
      }),
    ),
  );
  await killed;
  await startServer();
  const handleAfter = client.workflow.getHandle(handle.workflowId);
  const items = await handleAfter.query<string[]>('items');
  // Every acknowledged signal, each once; the rest were never acknowledged and may be missing.
  expect(items).toEqual(expect.arrayContaining(acknowledged));
  expect(new Set(items).size).toBe(items.length);
  expect(sent).toEqual(expect.arrayContaining(items));
  await handleAfter.signal('finish');
  await expect(handleAfter.result()).resolves.toEqual(items);
});

test('an activity being retried counts its attempts across the restart', async () => {
  const handle = await client.workflow.start('runActivity', {
    taskQueue,
    workflowId: uid('flaky'),
    args: [{ name: 'flaky', args: [8], maximumAttempts: 20 }],
  });
  await until(handle, (d) => (d.raw.pendingActivities?.[0]?.attempt ?? 0) >= 3);
  await restart();
  // flaky(8) succeeds on its eighth attempt: one lost or counted twice would give another number.
  // (Eight attempts, backoff doubling from 10 ms: over a second in which to see the third.)
  await expect(client.workflow.getHandle(handle.workflowId).result()).resolves.toEqual({ result: 8 });
});

test('a running activity is retried after the restart, its attempt counted; a timer still fires', async () => {
  const activity = await client.workflow.start('runActivity', {
    taskQueue,
    workflowId: uid('slow'),
    args: [{ name: 'slow', args: [3_000] }],
  });
  const sleeper = await client.workflow.start('sleeper', {
    taskQueue,
    workflowId: uid('sleeper'),
    args: [1_000],
  });
  // Started eagerly (the core asks for it, the completion hands it back): journaled as any started attempt.
  await until(activity, (d) => d.raw.pendingActivities?.[0]?.state === 2);
  await restart();

  await expect(client.workflow.getHandle(activity.workflowId).result()).resolves.toEqual({ result: 'done' });
  const history = await client.workflow.getHandle(activity.workflowId).fetchHistory();
  const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
  expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([2]);
  await expect(client.workflow.getHandle(sleeper.workflowId).result()).resolves.toBeGreaterThanOrEqual(1_000);
});

test('a workflow task started when the server dies is scheduled again after the restart', async () => {
  const slowTask = await client.workflow.start('slowFirstTask', {
    taskQueue,
    workflowId: uid('task'),
    args: [3_000],
  });
  await until(slowTask, (d) => d.raw.pendingWorkflowTask?.state === 2);
  await restart();
  const task = client.workflow.getHandle(slowTask.workflowId);
  await task.signal('finish');
  await expect(task.result()).resolves.toEqual(['first task']);
  const history = await task.fetchHistory();
  expect(history.events!.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
});
