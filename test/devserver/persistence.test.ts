/**
 * The server with a state file (--db-filename), stopped and started again in this process, driven
 * by the official SDK: open runs go on where they were (signals, timers, activities, queries,
 * describe, list and count answer as before), the virtual clock and registered search attributes
 * come back, and closed runs leave the file after their retention.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer, type DynamicConfig, type RunningDevServer } from '../../devserver';
import { nodeIo, type JournalIo } from '../../devserver/persistence/journal';
import * as activities from './activities';
import { bundleConformanceWorkflows, quietRuntime, uid, type WorkflowBundle } from './support';

const root = mkdtempSync(path.join(tmpdir(), 'devserver-persist-'));
let bundle: WorkflowBundle;

beforeAll(async () => {
  quietRuntime();
  bundle = await bundleConformanceWorkflows();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A server on `file`, with a client and, when asked, workers (one per task queue). */
async function open(
  file: string,
  options: { retentionMs?: number; dynamicConfig?: Partial<DynamicConfig> } = {},
) {
  const server = await startDevServer({ dbFilename: file, ...options });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workers: { stop(): Promise<void> }[] = [];
  return {
    server,
    client,
    async startWorker(taskQueue: string): Promise<void> {
      const nativeConnection = await NativeConnection.connect({ address: server.address });
      const w = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
      });
      const running = w.run();
      workers.push({
        stop: async () => {
          w.shutdown();
          await running;
          await nativeConnection.close();
        },
      });
    },
    async close(): Promise<void> {
      for (const worker of workers) await worker.stop();
      await connection.close();
      await server.close();
    },
  };
}

const HOUR = 3_600_000;

test('open runs, their signals, timers, visibility and the clock survive a restart', async () => {
  const file = path.join(root, 'restart.db');
  const taskQueue = uid('persist');
  const first = await open(file);
  await first.startWorker(taskQueue);
  const collector = await first.client.workflow.start('collector', {
    taskQueue,
    workflowId: uid('collector'),
  });
  await collector.signal('addItem', 'a');
  await collector.signal('addItem', 'b');
  const sleeper = await first.client.workflow.start('sleeper', {
    taskQueue,
    workflowId: uid('sleeper'),
    args: [HOUR],
  });
  const tag = uid('blue');
  const tagged = await first.client.workflow.start('tagged', {
    taskQueue,
    workflowId: uid('tagged'),
    args: [tag],
  });
  const retried = await first.client.workflow.start('runActivity', {
    taskQueue,
    workflowId: uid('flaky'),
    args: [{ name: 'flaky', args: [3], maximumAttempts: 5 }],
  });
  await expect(collector.query('items')).resolves.toEqual(['a', 'b']);
  await expect(retried.result()).resolves.toEqual({ result: 3 });
  // The attribute is indexed once the workflow's first task is done.
  while ((await first.client.workflow.count(`CustomKeywordField = '${tag}'`)).count === 0) {
    await new Promise((r) => setImmediate(r));
  }
  first.server.server.clock.advanceBy(10 * 60_000);
  const offset = first.server.server.clock.offset;
  const describedBefore = await sleeper.describe();
  await first.close();

  const second = await open(file);
  try {
    expect(second.server.server.clock.offset).toBeGreaterThanOrEqual(offset);
    const client = second.client;
    // Before any worker polls: describe, list and count answer from the restored state.
    const described = await client.workflow.getHandle(sleeper.workflowId).describe();
    expect(described).toMatchObject({
      runId: describedBefore.runId,
      status: { name: 'RUNNING' },
      historyLength: describedBefore.historyLength,
      startTime: describedBefore.startTime,
    });
    await expect(client.workflow.count(`CustomKeywordField = '${tag}'`)).resolves.toMatchObject({ count: 1 });
    const listed = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${tagged.workflowId}'` }))
      listed.push(w);
    expect(listed.map((w) => [w.runId, w.memo])).toEqual([[tagged.firstExecutionRunId, { note: tag }]]);
    await expect(client.workflow.getHandle(retried.workflowId).result()).resolves.toEqual({ result: 3 });

    await second.startWorker(taskQueue);
    const collectorAgain = client.workflow.getHandle(collector.workflowId);
    await expect(collectorAgain.query('items')).resolves.toEqual(['a', 'b']);
    await collectorAgain.signal('addItem', 'c');
    await collectorAgain.signal('finish');
    await expect(collectorAgain.result()).resolves.toEqual(['a', 'b', 'c']);

    // The hour-long timer, started before the restart, fires once the clock reaches it.
    second.server.server.clock.advanceBy(HOUR);
    const slept = await client.workflow.getHandle(sleeper.workflowId).result();
    expect(slept).toBeGreaterThanOrEqual(HOUR);
    await client.workflow.getHandle(tagged.workflowId).signal('finish');
    await client.workflow.getHandle(tagged.workflowId).result();
  } finally {
    await second.close();
  }
});

