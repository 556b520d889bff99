// `npm run bench`: figures of the order workflows on the embedded stack, from one run (issue 4):
//   1. checkout orders per second, from creation to `active` with services provisioned and the
//      welcome email sent;
//   2. worker CPU per completed order / worker CPU per floor workflow with the same workflow tasks
//      (bench/orders/workflows.ts says why that floor), target <= 2. Order and floor batches
//      alternate, BENCH_ROUNDS of each, so that drift during the run (the heap still growing, the
//      machine's other load) weighs on both sides alike rather than on whichever ran first;
//   3. orders per second with OPEN_HIGH orders open and waiting for payment / the same with
//      OPEN_LOW open, target >= 0.9.
// The stack is the product's own: bin/temporal-devserver spawned (start-dev form, real time, so
// the open orders' due-date timers do not fire), the embedded Postgres in a temporary DATA_DIR
// (served by this process), and the real workers with the real activities in a child process
// (bench/orders/worker.ts), emails to an outbox folder. Counts come from the environment:
//   BENCH_ORDERS (100) full orders per measured batch, BENCH_ROUNDS (5) alternating order and
//   floor batches for the CPU ratio, BENCH_CONCURRENCY (20) orders in flight,
//   BENCH_OPEN_LOW (100) and BENCH_OPEN_HIGH (10000) unpaid orders, BENCH_WARMUP (100).
// Takes about 11 minutes on a 2-core machine with the defaults, most of it opening the unpaid orders.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { openDatabase } from '../../database/open-database';
import { createPrismaClient } from '../../database/prisma-client';
import { migrate } from '../../prisma/migrate';
import type { Actor } from '../../domain';
import {
  orderWorkflowId,
  searchAttributeNames,
  type CheckoutOrderInput,
  type OrderView,
} from '../../workflows/contract';
import {
  cpuSeconds,
  envCount,
  inBatches,
  report,
  rssBytes,
  spawnServer,
  threadCpuSeconds,
  workerExecArgv,
} from '../support';

const ORDERS = envCount('BENCH_ORDERS', 100);
const ROUNDS = Math.max(1, envCount('BENCH_ROUNDS', 5));
const CONCURRENCY = envCount('BENCH_CONCURRENCY', 20);
const OPEN_LOW = envCount('BENCH_OPEN_LOW', 100);
const OPEN_HIGH = envCount('BENCH_OPEN_HIGH', 10_000);
const WARMUP = envCount('BENCH_WARMUP', 100);
/** BENCH_THREADS=1 also prints the worker's CPU per thread (main, workflow threads, libuv pool). */
const THREADS = process.env.BENCH_THREADS === '1';
/** Unpaid orders are started this many at a time (only their start is waited for). */
const OPEN_CONCURRENCY = 50;
const FLOOR_TASK_QUEUE = 'bench-floor';

const CLIENT: Actor = { role: 'client', id: 'bench-client' };
const PAYMENTS: Actor = { role: 'system', id: 'bench-payments' };
const EventType = temporal.api.enums.v1.EventType;

/** The three processes whose CPU is measured. */
interface Pids {
  worker: number;
  server: number;
  bench: number;
}

type Cpu = Record<keyof Pids, number>;

function cpuOf(pids: Pids): Cpu {
  return { worker: cpuSeconds(pids.worker), server: cpuSeconds(pids.server), bench: cpuSeconds(pids.bench) };
}

function cpuSince(pids: Pids, before: Cpu): Cpu {
  const now = cpuOf(pids);
  return {
    worker: now.worker - before.worker,
    server: now.server - before.server,
    bench: now.bench - before.bench,
  };
}

/** A hosting checkout as the API places it: one hosting item (a CreateAccount job) and one other. */
function checkoutInput(orderId: string): CheckoutOrderInput {
  return {
    orderId,
    clientId: CLIENT.id,
    currency: 'EUR',
    createdBy: CLIENT,
    settings: { autoApprove: true, invoiceDueDays: 30, autoCancelOnExpiry: true },
    items: [
      { id: 'host', productId: 'vps-small', productType: 'hosting', quantity: 1, unitPriceCents: 2000 },
      { id: 'ssl', productId: 'ssl-cert', productType: 'other', quantity: 1, unitPriceCents: 500 },
    ],
  };
}

