import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
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
  return bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows/conformance'),
    logger: new DefaultLogger('WARN'),
  });
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

export const uid = (prefix: string): string => `${prefix}-${randomUUID()}`;
