/**
 * The "Judged by" check, end to end: `npm start` (start/main.ts) as a child process with
 * PORT, TEMPORAL_PORT, DATA_DIR and BOOTSTRAP_ADMIN_KEY, driven only through HTTP and the official
 * TestService (to skip time): one order of each lifecycle to its final status and history, actors
 * confined to their own orders, a SIGKILL with open orders of every lifecycle that a restart brings
 * back (their timers included), a clean SIGTERM, and a restart that keeps the data and prints no
 * demo keys again.
 */
import type { OrderResource } from '../../api/resources';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { connectTimeSkipper, type TimeSkipper } from '../../start/time-skipping';
import { testDatabaseMode, testDatabaseUrl } from '../setup/database';
import { freePort, printedDemoKeys, spawnStart, type PrintedKey, type StartProcess } from './start-process';

const DAY = 86_400_000;
const BOOTSTRAP_ADMIN_KEY = `e2e-bootstrap-${process.pid}-admin-key`;
/** Generous: the first start bundles the workflow code. */
const START_TIMEOUT = 180_000;

jest.setTimeout(240_000);

/** An order as the API answers it (its OpenAPI schema). */
type Order = OrderResource;

let dataDir: string;
let database: { url?: string; dispose(): Promise<void> } = { dispose: async () => undefined };
let env: Record<string, string>;
let proc: StartProcess | undefined;
let api: string;
let skipper: TimeSkipper | undefined;
let keys: Map<string, PrintedKey>;

async function call(key: string, method: string, url: string, body?: unknown) {
  const response = await fetch(`${api}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Calls and expects a 2xx, returning the body. */
async function ok<T = Record<string, unknown>>(key: string, method: string, url: string, body?: unknown) {
  const res = await call(key, method, url, body);
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${method} ${url} -> ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body as T;
}

function keyOf(role: string): string {
  const k = keys.get(role);
  if (!k) throw new Error(`no demo key printed for ${role}`);
  return k.key;
}

/** Re-reads the order until it satisfies check (workflows and their activities run on their own). */
async function orderWhen(
  key: string,
  id: string,
  check: (o: Order) => boolean,
  what: string,
): Promise<Order> {
  const deadline = Date.now() + 60_000;
  let last: Order | undefined;
  while (Date.now() < deadline) {
    last = await ok<Order>(key, 'GET', `/orders/${id}`);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`order ${id} never became ${what}; last seen: ${JSON.stringify(last)}`);
}

const actions = (o: Order) => o.history.filter((h) => h.outcome === 'accepted').map((h) => h.action);

async function start(): Promise<StartProcess> {
  const p = spawnStart(env);
  proc = p;
  await p.ready;
  return p;
}

async function stop(
  p: StartProcess,
  signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  p.signal(signal);
  const result = await p.exited;
  proc = undefined;
  return result;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'npm-start-e2e-'));
  const port = await freePort();
  let temporalPort = await freePort();
  while (temporalPort === port) temporalPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === port || httpPort === temporalPort) httpPort = await freePort();
  database = await databaseForStart();
  env = {
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_HTTP_PORT: String(httpPort),
    DATA_DIR: dataDir,
    BOOTSTRAP_ADMIN_KEY,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  api = `http://localhost:${port}`;
  const first = await start();
  keys = printedDemoKeys(first.stdout());
  skipper = await connectTimeSkipper(`127.0.0.1:${temporalPort}`);
}, START_TIMEOUT);

