import { randomUUID } from 'node:crypto';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkerOptions,
} from '@temporalio/worker';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startDevServer } from '../../devserver';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestEnv, type TestEnvOptions } from '../helpers/temporal';
import { testWorkflowBundle } from '../helpers/workflow-bundle';
import * as activities from './activities';

/** Installs a quiet SDK runtime once per process (Runtime.install throws the second time). */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}

export type WorkflowBundle = Awaited<ReturnType<typeof bundleWorkflowCode>>;

export async function bundleConformanceWorkflows(): Promise<WorkflowBundle> {
  return testWorkflowBundle('conformance', __filename, () =>
    bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows/conformance'),
      logger: new DefaultLogger('WARN'),
    }),
  );
}

/** A test file's embedded server and conformance bundle: set up before its tests, torn down after. */
export interface ConformanceEnv {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundle;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useConformanceEnv(envOptions: TestEnvOptions = {}): ConformanceEnv {
  const state: { env?: TestWorkflowEnvironment; bundle?: WorkflowBundle } = {};
  beforeAll(async () => {
    quietRuntime();
    [state.env, state.bundle] = await Promise.all([createTestEnv(envOptions), bundleConformanceWorkflows()]);
  });
  afterAll(async () => {
    await state.env?.teardown();
  });
  return {
    get env() {
      return state.env!;
    },
    get bundle() {
      return state.bundle!;
    },
  };
}

/** The two worker cache settings every behaviour is checked with. */
export const CACHE_MODES: [string, number | undefined][] = [
  ['default cache (sticky)', undefined],
  ['no cache (full history)', 0],
];

export interface RunningWorker {
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** Starts a worker on a fresh task queue and runs it until stop(). */
export async function startWorker(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  options: Partial<WorkerOptions> = {},
): Promise<RunningWorker> {
  const taskQueue = options.taskQueue ?? `tq-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle,
    activities,
    ...options,
  });
  const running = worker.run();
  return {
    taskQueue,
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

/** Runs `body` with a worker started as startWorker does, and stops the worker however it ends. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundle,
  options: Partial<WorkerOptions>,
  body: (worker: RunningWorker) => Promise<T>,
): Promise<T> {
  const w = await startWorker(env, workflowBundle, options);
  try {
    return await body(w);
  } finally {
    await w.stop();
  }
}

/**
 * A worker for the enclosing describe block: started (on a fresh task queue) before its tests,
 * stopped after them. The fields are the running worker's once beforeAll has run.
 */
export function useWorker(t: ConformanceEnv, options: Partial<WorkerOptions> = {}): RunningWorker {
  let w: RunningWorker | undefined;
  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle, options);
  });
  afterAll(async () => {
    await w?.stop();
  });
  return {
    get taskQueue() {
      return w!.taskQueue;
    },
    get worker() {
      return w!.worker;
    },
    stop: () => w!.stop(),
  };
}

/** The tests of `body`, once per CACHE_MODES setting, each with its own worker (useWorker). */
export function describeEachCacheMode(
  t: ConformanceEnv,
  body: (w: RunningWorker, maxCachedWorkflows: number | undefined) => void,
): void {
  describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
    body(useWorker(t, { maxCachedWorkflows }), maxCachedWorkflows);
  });
}

export const uid = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** Takes the pending task off a normal queue as a worker would (a raw poll); returns the task. */
export async function takeTask(
  env: TestWorkflowEnvironment,
  taskQueue: string,
): Promise<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse & { taskToken: Uint8Array }> {
  const task = await env.client.workflowService.pollWorkflowTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    identity: 'raw-poller',
  });
  if (!task.taskToken?.length) throw new Error('no workflow task to take');
  return task as typeof task & { taskToken: Uint8Array };
}

/** The query is sent; isSettled tells whether it has been answered (or failed) yet. */
export function pendingQuery<T>(handle: WorkflowHandle, queryType: string) {
  let settled = false;
  const answer = handle.query<T>(queryType).finally(() => (settled = true));
  return { answer, isSettled: () => settled };
}

/**
 * A server keeping its state in `file`, with a client and a worker on `taskQueue`: what a restart
 * test opens, closes (as a clean stop) and opens again on the same file.
 */
export async function openPersistentServer(
  file: string,
  taskQueue: string,
  workflowBundle: WorkflowBundle,
): Promise<{ client: Client; close(): Promise<void> }> {
  const server = await startDevServer({ dbFilename: file });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle, activities });
  const running = worker.run();
  return {
    client,
    async close() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await server.close();
    },
  };
}