test('a closed run is removed once its retention has passed, and stays removed after a restart', async () => {
  const file = path.join(root, 'retention.db');
  const taskQueue = uid('retention');
  const first = await open(file, { retentionMs: HOUR });
  await first.startWorker(taskQueue);
  const done = await first.client.workflow.start('echo', { taskQueue, workflowId: uid('echo'), args: ['x'] });
  await done.result();
  const open2 = await first.client.workflow.start('collector', { taskQueue, workflowId: uid('open') });
  first.server.server.clock.advanceBy(2 * HOUR);
  await expect(done.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  await first.close();

  const second = await open(file, { retentionMs: HOUR });
  try {
    await expect(second.client.workflow.getHandle(done.workflowId).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    await expect(second.client.workflow.count()).resolves.toMatchObject({ count: 1 });
    await expect(second.client.workflow.getHandle(open2.workflowId).describe()).resolves.toMatchObject({
      status: { name: 'RUNNING' },
    });
    await second.client.workflow.getHandle(open2.workflowId).terminate('done with the test');
  } finally {
    await second.close();
  }
});

test('a reply to a request that changed something waits until the change is on disk', async () => {
  let hold = false;
  const held: (() => void)[] = [];
  const io: JournalIo = {
    write: nodeIo.write,
    datasync: (fd) =>
      hold
        ? new Promise<void>((resolve) => held.push(() => void nodeIo.datasync(fd).then(resolve)))
        : nodeIo.datasync(fd),
  };
  const server = await startDevServer({ dbFilename: path.join(root, 'held.db'), stateFile: { io } });
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    await client.workflow.count();
    hold = true;
    let replied = false;
    const started = client.workflow
      .start('collector', { taskQueue: uid('held'), workflowId: uid('held') })
      .then((h) => ((replied = true), h));
    while (held.length === 0) await new Promise((r) => setImmediate(r));
    // Written, not yet synced: the client has no answer, while reads are answered.
    await expect(client.workflow.count()).resolves.toMatchObject({ count: 1 });
    expect(replied).toBe(false);
    hold = false;
    for (const release of held.splice(0)) release();
    const handle = await started;
    await handle.terminate('done with the test');
  } finally {
    hold = false;
    for (const release of held.splice(0)) release();
    await connection.close();
    await server.close();
  }
});

test('a second server on the same file is refused while the first runs', async () => {
  const file = path.join(root, 'locked.db');
  const first: RunningDevServer = await startDevServer({ dbFilename: file });
  try {
    await expect(startDevServer({ dbFilename: file })).rejects.toThrow(
      `the state file ${file} is in use by process ${process.pid}`,
    );
  } finally {
    await first.close();
  }
  const again = await startDevServer({ dbFilename: file });
  await again.close();
});

test('the run state of the fidelity work survives a restart: metadata, priority, root, builds, update outcomes', async () => {
  const file = path.join(root, 'fidelity.db');
  const taskQueue = uid('persist-fidelity');
  const first = await open(file);
  await first.startWorker(taskQueue);
  const handle = await first.client.workflow.start('holdsUpdates', {
    taskQueue,
    workflowId: uid('fidelity'),
    staticSummary: 'kept summary',
    priority: { priorityKey: 3 },
    retry: { maximumAttempts: 2 },
  });
  const update = await handle.startUpdate('neverReturningUpdate', { waitForStage: 'ACCEPTED' });
  await handle.terminate('closing with an update in flight');
  const before = await handle.describe();
  await first.close();

  const second = await open(file);
  try {
    const again = second.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const after = await again.describe();
    expect(await after.staticSummary()).toBe('kept summary');
    expect(after.raw.workflowExecutionInfo?.priority?.priorityKey).toBe(3);
    expect(after.rootExecution).toEqual(before.rootExecution);
    expect(after.searchAttributes.BuildIds).toEqual(before.searchAttributes.BuildIds);
    expect(after.raw.workflowExecutionInfo?.autoResetPoints?.points).toHaveLength(1);
    // The accepted update's outcome given at the close is still the answer.
    const outcome = await second.client.workflow
      .getHandle(handle.workflowId, handle.firstExecutionRunId)
      .getUpdateHandle(update.updateId)
      .result()
      .catch((e: unknown) => e);
    expect((outcome as { cause?: { type?: string } }).cause?.type).toBe('AcceptedUpdateCompletedWorkflow');
  } finally {
    await second.close();
  }
});

const ACCEPTED =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
    .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;

test('update limits (set by dynamic config) count the updates a restart kept', async () => {
  const file = path.join(root, 'update-limits.db');
  const taskQueue = uid('persist-update-limits');
  const dynamicConfig = { 'history.maxInFlightUpdates': 2, 'history.maxTotalUpdates': 3 };
  const update = (workflowId: string, updateId: string, name: string, args: unknown[] = []) =>
    // Without the client's retries, which would wait out RESOURCE_EXHAUSTED for a minute.
    Connection.connect({ address: server.server.address, interceptors: [] }).then(async (c) => {
      try {
        return await c.workflowService.updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId },
          request: {
            meta: { updateId },
            input: { name, args: { payloads: args.map((a) => defaultPayloadConverter.toPayload(a)) } },
          },
          waitPolicy: { lifecycleStage: ACCEPTED },
        });
      } finally {
        await c.close();
      }
    });
  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => 'admitted',
      (e: { code?: number; details?: string }) => e,
    );

  let server = await open(file, { dynamicConfig });
  await server.startWorker(taskQueue);
  const holding = await server.client.workflow.start('holdsUpdates', {
    taskQueue,
    workflowId: uid('holding'),
  });
  const completing = await server.client.workflow.start('workflowWithUpdates', {
    taskQueue,
    workflowId: uid('completing'),
  });
  await update(holding.workflowId, 'a', 'neverReturningUpdate');
  await update(holding.workflowId, 'b', 'neverReturningUpdate');
  for (const id of ['1', '2', '3']) await completing.executeUpdate('update', { updateId: id, args: [id] });
  await server.close();

  server = await open(file, { dynamicConfig });
  try {
    await server.startWorker(taskQueue);
    // Two accepted and never completed: a third is refused.
    await expect(refusal(update(holding.workflowId, 'c', 'neverReturningUpdate'))).resolves.toMatchObject({
      code: grpcStatus.RESOURCE_EXHAUSTED,
      details: 'limit on number of concurrent in-flight updates has been reached (2)',
    });
    // Three completed: none in flight, but a fourth distinct one is past the total.
    const total = (await refusal(update(completing.workflowId, '4', 'update', ['4']))) as {
      code?: number;
      details?: string;
    };
    expect(total.code).toBe(grpcStatus.FAILED_PRECONDITION);
    expect(total.details).toMatch(
      /^The limit on the total number of distinct updates in this workflow has been reached \(3\)\. /,
    );
    // Refused updates changed nothing: the completed ones are still the answers, the run goes on.
    await expect(
      server.client.workflow
        .getHandle(completing.workflowId)
        .executeUpdate('update', { updateId: '3', args: ['3'] }),
    ).resolves.toEqual(['1', '2', '3']);
  } finally {
    await server.close();
  }
});

test("time skipping's locks after a restart are those of the restored runs' outstanding work", async () => {
  const file = path.join(root, 'locks.db');
  const taskQueue = uid('persist-locks');
  const activityQueue = uid('persist-locks-activities');
  const first = await open(file);
  await first.startWorker(taskQueue);
  const handle = await first.client.workflow.start('runActivity', {
    taskQueue,
    workflowId: uid('locks'),
    args: [{ name: 'greet', args: ['again'], taskQueue: activityQueue }],
  });
  // The activity waits on a queue no worker polls: it holds a lock, as the client does.
  while (!(await handle.describe()).raw.pendingActivities?.length)
    await new Promise((r) => setTimeout(r, 10));
  expect(first.server.server.clock.timeSkipping.count).toBe(2);
  await first.close();

  const second = await open(file);
  try {
    const locks = second.server.server.clock.timeSkipping;
    expect(locks.count).toBe(2);
    await second.startWorker(taskQueue);
    await second.startWorker(activityQueue);
    await expect(second.client.workflow.getHandle(handle.workflowId).result()).resolves.toEqual({
      result: 'hello again',
    });
    expect(locks.count).toBe(1);
  } finally {
    await second.close();
  }
});
