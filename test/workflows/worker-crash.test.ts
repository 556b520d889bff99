import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { emailMessageId } from '../../activities';
import { orderWorkflowId, type CheckoutOrderInput, type OrderView } from '../../workflows/contract';
import { startSmtpSink, type SmtpSink } from '../activities/smtp-sink';
import { testPrisma } from '../setup/database';
import {
  startWorkerProcessFixture,
  type WorkerProcess,
  type WorkerProcessFixture,
} from '../worker/run-worker-process';

/**
 * A worker process killed with SIGKILL in the middle of provisioning (no graceful shutdown: its
 * CreateAccount attempt and any workflow task it held are simply lost) and replaced by a new one:
 * the order still ends active with exactly one panel account per service and one welcome email,
 * which arrives over SMTP exactly once.
 */
jest.setTimeout(180_000);

const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const prisma = testPrisma();
let fixture: WorkerProcessFixture;
let client: Client;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  fixture = await startWorkerProcessFixture({ SMTP_URL: sink.url, LOG_LEVEL: 'warn' });
  client = fixture.client;
});

afterAll(async () => {
  await fixture?.stop();
  await sink?.close();
});

const startWorker = (env: Record<string, string> = {}): WorkerProcess => fixture.startWorker(env);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('SIGKILL mid-provisioning, then a replacement worker: one account per service, one welcome email each', async () => {
  const orderId = `crash-${Date.now()}`;
  const clientId = `${orderId}-client`;
  const input: CheckoutOrderInput = {
    orderId,
    clientId,
    currency: 'EUR',
    createdBy: { role: 'client', id: clientId },
    settings: { autoApprove: true, invoiceDueDays: 7, autoCancelOnExpiry: true },
    items: [
      {
        id: `${orderId}-a`,
        productId: 'vps-small',
        productType: 'hosting',
        quantity: 1,
        unitPriceCents: 1200,
      },
      {
        id: `${orderId}-b`,
        productId: 'vps-large',
        productType: 'hosting',
        quantity: 1,
        unitPriceCents: 3400,
      },
    ],
    // A lost attempt is retried once its start-to-close timeout has passed.
    provisioning: { startToCloseTimeoutMs: 5_000, initialIntervalMs: 200 },
  };

  const first = startWorker({ PROVISIONER_LATENCY_MS: '3000' });
  const handle = await client.workflow.start('checkoutOrder', {
    args: [input],
    taskQueue: 'orders',
    workflowId: orderWorkflowId(orderId),
  });
  await handle.signal('pay', {
    actor: { role: 'system', id: 'payments' },
    fields: { amountCents: 4600, reference: `${orderId}-txn` },
  });

  await until('CreateAccount attempts to run', async () => {
    const { raw } = await handle.describe();
    return (raw.pendingActivities ?? []).some(
      (a) =>
        a.activityType?.name === 'createAccount' &&
        a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
  });
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  const second = startWorker();
  const view = (await handle.result()) as OrderView;
  expect(view.status).toBe('active');
  expect(view.services.map((s) => s.status)).toEqual(['active', 'active']);
  for (const service of view.services) {
    expect(service.externalAccountId).toBe(`acct-${service.id}`);
    expect(await prisma.panelAccount.count({ where: { kind: 'account', idempotencyKey: service.id } })).toBe(
      1,
    );
  }
  const row = await prisma.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { services: true, emails: true },
  });
  expect(row.status).toBe('active');
  expect(row.services.map((s) => s.status).sort()).toEqual(['active', 'active']);
  const welcomes = view.services.map((s) => s.orderItemId);
  expect(row.emails.map((e) => e.template).sort()).toEqual(
    ['order_confirmation', 'payment_receipt', ...welcomes.map((item) => `welcome/${item}`)].sort(),
  );
  // The order's emails, each arrived once (a resend would repeat its Message-ID).
  expect(
    sink.messages
      .map((m) => m.messageId)
      .filter((id) => id?.startsWith(`<${orderId}.`))
      .sort(),
  ).toEqual(
    [
      emailMessageId(orderId, 'order_confirmation'),
      emailMessageId(orderId, 'payment_receipt'),
      ...welcomes.map((item) => emailMessageId(orderId, 'welcome', item)),
    ].sort(),
  );

  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
});
