import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import {
  createActivities,
  createMailer,
  emailMessageId,
  PrismaAccountStore,
  SimulatedProvisioner,
  type Mailer,
} from '../../activities';
import type { EmailTemplate } from '../../activities/contract';
import type { OrderView } from '../../workflows/contract';
import { createWorkers, type QueueWorker } from '../../worker/workers';
import { startSmtpSink, type SmtpSink } from '../activities/smtp-sink';
import { createTestEnv } from '../helpers/temporal';
import { testPrisma } from '../setup/database';
import { installQuietRuntime } from './support/environment';
import { scenarios, type ScenarioContext } from './support/scenarios';

/**
 * The representative scenarios again, now through the real activities: the Prisma projection on
 * the run's test database, email over SMTP to a server in this process, and the simulated panel
 * keeping its accounts in Postgres, all run by the project's own worker set-up (createWorkers).
 * After each scenario the database must say what the workflow's `status` says, every email the
 * scenario causes must have arrived over SMTP exactly once, and each service exactly one account.
 */

const expectedEmails: Record<string, readonly EmailTemplate[]> = {
  'checkout-auto-approve': ['welcome'],
  'checkout-review-provisioning-retry': [
    'admin_order_awaiting_review',
    'admin_provisioning_failed',
    'welcome',
  ],
  'checkout-invoice-expired': [],
  'checkout-overdue-then-paid': ['welcome'],
  'sales-scheduled-errors-retry-cancellation': [
    'customer_approval_requested',
    'customer_order_activated',
    'admin_cancellation_requested',
  ],
  'sales-offer-expired': [],
  'service-order-changes-requested': ['isv_new_service_order', 'merchant_delivery_awaiting_approval'],
  'service-listing': [],
};

const prisma = testPrisma();
let env: TestWorkflowEnvironment;
let sink: SmtpSink;
let mailer: Mailer;
let outbox: string;
let workers: QueueWorker[];
let running: Promise<unknown>;
let context: ScenarioContext;

beforeAll(async () => {
  installQuietRuntime();
  env = await createTestEnv();
  sink = await startSmtpSink();
  outbox = mkdtempSync(path.join(tmpdir(), 'workflows-full-stack-'));
  mailer = createMailer({ from: 'orders@example.test', smtpUrl: sink.url, outboxDir: outbox });
  const provisioner = new SimulatedProvisioner(new PrismaAccountStore(prisma));
  const activities = createActivities({
    prisma,
    mailer,
    provisioner,
    config: { ADMIN_EMAIL: 'admins@example.test' },
  });
  const suffix = randomUUID().slice(0, 8);
  const queues = { orders: `orders-${suffix}`, provisioning: `provisioning-${suffix}` };
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  workers = await createWorkers({
    connection: env.nativeConnection,
    config: {
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      ORDERS_TASK_QUEUE: queues.orders,
      PROVISIONING_TASK_QUEUE: queues.provisioning,
      WORKER_TASK_QUEUES: 'orders,provisioning',
      PROVISIONING_CONCURRENCY: 10,
      WORKER_SHUTDOWN_GRACE_MS: 5_000,
    },
    activities,
    workflows: { workflowBundle },
  });
  running = Promise.all(workers.map((w) => w.worker.run()));
  let counter = 0;
  context = {
    env,
    taskQueue: queues.orders,
    provisioningTaskQueue: queues.provisioning,
    id: (prefix) => `fs-${prefix}-${suffix}-${++counter}`,
    failingProducts: provisioner.failingProducts,
  };
});

afterAll(async () => {
  for (const { worker } of workers ?? []) worker.shutdown();
  await running;
  mailer?.close();
  await sink?.close();
  await env?.teardown();
  if (outbox) rmSync(outbox, { recursive: true, force: true });
});

describe('scenarios through the real activities', () => {
  it.each(Object.keys(scenarios))('%s', async (name) => {
    const handle = await scenarios[name]!(context);
    const view = (await handle.query<OrderView>('status')) as OrderView;

    if (view.kind === 'listing') {
      const listing = await prisma.serviceListing.findUniqueOrThrow({ where: { id: view.orderId } });
      expect(listing.status).toBe(view.status);
      return;
    }

    const row = await prisma.order.findUniqueOrThrow({
      where: { id: view.orderId },
      include: { invoice: true, services: { orderBy: { id: 'asc' } }, auditEntries: true, emails: true },
    });
    expect(row).toMatchObject({
      kind: view.kind,
      status: view.status,
      statusReason: view.statusReason ?? null,
    });
    expect(row.auditEntries.map((e) => e.sequence).sort((a, b) => a - b)).toEqual(
      view.transitions.map((e) => e.sequence),
    );
    if (view.invoice)
      expect(row.invoice).toMatchObject({
        status: view.invoice.status,
        amountCents: view.invoice.amountCents,
      });
    if (view.kind === 'checkout') {
      expect(row.services.map((s) => [s.id, s.status])).toEqual(
        [...view.services].sort((a, b) => a.id.localeCompare(b.id)).map((s) => [s.id, s.status]),
      );
      for (const service of view.services.filter((s) => s.externalAccountId)) {
        expect(
          await prisma.panelAccount.count({ where: { kind: 'account', idempotencyKey: service.id } }),
        ).toBe(1);
      }
    }

    // Each email the scenario causes: one email_log row, one message over SMTP.
    const expected = expectedEmails[name]!;
    expect(row.emails.map((e) => e.template).sort()).toEqual([...expected].sort());
    for (const template of expected) {
      const id = emailMessageId(view.orderId, template);
      expect(sink.messages.filter((m) => m.messageId === id || `<${m.messageId}>` === id)).toHaveLength(1);
    }
  });
});