function startCheckout(client: Client, orderId: string): Promise<WorkflowHandle> {
  return client.workflow.start('checkoutOrder', {
    args: [checkoutInput(orderId)],
    taskQueue: 'orders',
    workflowId: orderWorkflowId(orderId),
  });
}

/** One full order: placed, paid, and completed (active, provisioned, welcomed). */
async function fullOrder(client: Client, orderId: string): Promise<void> {
  const handle = await startCheckout(client, orderId);
  await handle.signal('pay', { actor: PAYMENTS, fields: { amountCents: 2500, reference: `txn-${orderId}` } });
  const view = (await handle.result()) as OrderView;
  const servicesActive = view.services.length === 2 && view.services.every((s) => s.status === 'active');
  if (view.status !== 'active' || !servicesActive) {
    throw new Error(`order ${orderId} ended ${view.status} with services ${JSON.stringify(view.services)}`);
  }
}

/** CPU seconds per worker thread, summed over the batches measured (BENCH_THREADS=1). */
type ThreadCpu = Map<string, number>;

/** Runs `count` full orders named `${prefix}-i`; returns the elapsed seconds and CPU. */
async function fullOrders(
  client: Client,
  pids: Pids,
  prefix: string,
  count: number,
  threads?: ThreadCpu,
): Promise<{ seconds: number; cpu: Cpu }> {
  const before = cpuOf(pids);
  const t0 = performance.now();
  await byThread(pids.worker, threads, () =>
    inBatches(count, CONCURRENCY, (i) => fullOrder(client, `${prefix}-${i}`)),
  );
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSince(pids, before) };
}

/** Runs `work`; with BENCH_THREADS=1 adds the worker's CPU per thread meanwhile to `threads`. */
async function byThread(pid: number, threads: ThreadCpu | undefined, work: () => Promise<void>) {
  if (!THREADS || !threads) return work();
  const before = threadCpuSeconds(pid);
  await work();
  for (const [thread, cpu] of threadCpuSeconds(pid)) {
    const used = cpu - (before.get(thread) ?? 0);
    if (used > 0) threads.set(thread, (threads.get(thread) ?? 0) + used);
  }
}

/** Prints the worker's CPU ms per workflow by thread, busiest first. */
function reportThreads(label: string, threads: ThreadCpu, workflows: number): void {
  for (const [thread, cpu] of [...threads].sort((a, b) => b[1] - a[1]))
    report(`  [${label}] thread ${thread}, CPU ms per workflow`, ((cpu / workflows) * 1000).toFixed(1));
}

async function workflowTasks(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .length;
}

async function meanWorkflowTasks(client: Client, workflowIds: string[]): Promise<number> {
  let total = 0;
  await inBatches(workflowIds.length, CONCURRENCY, async (i) => {
    const tasks = await workflowTasks(client, workflowIds[i]!);
    total += tasks;
  });
  return total / workflowIds.length;
}

