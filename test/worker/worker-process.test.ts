// The real worker process (`npm run worker`) against the project's Temporal-compatible server and
// the test database: a checkout order goes from payment to an active service with one panel
// account and one welcome email; SIGTERM during provisioning lets the running CreateAccount
// finish, and a replacement worker completes the order without a second account or email. A
// signal during startup stops it cleanly; an activity that ignores the cancellation does not keep
// a stopping worker alive past WORKER_SHUTDOWN_FORCE_MS.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId, type CheckoutOrderInput, type OrderView } from '../../workflows/contract';
import { testPrisma } from '../setup/database';
import {
  startWorkerProcessFixture,
  type WorkerProcess,
  type WorkerProcessFixture,
} from './run-worker-process';

const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const prisma = testPrisma();
// Each worker process bundles the workflows at start (several seconds).
jest.setTimeout(180_000);
let fixture: WorkerProcessFixture;
let client: Client;
let outbox: string;

beforeAll(async () => {
  outbox = mkdtempSync(path.join(tmpdir(), 'orders-worker-outbox-'));
  fixture = await startWorkerProcessFixture({
    OUTBOX_DIR: outbox,
    SMTP_URL: '',
    WORKER_SHUTDOWN_GRACE_MS: '20000',
  });
  client = fixture.client;
});

afterAll(async () => {
  await fixture?.stop();
  rmSync(outbox, { recursive: true, force: true });
});

const startWorker = (env: Record<string, string> = {}): WorkerProcess => fixture.startWorker(env);

/** Resolves once the worker logged a JSON line with this message. */
async function logged(worker: WorkerProcess, msg: string): Promise<void> {
  const seen = () =>
    worker
      .stdout()
      .split('\n')
      .some((line) => line.includes(`"msg":"${msg}"`));
  while (!seen()) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited before "${msg}": ${worker.stderr()}`);
    await new Promise((resolve) => worker.child.stdout!.once('data', resolve));
  }
}

function checkoutInput(tag: string): CheckoutOrderInput {
  const orderId = `wp-${tag}-${Date.now()}`;
  return {
    orderId,
    clientId: `${orderId}-client`,
    currency: 'EUR',
    createdBy: { role: 'client', id: `${orderId}-client` },
    settings: { autoApprove: true, invoiceDueDays: 7, autoCancelOnExpiry: true },
    items: [
      {
        id: `${orderId}-host`,
        productId: 'vps-small',
        productType: 'hosting',
        quantity: 1,
        unitPriceCents: 1200,
      },
    ],
  };
}

async function startPaidOrder(input: CheckoutOrderInput) {
  const handle = await client.workflow.start('checkoutOrder', {
    args: [input],
    taskQueue: 'orders',
    workflowId: orderWorkflowId(input.orderId),
  });
  await handle.signal('pay', {
    actor: { role: 'system', id: 'payments' },
    fields: { amountCents: 1200, reference: `${input.orderId}-txn` },
  });
  return handle;
}

/** Resolves once a worker has started the order's CreateAccount attempt. */
async function createAccountStarted(handle: Awaited<ReturnType<typeof startPaidOrder>>): Promise<void> {
  const running = async () => {
    const { raw } = await handle.describe();
    return (raw.pendingActivities ?? []).some(
      (a) =>
        a.activityType?.name === 'createAccount' &&
        a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
  };
  while (!(await running())) await new Promise((resolve) => setTimeout(resolve, 50));
}

const welcomeFiles = (orderId: string) =>
  readdirSync(outbox).filter((f) => f.includes(`_${orderId}_welcome_`));

test('runs an order to active and stops cleanly on SIGTERM', async () => {
  const worker = startWorker();
  await logged(worker, 'worker started');
  const input = checkoutInput('ok');
  const handle = await startPaidOrder(input);
  const view = (await handle.result()) as OrderView;
  expect(view.status).toBe('active');
  expect(view.services).toEqual([
    expect.objectContaining({ status: 'active', externalAccountId: expect.any(String) }),
  ]);

  const service = await prisma.service.findFirstOrThrow({ where: { orderId: input.orderId } });
  expect(service).toMatchObject({ status: 'active', externalAccountId: view.services[0]!.externalAccountId });
  expect(await prisma.panelAccount.count({ where: { idempotencyKey: service.id } })).toBe(1);
  expect(welcomeFiles(input.orderId)).toHaveLength(1);

  worker.child.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  expect(worker.stdout()).toContain('"msg":"stopped"');
});

test('SIGTERM mid-provisioning finishes the running CreateAccount; a replacement completes the order once', async () => {
  const first = startWorker({ PROVISIONER_LATENCY_MS: '3000' });
  await logged(first, 'worker started');
  const input = checkoutInput('term');
  const handle = await startPaidOrder(input);

  // Wait until a worker has picked up the CreateAccount attempt (its panel call takes 3 s), then stop.
  const serviceId = `${input.orderId}-service-1`;
  await createAccountStarted(handle);
  first.child.kill('SIGTERM');
  expect(await first.exited).toEqual({ code: 0, signal: null });
  // The running activity was allowed to finish: the panel account exists and is recorded.
  expect(await prisma.panelAccount.count({ where: { idempotencyKey: serviceId } })).toBe(1);

  const second = startWorker();
  const view = (await handle.result()) as OrderView;
  expect(view.status).toBe('active');
  expect(view.services[0]).toMatchObject({ status: 'active', externalAccountId: `acct-${serviceId}` });
  expect(await prisma.panelAccount.count({ where: { idempotencyKey: serviceId } })).toBe(1);
  expect(welcomeFiles(input.orderId)).toHaveLength(1);
  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
});

test('SIGTERM during startup stops once the workers exist, closing the embedded database', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'orders-worker-data-'));
  const lock = path.join(dataDir, 'pg.lock');
  try {
    // The embedded Postgres (no DATABASE_URL), so an unclean end would leave its lock behind.
    const worker = startWorker({ DATABASE_URL: '', DATA_DIR: dataDir });
    await logged(worker, 'creating workers');
    expect(existsSync(lock)).toBe(true);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.stdout()).toContain('"msg":"stopping: during startup, at its next step"');
    expect(worker.stdout()).toContain('"msg":"stopped"');
    expect(existsSync(lock)).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an activity that ignores the cancellation does not keep a stopping worker past WORKER_SHUTDOWN_FORCE_MS', async () => {
  // The simulated panel's latency is a plain timer: the activity never notices the cancellation.
  const worker = startWorker({
    PROVISIONER_LATENCY_MS: '600000',
    WORKER_SHUTDOWN_GRACE_MS: '200',
    WORKER_SHUTDOWN_FORCE_MS: '1000',
  });
  await logged(worker, 'worker started');
  await createAccountStarted(await startPaidOrder(checkoutInput('stuck')));
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 1, signal: null });
  expect(worker.stderr()).toContain(
    'worker: stopped with activities still running after WORKER_SHUTDOWN_FORCE_MS=1000',
  );
  expect(worker.stdout()).toContain('"msg":"stopped with activities still running');
});
