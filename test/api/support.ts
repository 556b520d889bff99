// One API under test per file, through the real parts: the run's Postgres (projection), the
// project's Temporal-compatible server (time skipping), a real worker with the real activities,
// and createApp driven by supertest.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Application } from 'express';
import request from 'supertest';
import {
  createActivities,
  createMailer,
  PrismaAccountStore,
  SimulatedProvisioner,
  type Mailer,
} from '../../activities';
import { createApp } from '../../api/app';
import { issueApiKey } from '../../api/auth/keys';
import { loadConfig } from '../../config';
import { createLogger } from '../../config/logger';
import type { Role } from '../../domain';
import type { PrismaClient } from '../../generated/prisma/client';
import { orderWorkflowId, type OrderView } from '../../workflows/contract';
import { createWorkers, type QueueWorker } from '../../worker/workers';
import { eventually } from '../helpers/eventually';
import { createTestEnv } from '../helpers/temporal';
import { orderWorkflowBundle } from '../helpers/workflow-bundle';
import { testPrisma } from '../setup/database';
import { installQuietRuntime } from '../workflows/support/environment';

export interface Caller {
  readonly role: Role;
  readonly subjectId: string;
  readonly key: string;
  readonly auth: { Authorization: string };
}

export interface ApiTestEnv {
  readonly app: Application;
  readonly env: TestWorkflowEnvironment;
  readonly prisma: PrismaClient;
  readonly admin: Caller;
  readonly failingProducts: Set<string>;
  /** A fresh id with this prefix, unique to the file's run. */
  id(prefix: string): string;
  /** A new principal (and its party) issued through POST /principals. */
  caller(role: Role, subjectId?: string): Promise<Caller>;
  /** A new active product through POST /products. */
  product(fields?: { type?: 'hosting' | 'other'; priceCents?: number }): Promise<string>;
  /** The order as its workflow reports it. */
  status(orderId: string): Promise<OrderView>;
  stop(): Promise<void>;
}

export async function startApiTestEnv(): Promise<ApiTestEnv> {
  installQuietRuntime();
  const prisma = testPrisma();
  const env = await createTestEnv();
  const suffix = randomUUID().slice(0, 8);
  const outbox = mkdtempSync(path.join(tmpdir(), 'api-test-outbox-'));
  const config = loadConfig({
    ORDERS_TASK_QUEUE: `api-orders-${suffix}`,
    PROVISIONING_TASK_QUEUE: `api-provisioning-${suffix}`,
    WORKER_TASK_QUEUES: 'orders,provisioning',
    PROVISIONING_CONCURRENCY: '10',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    OUTBOX_DIR: outbox,
    LOG_LEVEL: 'silent',
  });
  const mailer: Mailer = createMailer({ from: 'orders@example.test', outboxDir: outbox });
  const provisioner = new SimulatedProvisioner(new PrismaAccountStore(prisma));
  const activities = createActivities({ prisma, mailer, provisioner, config });
  const workflowBundle = await orderWorkflowBundle();
  const workers: QueueWorker[] = await createWorkers({
    connection: env.nativeConnection,
    config: { ...config, TEMPORAL_NAMESPACE: env.namespace ?? 'default' },
    activities,
    workflows: { workflowBundle },
  });
  const running = Promise.all(workers.map((w) => w.worker.run()));
  const app = createApp({
    prisma,
    temporal: env.client,
    config,
    logger: createLogger('api-test', 'silent'),
  });
  let counter = 0;
  const id = (prefix: string) => `${prefix}-${suffix}-${++counter}`;
  const adminKey = (await issueApiKey(prisma, { role: 'admin', label: 'api tests' })).key;
  const admin: Caller = {
    role: 'admin',
    subjectId: '',
    key: adminKey,
    auth: { Authorization: `Bearer ${adminKey}` },
  };
  return {
    app,
    env,
    prisma,
    admin,
    failingProducts: provisioner.failingProducts,
    id,
    async caller(role, subjectId = id(role)) {
      const res = await request(app)
        .post('/principals')
        .set(admin.auth)
        .send({ role, ...(role === 'system' ? {} : { subjectId }), name: `Test ${role}` });
      if (res.status !== 201) throw new Error(`POST /principals: ${res.status} ${JSON.stringify(res.body)}`);
      const key = res.body.key as string;
      return { role, subjectId, key, auth: { Authorization: `Bearer ${key}` } };
    },
    async product(fields = {}) {
      const res = await request(app)
        .post('/products')
        .set(admin.auth)
        .send({
          id: id('prod'),
          name: 'Test product',
          type: fields.type ?? 'other',
          priceCents: fields.priceCents ?? 1500,
          currency: 'USD',
          billingCycle: 'monthly',
        });
      if (res.status !== 201) throw new Error(`POST /products: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    status: (orderId) => env.client.workflow.getHandle(orderWorkflowId(orderId)).query<OrderView>('status'),
    async stop() {
      for (const { worker } of workers) worker.shutdown();
      await running.catch((error: unknown) => {
        // The SDK 1.24's native finalize, after the worker has drained and stopped, sometimes
        // still finds a second reference to it and throws; the run is over either way, and the
        // server, mailer and folder below must still be closed. Any other error is a failure.
        if (!(error instanceof Error && error.message.startsWith('Worker still in use'))) throw error;
      });
      mailer.close();
      await env.teardown();
      rmSync(outbox, { recursive: true, force: true });
    },
  };
}

export { eventually };
