// The Temporal workers of one process: the `orders` queue (order workflows plus their projection
// and email activities) and the `provisioning` queue (CreateAccount and sales activation, with its
// own concurrency so a slow panel cannot starve the order workflows). WORKER_TASK_QUEUES chooses
// which of the two this process serves, so they can also run as separate processes.
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Activities } from '../activities';
import { ConfigError, shutdownForceMs, type Config } from '../config';
import { activityInterceptors, workflowSpanSinks } from '../telemetry/temporal';
import { defaultWorkflowSource, workflowInterceptorModules, type WorkflowSource } from './workflow-source';

export type QueueRole = 'orders' | 'provisioning';

export type WorkersConfig = Pick<
  Config,
  | 'TEMPORAL_NAMESPACE'
  | 'ORDERS_TASK_QUEUE'
  | 'PROVISIONING_TASK_QUEUE'
  | 'WORKER_TASK_QUEUES'
  | 'PROVISIONING_CONCURRENCY'
  | 'WORKER_SHUTDOWN_GRACE_MS'
> &
  // Optional, so callers that build a WorkersConfig by hand keep compiling; loadConfig sets them.
  Partial<
    Pick<
      Config,
      | 'ORDERS_ACTIVITY_CONCURRENCY'
      | 'WORKER_MAX_CACHED_WORKFLOWS'
      | 'WORKFLOW_TASK_CONCURRENCY'
      | 'WORKER_SHUTDOWN_FORCE_MS'
    >
  >;

export interface CreateWorkersOptions {
  connection: NativeConnection;
  config: WorkersConfig;
  activities: Activities;
  workflows?: WorkflowSource;
  log?: Logger;
}

export interface QueueWorker {
  role: QueueRole;
  taskQueue: string;
  worker: Worker;
}

/**
 * The roles WORKER_TASK_QUEUES names: each entry is a role (`orders`, `provisioning`) or the
 * configured queue name of one. Unknown entries are a configuration error, not silently ignored.
 */
export function selectQueueRoles(config: WorkersConfig): QueueRole[] {
  const entries = config.WORKER_TASK_QUEUES.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const roles = new Set<QueueRole>();
  for (const entry of entries) {
    if (entry === 'orders' || entry === config.ORDERS_TASK_QUEUE) roles.add('orders');
    else if (entry === 'provisioning' || entry === config.PROVISIONING_TASK_QUEUE) roles.add('provisioning');
    else {
      throw new ConfigError(
        `WORKER_TASK_QUEUES: unknown queue "${entry}" (expected orders, provisioning, ` +
          `${config.ORDERS_TASK_QUEUE} or ${config.PROVISIONING_TASK_QUEUE})`,
      );
    }
  }
  if (roles.size === 0) throw new ConfigError('WORKER_TASK_QUEUES names no task queue');
  return [...roles];
}

/**
 * The `orders` worker's cache and concurrency. A workflow task needs its workflow in the cache, so
 * with a cache smaller than the task concurrency the concurrency is lowered to the cache size
 * (the SDK would otherwise warn and do the same); 0 disables the cache.
 */
export function ordersWorkerLimits(
  config: WorkersConfig,
): Pick<
  WorkerOptions,
  'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'
> {
  const cache = config.WORKER_MAX_CACHED_WORKFLOWS ?? 250;
  const tasks = config.WORKFLOW_TASK_CONCURRENCY ?? 40;
  return {
    maxCachedWorkflows: cache,
    maxConcurrentWorkflowTaskExecutions: cache === 0 ? tasks : Math.max(2, Math.min(tasks, cache)),
    maxConcurrentActivityTaskExecutions: config.ORDERS_ACTIVITY_CONCURRENCY ?? 100,
  };
}

/**
 * How a worker stops (SIGTERM): running activities get the grace time to finish, then are
 * cancelled; at the force time (counted from the stop request too) the worker stops even if some
 * ignored the cancellation, so that run() settles and the process can close the database and exit
 * instead of hanging on a stuck activity.
 */
export function shutdownTimes(
  config: WorkersConfig,
): Required<Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'>> {
  return { shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_MS, shutdownForceTime: shutdownForceMs(config) };
}

export async function createWorkers(options: CreateWorkersOptions): Promise<QueueWorker[]> {
  const { connection, config, activities, log } = options;
  const common = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...shutdownTimes(config),
    // Traces and the product's metrics (telemetry/); the workflow half is in the bundle.
    interceptors: { activity: activityInterceptors(), workflowModules: workflowInterceptorModules },
    sinks: workflowSpanSinks(),
  };
  const workers: QueueWorker[] = [];
  for (const role of selectQueueRoles(config)) {
    if (role === 'orders') {
      const taskQueue = config.ORDERS_TASK_QUEUE;
      const worker = await Worker.create({
        ...common,
        ...(options.workflows ?? defaultWorkflowSource()),
        taskQueue,
        activities: activities.orders,
        ...ordersWorkerLimits(config),
      });
      workers.push({ role, taskQueue, worker });
    } else {
      const taskQueue = config.PROVISIONING_TASK_QUEUE;
      const worker = await Worker.create({
        ...common,
        taskQueue,
        activities: activities.provisioning,
        maxConcurrentActivityTaskExecutions: config.PROVISIONING_CONCURRENCY,
      });
      workers.push({ role, taskQueue, worker });
    }
    log?.info({ role, taskQueue: workers[workers.length - 1]!.taskQueue }, 'worker created');
  }
  return workers;
}