function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'worker.ts'), [], {
    // As `npm run worker` runs it (tsx in the main thread only). BENCH_WORKER_NODE_ARGS, e.g.
    // "--cpu-prof --cpu-prof-dir=/tmp/prof", to see where its CPU goes.
    execArgv: [...workerExecArgv, ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-orders-'));
  const db = await openDatabase({ dataDir: path.join(dataDir, 'pg') });
  await migrate(db.url);
  const prisma = createPrismaClient(db.url);

  const searchAttributes = searchAttributeNames.flatMap((name) => ['--search-attribute', `${name}=Keyword`]);
  const { child: server, port } = await spawnServer((p) => [
    'server',
    'start-dev',
    '--port',
    String(p),
    ...searchAttributes,
  ]);
  const address = `127.0.0.1:${port}`;
  const outbox = path.join(dataDir, 'outbox');
  const worker = await startWorker({
    ...process.env,
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    OUTBOX_DIR: outbox,
    SMTP_URL: '',
    LOG_LEVEL: 'error',
    BENCH_FLOOR_TASK_QUEUE: FLOOR_TASK_QUEUE,
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const pids: Pids = { worker: worker.pid!, server: server.pid!, bench: process.pid };

  /** Starts `count` unpaid orders and waits until the worker has projected each one (pending). */
  let open = 0;
  const openOrders = async (total: number): Promise<void> => {
    const from = open;
    await inBatches(total - from, OPEN_CONCURRENCY, (i) => startCheckout(client, `open-${from + i}`));
    open = total;
    for (;;) {
      const pending = await prisma.order.count({ where: { id: { startsWith: 'open-' }, status: 'pending' } });
      if (pending >= total) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  console.log(
    `checkout orders (one hosting + one other item, auto-approve on) on the embedded stack: ` +
      `batches of ${ORDERS}, ${CONCURRENCY} in flight`,
  );
  // Warm-up: the workflow bundle is loaded, caches and connections filled, and the code an order
  // runs (the SDK's, Prisma's, ours) compiled by V8's optimizing tiers before anything counts. With
  // 10 warm-up orders the first measured batch still paid for compilation: 70-80 ms of worker CPU
  // per order, against about 55 ms once warm.
  await inBatches(WARMUP, CONCURRENCY, (i) => fullOrder(client, `warm-${i}`));

  // 1 and 2. With OPEN_LOW orders waiting for payment: ROUNDS batches of full orders alternating
  // with batches of floor workflows, whose activity count comes from the first order batch.
  await openOrders(OPEN_LOW);
  const runFloor = async (id: string, activities: number) => {
    const handle = await client.workflow.start('floorOrder', {
      args: [activities],
      taskQueue: FLOOR_TASK_QUEUE,
      workflowId: id,
    });
    await handle.signal('go');
    await handle.result();
  };
  const orderThreads: ThreadCpu = new Map();
  const floorThreads: ThreadCpu = new Map();
  const low = { seconds: 0, cpu: { worker: 0, server: 0, bench: 0 } as Cpu };
  const floor: Cpu = { worker: 0, server: 0, bench: 0 };
  const add = (sum: Cpu, cpu: Cpu) => {
    for (const key of Object.keys(sum) as (keyof Cpu)[]) sum[key] += cpu[key];
  };
  const orderIds: string[] = [];
  const floorIds: string[] = [];
  let floorActivities = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const batch = await fullOrders(client, pids, `low-${round}`, ORDERS, orderThreads);
    low.seconds += batch.seconds;
    add(low.cpu, batch.cpu);
    orderIds.push(...Array.from({ length: ORDERS }, (_, i) => orderWorkflowId(`low-${round}-${i}`)));
    if (round === 0) {
      const tasks = await meanWorkflowTasks(client, orderIds);
      floorActivities = Math.max(0, Math.round(tasks) - 2);
      await inBatches(WARMUP, CONCURRENCY, (i) => runFloor(`floor-warm-${i}`, floorActivities));
    }
    const floorBefore = cpuOf(pids);
    await byThread(pids.worker, floorThreads, () =>
      inBatches(ORDERS, CONCURRENCY, (i) => runFloor(`floor-${round}-${i}`, floorActivities)),
    );
    add(floor, cpuSince(pids, floorBefore));
    floorIds.push(...Array.from({ length: ORDERS }, (_, i) => `floor-${round}-${i}`));
  }
  const measured = ORDERS * ROUNDS;
  const lowRate = measured / low.seconds;
  if (THREADS) reportThreads('orders', orderThreads, measured);
  report(`checkout orders per second, created to active + welcome`, lowRate.toFixed(1));
  if (THREADS) reportThreads('floor', floorThreads, measured);

  const orderTasks = await meanWorkflowTasks(client, orderIds);
  const floorTasks = await meanWorkflowTasks(client, floorIds);
  // Per workflow task, so a floor that came out a task short or long is still compared fairly.
  const perTask = (cpu: number, tasks: number) => cpu / measured / tasks;
  const workerRatio = perTask(low.cpu.worker, orderTasks) / perTask(floor.worker, floorTasks);
  const withServer =
    perTask(low.cpu.worker + low.cpu.server, orderTasks) / perTask(floor.worker + floor.server, floorTasks);
  report(`worker CPU per order / per floor workflow (server excluded)`, `${workerRatio.toFixed(2)}x`, '<= 2');
  report(`  order and floor batches measured, alternating`, `${ROUNDS} + ${ROUNDS}`);
  report(`  the same, worker + Temporal server CPU`, `${withServer.toFixed(2)}x`);
  report(
    `  workflow tasks per order, per floor workflow`,
    `${orderTasks.toFixed(1)}, ${floorTasks.toFixed(1)}`,
  );
  const msPer = (seconds: number) => ((seconds / measured) * 1000).toFixed(1);
  report(`  worker CPU ms per order, per floor workflow`, `${msPer(low.cpu.worker)}, ${msPer(floor.worker)}`);
  report(`  server CPU ms per order, per floor workflow`, `${msPer(low.cpu.server)}, ${msPer(floor.server)}`);
  report(`  embedded Postgres + client CPU ms per order (not in ratio)`, msPer(low.cpu.bench));

  // 3. Throughput with OPEN_HIGH orders waiting for payment.
  const t0 = performance.now();
  await openOrders(OPEN_HIGH);
  const openSeconds = (performance.now() - t0) / 1000;
  report(
    `  unpaid orders opened per second (${OPEN_HIGH - OPEN_LOW})`,
    ((OPEN_HIGH - OPEN_LOW) / openSeconds).toFixed(1),
  );
  const highThreads: ThreadCpu = new Map();
  const high = await fullOrders(client, pids, 'high', ORDERS, highThreads);
  if (THREADS) reportThreads('high', highThreads, ORDERS);
  const highRate = ORDERS / high.seconds;
  report(`checkout orders per second with ${OPEN_HIGH} open`, highRate.toFixed(1));
  // Bounded by WORKER_MAX_CACHED_WORKFLOWS: the open orders do not all stay in the worker's memory.
  report(`  worker RSS MB with ${OPEN_HIGH} open`, (rssBytes(pids.worker) / 2 ** 20).toFixed(0));
  report(`  the same with ${OPEN_LOW} open`, lowRate.toFixed(1));
  // Where a change of rate comes from: each process's CPU per order in both batches.
  const perOrder = (cpu: Cpu, orders: number) =>
    `${[cpu.worker, cpu.server, cpu.bench].map((s) => ((s / orders) * 1000).toFixed(1)).join(', ')}`;
  report(
    `  worker, server, Postgres + client CPU ms per order, ${OPEN_HIGH} open`,
    perOrder(high.cpu, ORDERS),
  );
  report(`  the same, ${OPEN_LOW} open`, perOrder(low.cpu, measured));
  report(
    `orders per second, ${OPEN_HIGH} open / ${OPEN_LOW} open`,
    `${(highRate / lowRate).toFixed(2)}x`,
    '>= 0.9',
  );

  // Every measured order has its welcome emails logged (one per service, named welcome/<service>;
  // the workflow completes only after them).
  const welcomed = (
    await prisma.emailLog.findMany({
      where: {
        template: { startsWith: 'welcome/' },
        OR: [{ orderId: { startsWith: 'low-' } }, { orderId: { startsWith: 'high-' } }],
      },
      distinct: ['orderId'],
      select: { orderId: true },
    })
  ).length;
  if (welcomed !== measured + ORDERS)
    throw new Error(`expected ${measured + ORDERS} welcome emails logged, found ${welcomed}`);

  worker.send({ stop: true });
  await new Promise((r) => worker.once('exit', r));
  await connection.close();
  server.kill('SIGKILL');
  await prisma.$disconnect();
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
