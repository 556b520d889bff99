import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createTestEnv } from '../../helpers/temporal';
import { FakeActivities } from './fake-activities';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** One server, one workflow bundle and two workers (orders, provisioning) per test file. */
export interface WorkflowTestEnv {
  readonly env: TestWorkflowEnvironment;
  readonly fakes: FakeActivities;
  readonly taskQueue: string;
  readonly provisioningTaskQueue: string;
  /** A fresh id per test, so tests of one file never share an order. */
  id(prefix: string): string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** A quiet SDK runtime, installed once per process (Runtime.install throws the second time). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // ERROR: the provisioning failures the tests provoke would otherwise log a warning per attempt.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export async function startWorkflowTestEnv(): Promise<WorkflowTestEnv> {
  installQuietRuntime();
  const env = await createTestEnv();
  const workflowBundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../../workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const fakes = new FakeActivities();
  const suffix = randomUUID().slice(0, 8);
  const taskQueue = `orders-${suffix}`;
  const provisioningTaskQueue = `provisioning-${suffix}`;
  const orders = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: fakes.orderActivities(),
  });
  const provisioning = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: provisioningTaskQueue,
    activities: fakes.provisioningActivities(),
  });
  const running = Promise.all([orders.run(), provisioning.run()]);
  let counter = 0;
  return {
    env,
    fakes,
    taskQueue,
    provisioningTaskQueue,
    id: (prefix) => `${prefix}-${suffix}-${++counter}`,
    stop: async () => {
      orders.shutdown();
      provisioning.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/**
 * Queries `status` until the predicate holds: for states reached by activities that run in real
 * time (provisioning retries), where no timer can be skipped to.
 */
export async function statusWhen<V>(
  query: () => Promise<V>,
  predicate: (view: V) => boolean,
  timeoutMs = 20_000,
): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await query();
    if (predicate(view)) return view;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
