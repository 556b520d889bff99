import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  createActivities,
  createMailer,
  PrismaAccountStore,
  SimulatedProvisioner,
} from '../../../activities';
import type { OrderView } from '../../../workflows/contract';
import { createPrismaClient } from '../../../database/prisma-client';
import { createWorkers } from '../../../worker/workers';
import { startSmtpSink } from '../../activities/smtp-sink';
import { createTestEnv, type TestEnvOptions } from '../../helpers/temporal';
import { orderWorkflowBundle } from '../../helpers/workflow-bundle';
import { testDatabaseUrl } from '../../setup/database';
import { ActivityObserver, RecordingProvisioner } from './observer';
import { installQuietRuntime } from './runtime';

/** The API's public address the emails are written with (PUBLIC_API_URL). */
export const PUBLIC_API_URL = 'https://orders.example.test';
export { installQuietRuntime } from './runtime';
export { statusWhen } from './wait';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The workflow's `status` query, as the scenarios read it. */
export const status = (handle: WorkflowHandle) => handle.query<OrderView>('status');
/** The order id behind an `order-<orderId>` workflow. */
export const orderIdOf = (handle: WorkflowHandle) => handle.workflowId.replace(/^order-/, '');

/**
 * One server, one workflow bundle and the product's two workers (orders, provisioning) per test
 * file, running the real activities: the Prisma projection on the run's test database, email over
 * SMTP to a server in this process, the simulated panel keeping its accounts in Postgres.
 */
export interface WorkflowTestEnv {
  readonly env: TestWorkflowEnvironment;
  /** What the activities did, read from SMTP, Postgres and the panel. */
  readonly observed: ActivityObserver;
  readonly taskQueue: string;
  readonly provisioningTaskQueue: string;
  /** A fresh id per test, so tests of one file (and files sharing the database) never share an order. */
  id(prefix: string): string;
  /** Stops workers, server, SMTP and database client; throws if any email arrived twice. */
  stop(): Promise<void>;
}

/**
 * A test file's environment: started before its tests, stopped after them. With checkProjections
 * (the default), Postgres and SMTP must come to agree with the `status` query of every order each
 * test touched. The object forwards to the environment once beforeAll has started it.
 */
export function useWorkflowTestEnv({
  checkProjections = true,
  temporal = {},
}: {
  checkProjections?: boolean;
  /** The server's options (e.g. its dynamic config). */
  temporal?: TestEnvOptions;
} = {}): WorkflowTestEnv {
  let current: WorkflowTestEnv | undefined;
  beforeAll(async () => {
    current = await startWorkflowTestEnv(temporal);
  });
  afterAll(async () => {
    await current?.stop();
  });
  if (checkProjections) afterEach(() => current!.observed.expectProjectionsAgree());
  const started = (): WorkflowTestEnv => {
    if (!current) throw new Error('the workflow test environment is used before beforeAll started it');
    return current;
  };
  // Reads, spreads and `in` all go to the started environment.
  return new Proxy({} as WorkflowTestEnv, {
    get: (_, key) => Reflect.get(started(), key),
    has: (_, key) => Reflect.has(started(), key),
    ownKeys: () => Reflect.ownKeys(started()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(started(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

export async function startWorkflowTestEnv(temporal: TestEnvOptions = {}): Promise<WorkflowTestEnv> {
  installQuietRuntime();
  const env = await createTestEnv(temporal);
  const sink = await startSmtpSink();
  // Its own client (not the file's testPrisma()), closed only after the workers have stopped.
  const prisma = createPrismaClient(testDatabaseUrl());
  // With an SMTP URL the outbox folder is never written.
  const mailer = createMailer({
    from: 'orders@example.test',
    smtpUrl: sink.url,
    outboxDir: path.join(tmpdir(), 'unused'),
  });
  const panel = new SimulatedProvisioner(new PrismaAccountStore(prisma));
  const provisioner = new RecordingProvisioner(panel);
  const activities = createActivities({
    prisma,
    mailer,
    provisioner,
    config: { ADMIN_EMAIL: 'admins@example.test', publicApiUrl: PUBLIC_API_URL },
  });
  const observed = new ActivityObserver({
    prisma,
    sink,
    provisioner,
    failingProducts: panel.failingProducts,
    client: env.client,
  });

  const suffix = randomUUID().slice(0, 8);
  const taskQueue = `orders-${suffix}`;
  const provisioningTaskQueue = `provisioning-${suffix}`;
  const workflowBundle = await orderWorkflowBundle();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    config: {
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      ORDERS_TASK_QUEUE: taskQueue,
      PROVISIONING_TASK_QUEUE: provisioningTaskQueue,
      WORKER_TASK_QUEUES: 'orders,provisioning',
      PROVISIONING_CONCURRENCY: 10,
      WORKER_SHUTDOWN_GRACE_MS: 5_000,
    },
    activities: { ...activities, orders: observed.watchProjection(activities.orders) },
    workflows: { workflowBundle },
  });
  const running = Promise.all(workers.map((w) => w.worker.run()));
  let counter = 0;
  return {
    env,
    observed,
    taskQueue,
    provisioningTaskQueue,
    id: (prefix) => `${prefix}-${suffix}-${++counter}`,
    stop: async () => {
      for (const { worker } of workers) worker.shutdown();
      try {
        await running;
      } finally {
        mailer.close();
        await sink.close();
        await env.teardown();
        await prisma.$disconnect();
      }
      const duplicates = observed.duplicateMessageIds();
      if (duplicates.length > 0) throw new Error(`emails arrived more than once: ${duplicates.join(', ')}`);
    },
  };
}