afterAll(async () => {
  await skipper?.close();
  if (proc) {
    proc.kill();
    await proc.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
  await database.dispose();
});

/**
 * When the run uses a PostgreSQL server (DATABASE_URL), `npm start` gets an empty database of its
 * own there (it migrates it itself); otherwise it starts the embedded Postgres under DATA_DIR.
 */
async function databaseForStart(): Promise<typeof database> {
  if (testDatabaseMode() !== 'server') return { dispose: async () => undefined };
  const admin = async (sql: string) => {
    const client = new PgClient({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // (named like the run's throwaway databases, so a killed run's copy is dropped by a later run)
  const name = `orders_test_${process.pid}_${Date.now()}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), dispose: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

let hosting: string;
let other: string;
let paidCheckout: Order;
let salesOrder: Order;
let serviceOrder: Order;

test('first start: ready, a demo key per role, the bootstrap admin key works', async () => {
  expect(proc!.stdout()).toContain('Demo API keys');
  expect(proc!.stdout()).toContain(
    database.url ? 'Database         DATABASE_URL' : `embedded Postgres in ${dataDir}`,
  );
  expect([...keys.keys()].sort()).toEqual(
    ['admin', 'client', 'customer', 'isv', 'merchant', 'salesperson', 'system'].sort(),
  );
  const ready = await fetch(`${api}/health/ready`);
  expect(ready.status).toBe(200);
  const products = await ok<{ data: { id: string; type: string }[] }>(
    BOOTSTRAP_ADMIN_KEY,
    'GET',
    '/products',
  );
  hosting = products.data.find((p) => p.type === 'hosting')!.id;
  other = products.data.find((p) => p.type === 'other')!.id;
  expect(hosting && other).toBeTruthy();
  // The defaults, stated: admin approval, invoices due in 7 days, unpaid invoices cancel the order.
  await ok(BOOTSTRAP_ADMIN_KEY, 'PUT', '/settings', {
    autoApprove: false,
    invoiceDueDays: 7,
    autoCancelOnExpiry: true,
  });
});

test('checkout: paid, approved, services active, welcome email in the outbox', async () => {
  const client = keyOf('client');
  const created = await ok<Order>(client, 'POST', '/orders', {
    kind: 'checkout',
    items: [{ productId: hosting }, { productId: other, quantity: 2 }],
  });
  expect(created.status).toBe('pending');
  expect(created.invoice).toMatchObject({ status: 'unpaid' });
  await ok(client, 'POST', `/orders/${created.id}/actions/pay`, {
    amountCents: created.invoice!.amountCents,
    reference: `e2e-pay-${created.id}`,
  });
  await orderWhen(client, created.id, (o) => o.invoice?.status === 'paid', 'paid');
  await ok(keyOf('admin'), 'POST', `/orders/${created.id}/actions/approve`, {});
  paidCheckout = await orderWhen(
    client,
    created.id,
    (o) => o.status === 'active' && o.services.length === 2 && o.services.every((s) => s.status === 'active'),
    'active with active services',
  );
  // the order's transitions, then one activation per service, shown as that service's step
  expect(actions(paidCheckout)).toEqual(['create', 'pay', 'approve', 'activate', 'activate']);
  const activations = paidCheckout.history.filter((h) => h.action === 'activate');
  expect(activations.map((h) => h.service).sort()).toEqual(paidCheckout.services.map((s) => s.id).sort());
  for (const entry of activations)
    expect(entry).toMatchObject({ actor: { role: 'system' }, from: 'pending', to: 'active' });
  expect(paidCheckout.history.filter((h) => h.action !== 'activate').every((h) => h.service === null)).toBe(
    true,
  );
  expect(paidCheckout.history.find((h) => h.action === 'approve')).toMatchObject({
    from: 'pending',
    to: 'active',
    actor: { role: 'admin' },
  });
  const outbox = path.join(dataDir, 'outbox');
  // One welcome per service; the hosting service's names its panel login.
  // (unfolding the headers and quoted-printable soft line breaks of each .eml)
  const text = await eventually(() => {
    const texts = readdirSync(outbox)
      .filter((f) => f.includes(created.id) && f.includes('_welcome_'))
      .map((f) =>
        readFileSync(path.join(outbox, f), 'utf8')
          .replace(/=\r?\n/g, '')
          .replace(/\r?\n[ \t]+/g, ' '),
      );
    return texts.find((t) => /^Subject: Your .+ is ready \(order [^)]+\): login acct-/m.test(t));
  }, 'welcome email with the login');
  expect(text).toContain(`(order ${created.id})`);
  expect(text).toMatch(/^To: demo-client@example\.com/m);
});

test("the embedded server's HTTP API: the order's run found by OrderStatus, its status query", async () => {
  const temporal = `http://127.0.0.1:${env.TEMPORAL_HTTP_PORT}/api/v1/namespaces/default`;
  const query = encodeURIComponent(`OrderStatus = "active" AND WorkflowId = "order-${paidCheckout.id}"`);
  type Payload = { data: string };
  const list = (await (await fetch(`${temporal}/workflows?query=${query}`)).json()) as {
    executions: {
      execution: { workflowId: string };
      searchAttributes: { indexedFields: Record<string, Payload> };
    }[];
  };
  const decode = (p: Payload): unknown => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8'));
  expect(list.executions.map((e) => e.execution.workflowId)).toEqual([`order-${paidCheckout.id}`]);
  expect(decode(list.executions[0]!.searchAttributes.indexedFields.OrderStatus!)).toBe('active');
  const res = await fetch(`${temporal}/workflows/order-${paidCheckout.id}/query/status`, {
    method: 'POST',
    body: '{}',
  });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { queryResult: { payloads: Payload[] } };
  expect(decode(answer.queryResult.payloads[0]!)).toMatchObject({ status: paidCheckout.status });
});

test('sales order: customer approves, activation scheduled, time skipped, activated', async () => {
  const salesperson = keyOf('salesperson');
  const customer = keys.get('customer')!;
  const serverNow = await skipper!.now();
  const activateAt = new Date(serverNow.getTime() + 2 * DAY).toISOString();
  const created = await ok<Order>(salesperson, 'POST', '/orders', {
    kind: 'sales',
    customerId: customer.subjectId,
    items: [{ productId: hosting }],
    activateAt,
  });
  expect(created.status).toBe('draft');
  await ok(salesperson, 'POST', `/orders/${created.id}/actions/send_for_customer_approval`, {});
  await ok(customer.key, 'POST', `/orders/${created.id}/actions/approve`, {});
  await orderWhen(
    customer.key,
    created.id,
    (o) => o.status === 'scheduled_activation',
    'scheduled_activation',
  );
  await skipper!.skip(3 * DAY);
  salesOrder = await orderWhen(salesperson, created.id, (o) => o.status === 'activated', 'activated');
  expect(actions(salesOrder)).toEqual([
    'create',
    'send_for_customer_approval',
    'approve',
    'schedule_activation',
    'start_activation',
    'activate',
  ]);
  expect(salesOrder.history.find((h) => h.action === 'start_activation')).toMatchObject({
    from: 'scheduled_activation',
    to: 'processing',
    actor: { role: 'system' },
  });
});

test('checkout: unpaid invoice expires after its due date and the order is cancelled', async () => {
  const client = keyOf('client');
  const created = await ok<Order>(client, 'POST', '/orders', {
    kind: 'checkout',
    items: [{ productId: other }],
  });
  expect(created.status).toBe('pending');
  const due = new Date(created.invoice!.dueAt).getTime();
  const serverNow = (await skipper!.now()).getTime();
  await skipper!.skip(due - serverNow + DAY);
  const expired = await orderWhen(client, created.id, (o) => o.status === 'cancelled', 'cancelled');
  expect(expired.history.find((h) => h.action === 'expire_invoice')).toMatchObject({
    from: 'pending',
    to: 'cancelled',
    outcome: 'accepted',
    actor: { role: 'system' },
  });
  expect(actions(expired)).not.toContain('pay');
  expect(expired.services).toEqual([]);
});

test('service order: listing approved online, then ordered, developed and completed', async () => {
  const isv = keyOf('isv');
  const merchant = keyOf('merchant');
  const admin = keyOf('admin');
  const listing = await ok<{ id: string; status: string }>(isv, 'POST', '/listings', {
    name: 'Loyalty mini program',
    priceCents: 150_000,
  });
  expect(listing.status).toBe('draft');
  await ok(isv, 'POST', `/listings/${listing.id}/actions/submit`, {});
  await ok(admin, 'POST', `/listings/${listing.id}/actions/approve`, {});
  const online = await eventually(async () => {
    const l = await ok<{ status: string }>(merchant, 'GET', `/listings/${listing.id}`).catch(() => undefined);
    return l?.status === 'online' ? l : undefined;
  }, 'listing online');
  expect(online.status).toBe('online');

  const created = await ok<Order>(merchant, 'POST', '/orders', { kind: 'service', listingId: listing.id });
  expect(created.status).toBe('new_order');
  const steps: [string, string, string][] = [
    [isv, 'accept', 'pending_confirmation'],
    [merchant, 'confirm', 'in_development'],
    [isv, 'submit', 'under_approval'],
    [merchant, 'approve', 'completed'],
  ];
  for (const [key, action, status] of steps) {
    await ok(key, 'POST', `/orders/${created.id}/actions/${action}`, {});
    await orderWhen(key, created.id, (o) => o.status === status, status);
  }
  serviceOrder = await ok<Order>(merchant, 'GET', `/orders/${created.id}`);
  expect(serviceOrder.status).toBe('completed');
  expect(actions(serviceOrder)).toEqual(['create', 'accept', 'confirm', 'submit', 'approve']);
  expect(serviceOrder.history.at(-1)).toMatchObject({ from: 'under_approval', to: 'completed' });
});

test('foreign actors get 404 for orders that are not theirs', async () => {
  const other = await ok<{ key: string }>(BOOTSTRAP_ADMIN_KEY, 'POST', '/principals', {
    role: 'client',
    subjectId: `e2e-other-client-${process.pid}`,
    name: 'Another client',
  });
  const cases: [string, Order][] = [
    [other.key, paidCheckout],
    [other.key, salesOrder],
    [keyOf('customer'), paidCheckout],
    [keyOf('merchant'), salesOrder],
    [keyOf('client'), serviceOrder],
    [keyOf('salesperson'), paidCheckout],
  ];
  for (const [key, order] of cases) {
    expect((await call(key, 'GET', `/orders/${order.id}`)).status).toBe(404);
    expect((await call(key, 'POST', `/orders/${order.id}/actions/cancel`, {})).status).toBe(404);
  }
  // ...and still see their own.
  expect((await call(keyOf('client'), 'GET', `/orders/${paidCheckout.id}`)).status).toBe(200);
});

test('malformed requests get a 4xx problem, never a 5xx', async () => {
  const client = keyOf('client');
  const raw = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    const response = await fetch(`${api}${url}`, { method, headers, body });
    await response.text();
    return response.status;
  };
  const json = { authorization: `Bearer ${client}`, 'content-type': 'application/json' };
  const statuses = [
    await raw('GET', '/orders', {}),
    await raw('GET', '/orders', { authorization: 'Bearer ok_not-a-key' }),
    await raw('GET', '/orders', { authorization: 'Basic abc' }),
    await raw('POST', '/orders', json, '{"kind":'),
    await raw('POST', '/orders', json, '[]'),
    await raw('POST', '/orders', json, JSON.stringify({ kind: 'checkout', items: [] })),
    await raw('POST', '/orders', json, JSON.stringify({ kind: 'checkout', items: [{ productId: 'nope' }] })),
    await raw('POST', '/orders', json, JSON.stringify({ kind: 'rocket', items: [{ productId: hosting }] })),
    await raw(
      'POST',
      '/orders',
      json,
      JSON.stringify({ kind: 'checkout', items: [{ productId: hosting }], x: 1 }),
    ),
    await raw('GET', `/orders/${'x'.repeat(500)}`, json),
    await raw('GET', '/orders/%E0%A4%A', json),
    await raw('GET', '/orders?limit=-1', json),
    await raw(
      'POST',
      `/orders/${paidCheckout.id}/actions/pay`,
      json,
      JSON.stringify({ amountCents: 'lots' }),
    ),
    await raw('POST', `/orders/${paidCheckout.id}/actions/no_such_action`, json, '{}'),
  ];
  for (const status of statuses) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  }
});

test('SIGKILL with open orders of every lifecycle: after a restart they go on, timers included', async () => {
  const client = keyOf('client');
  const admin = keyOf('admin');
  const salesperson = keyOf('salesperson');
  const customer = keys.get('customer')!;
  const isv = keyOf('isv');
  const merchant = keyOf('merchant');
  // An unpaid checkout (its invoice expiry is a timer), a paid one awaiting approval.
  const unpaid = await ok<Order>(client, 'POST', '/orders', {
    kind: 'checkout',
    items: [{ productId: other }],
  });
  const paid = await ok<Order>(client, 'POST', '/orders', {
    kind: 'checkout',
    items: [{ productId: other }],
  });
  await ok(client, 'POST', `/orders/${paid.id}/actions/pay`, {
    amountCents: paid.invoice!.amountCents,
    reference: `e2e-kill-${paid.id}`,
  });
  await orderWhen(client, paid.id, (o) => o.invoice?.status === 'paid', 'paid');
  // A sales order waiting for its activation date (a timer).
  const activateAt = new Date((await skipper!.now()).getTime() + 2 * DAY).toISOString();
  const sales = await ok<Order>(salesperson, 'POST', '/orders', {
    kind: 'sales',
    customerId: customer.subjectId,
    items: [{ productId: hosting }],
    activateAt,
  });
  await ok(salesperson, 'POST', `/orders/${sales.id}/actions/send_for_customer_approval`, {});
  await ok(customer.key, 'POST', `/orders/${sales.id}/actions/approve`, {});
  await orderWhen(customer.key, sales.id, (o) => o.status === 'scheduled_activation', 'scheduled_activation');
  // A service order in development, and a listing waiting for review.
  const online = await ok<{ id: string }>(isv, 'POST', '/listings', {
    name: 'Kill test app',
    priceCents: 90_000,
  });
  await ok(isv, 'POST', `/listings/${online.id}/actions/submit`, {});
  await ok(admin, 'POST', `/listings/${online.id}/actions/approve`, {});
  await eventually(async () => {
    const l = await ok<{ status: string }>(merchant, 'GET', `/listings/${online.id}`).catch(() => undefined);
    return l?.status === 'online' ? l : undefined;
  }, 'listing online');
  const service = await ok<Order>(merchant, 'POST', '/orders', { kind: 'service', listingId: online.id });
  await ok(isv, 'POST', `/orders/${service.id}/actions/accept`, {});
  await orderWhen(isv, service.id, (o) => o.status === 'pending_confirmation', 'pending_confirmation');
  await ok(merchant, 'POST', `/orders/${service.id}/actions/confirm`, {});
  await orderWhen(merchant, service.id, (o) => o.status === 'in_development', 'in_development');
  const pendingListing = await ok<{ id: string }>(isv, 'POST', '/listings', {
    name: 'Reviewed later',
    priceCents: 1_000,
  });
  await ok(isv, 'POST', `/listings/${pendingListing.id}/actions/submit`, {});

  await skipper!.close();
  skipper = undefined;
  proc!.kill();
  expect(await proc!.exited).toMatchObject({ signal: 'SIGKILL' });
  proc = undefined;
  await start();
  skipper = await connectTimeSkipper(`127.0.0.1:${env.TEMPORAL_PORT}`);

  await ok(admin, 'POST', `/orders/${paid.id}/actions/approve`, {});
  await orderWhen(client, paid.id, (o) => o.status === 'active', 'active');
  await ok(isv, 'POST', `/orders/${service.id}/actions/submit`, {});
  await orderWhen(isv, service.id, (o) => o.status === 'under_approval', 'under_approval');
  await ok(merchant, 'POST', `/orders/${service.id}/actions/approve`, {});
  await orderWhen(merchant, service.id, (o) => o.status === 'completed', 'completed');
  await ok(admin, 'POST', `/listings/${pendingListing.id}/actions/approve`, {});
  await eventually(async () => {
    const l = await ok<{ status: string }>(merchant, 'GET', `/listings/${pendingListing.id}`).catch(
      () => undefined,
    );
    return l?.status === 'online' ? l : undefined;
  }, 'reviewed listing online');
  // The online listing is still orderable.
  await ok<Order>(merchant, 'POST', '/orders', { kind: 'service', listingId: online.id });
  // Timers started before the kill: the activation date, then the invoice's due date.
  await skipper!.skip(3 * DAY);
  await orderWhen(salesperson, sales.id, (o) => o.status === 'activated', 'activated');
  const due = new Date(unpaid.invoice!.dueAt).getTime();
  await skipper!.skip(Math.max(0, due - (await skipper!.now()).getTime()) + DAY);
  const expired = await orderWhen(client, unpaid.id, (o) => o.status === 'cancelled', 'cancelled');
  expect(actions(expired)).toContain('expire_invoice');
  expect(actions(expired)).not.toContain('pay');
});

test('SIGTERM stops cleanly; a restart keeps the data and prints no demo keys; SIGINT stops it', async () => {
  await skipper!.close();
  skipper = undefined;
  const first = await stop(proc!);
  expect(first).toEqual({ code: 0, signal: null });

  const second = await start();
  expect(second.stdout()).not.toContain('Demo API keys');
  expect(printedDemoKeys(second.stdout()).size).toBe(0);
  const again = await ok<Order>(keyOf('client'), 'GET', `/orders/${paidCheckout.id}`);
  expect(again.status).toBe('active');
  expect(actions(again)).toEqual(actions(paidCheckout));
  const sales = await ok<Order>(keyOf('salesperson'), 'GET', `/orders/${salesOrder.id}`);
  expect(sales.status).toBe('activated');
  // Ctrl-C (SIGINT to npm and the application at once) stops it as cleanly.
  expect(await stop(second, 'SIGINT')).toEqual({ code: 0, signal: null });
});

/** Polls check until it returns a value (files and listings are written asynchronously). */
async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
