import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { emailMessageId } from '../../activities';
import { DevServer } from '../../devserver/server';
import {
  orderWorkflowId,
  searchAttributeNames,
  type CheckoutOrderInput,
  type OrderView,
} from '../../workflows/contract';
import { startSmtpSink, type SmtpSink } from '../activities/smtp-sink';
import { testDatabaseUrl, testPrisma } from '../setup/database';
import { spawnWorker, type WorkerProcess } from '../worker/run-worker-process';

/**
 * A worker process killed with SIGKILL in the middle of provisioning (no graceful shutdown: its
 * CreateAccount attempt and any workflow task it held are simply lost) and replaced by a new one:
 * the order still ends active with exactly one panel account per service and one welcome email,
 * which arrives over SMTP exactly once.
 */
jest.setTimeout(180_000);

const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const prisma = testPrisma();
let server: DevServer;
let connection: Connection;
let client: Client;
let address: string;
let sink: SmtpSink;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = new DevServer({
    searchAttributes: Object.fromEntries(searchAttributeNames.map((name) => [name, 'Keyword'])),
  });
  address = (await server.listen()).address;
  connection = await Connection.connect({ address });
  client = new Client({ connection });
  sink = await startSmtpSink();
});

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await connection?.close();
  await server?.close();
  await sink?.close();
});

function startWorker(env: Record<string, string> = {}): WorkerProcess {
  const worker = spawnWorker({
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: testDatabaseUrl(),
    SMTP_URL: sink.url,
    LOG_LEVEL: 'warn',
    ...env,
  });
  workers.push(worker);
  return worker;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('SIGKILL mid-provisioning, then a replacement worker: one account per service, one welcome email', async () => {
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
  expect(row.emails.map((e) => e.template)).toEqual(['welcome']);
  // The order's only email, arrived once (a resend would repeat its Message-ID).
  expect(sink.messages.map((m) => m.messageId).filter((id) => id?.startsWith(`<${orderId}.`))).toEqual([
    emailMessageId(orderId, 'welcome'),
  ]);

  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
});
