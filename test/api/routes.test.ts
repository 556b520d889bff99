// Every route's happy path through the real parts: keys, catalog, settings snapshotted into a
// checkout, the three order lifecycles to their end (with time skipped on the test server), lists
// with filters and cursors, details with history, health and the OpenAPI document.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { ensureBootstrapAdmin } from '../../api/auth/keys';
import type { PrismaClient } from '../../generated/prisma/client';
import type { OrderResource } from '../../api/orders/order-model';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;
let t: ApiTestEnv;

beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const api = () => request(t.app);

async function act(
  caller: Caller,
  path: string,
  action: string,
  fields: object = {},
): Promise<OrderResource> {
  const res = await api().post(`${path}/actions/${action}`).set(caller.auth).send(fields);
  if (res.status !== 202) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as OrderResource;
}

/** The order as GET /orders/:id shows it, once the predicate holds (projection and activities run in real time). */
const orderWhen = (caller: Caller, id: string, predicate: (o: OrderResource) => boolean) =>
  eventually(
    async () => (await api().get(`/orders/${id}`).set(caller.auth).expect(200)).body as OrderResource,
    predicate,
  );

describe('keys', () => {
  it('POST /principals returns an ok_ key once, stores only its sha256 and creates the party', async () => {
    const subjectId = t.id('client');
    const res = await api()
      .post('/principals')
      .set(t.admin.auth)
      .send({ role: 'client', subjectId, name: 'Ada Client', email: 'ada@example.test', label: 'laptop' })
      .expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = res.body.key as string;
    expect(key).toMatch(/^ok_[A-Za-z0-9_-]{32,}$/);
    const row = await t.prisma.apiPrincipal.findUniqueOrThrow({ where: { id: res.body.principal.id } });
    expect(row).toMatchObject({ role: 'client', subjectId, label: 'laptop' });
    expect(row.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(await t.prisma.party.findUnique({ where: { id: subjectId } })).toMatchObject({
      kind: 'client',
      name: 'Ada Client',
      email: 'ada@example.test',
    });
    await api().get('/products').set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('refuses non-admins, party roles without a subject, and a subject of another kind', async () => {
    const client = await t.caller('client');
    await api().post('/principals').set(client.auth).send({ role: 'admin' }).expect(403);
    await api().post('/principals').set(t.admin.auth).send({ role: 'merchant' }).expect(422);
    await api()
      .post('/principals')
      .set(t.admin.auth)
      .send({ role: 'merchant', subjectId: client.subjectId })
      .expect(409);
  });

  it('a missing, malformed or unknown key is 401 with a Bearer challenge', async () => {
    for (const header of [undefined, 'Basic abc', 'Bearer', `Bearer ok_${'x'.repeat(43)}`, 'Bearer short']) {
      const req = api().get('/orders');
      const res = await (header === undefined ? req : req.set('Authorization', header));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('ensureBootstrapAdmin adds nothing once an admin exists', async () => {
    const key = `ok_${'b'.repeat(40)}`;
    await expect(ensureBootstrapAdmin(t.prisma, key)).resolves.toEqual({ created: false });
    await api().get('/settings').set('Authorization', `Bearer ${key}`).expect(401);
    await expect(ensureBootstrapAdmin(t.prisma, 'short')).rejects.toThrow(/BOOTSTRAP_ADMIN_KEY/);
  });
});

describe('catalog and settings', () => {
  it('admins add products; everyone lists the active ones', async () => {
    const client = await t.caller('client');
    const id = t.id('prod');
    const created = await api()
      .post('/products')
      .set(t.admin.auth)
      .send({ id, name: 'Web hosting', type: 'hosting', priceCents: 999, billingCycle: 'monthly' })
      .expect(201);
    expect(created.body).toMatchObject({ id, currency: 'USD', active: true, priceCents: 999 });
    const hidden = t.id('prod');
    await api()
      .post('/products')
      .set(t.admin.auth)
      .send({ id: hidden, name: 'Old', type: 'other', priceCents: 1, active: false })
      .expect(201);
    await api()
      .post('/products')
      .set(t.admin.auth)
      .send({ id, name: 'Again', type: 'other', priceCents: 1 })
      .expect(409);
    await api()
      .post('/products')
      .set(client.auth)
      .send({ name: 'x', type: 'other', priceCents: 1 })
      .expect(403);
    const listed = (await api().get('/products').set(client.auth).expect(200)).body.data as { id: string }[];
    expect(listed.map((p) => p.id)).toContain(id);
    expect(listed.map((p) => p.id)).not.toContain(hidden);
    const all = (await api().get('/products?includeInactive=true').set(t.admin.auth).expect(200)).body.data;
    expect((all as { id: string }[]).map((p) => p.id)).toContain(hidden);
  });

  it('settings are admin-only and snapshotted into each new checkout order', async () => {
    const client = await t.caller('client');
    const product = await t.product();
    await api().get('/settings').set(client.auth).expect(403);
    await api().put('/settings').set(client.auth).send({ autoApprove: true }).expect(403);
    const before = (await api().get('/settings').set(t.admin.auth).expect(200)).body;
    try {
      const put = await api().put('/settings').set(t.admin.auth).send({ invoiceDueDays: 3 }).expect(200);
      expect(put.body).toEqual({ ...before, invoiceDueDays: 3 });
      const order = await api()
        .post('/orders')
        .set(client.auth)
        .send({ kind: 'checkout', items: [{ productId: product }] })
        .expect(201);
      const due = Date.parse(order.body.invoice.dueAt) - Date.parse(order.body.createdAt);
      expect(due).toBe(3 * DAY_MS);
    } finally {
      await api().put('/settings').set(t.admin.auth).send(before).expect(200);
    }
  });
});

describe('checkout orders', () => {
  it('client orders, pays, admin approves, services provision; history and list show it', async () => {
    const client = await t.caller('client');
    const hosting = await t.product({ type: 'hosting', priceCents: 1200 });
    const extra = await t.product({ type: 'other', priceCents: 300 });
    const created = await api()
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: hosting, quantity: 2 }, { productId: extra }] })
      .expect(201);
    const order = created.body as OrderResource;
    expect(created.headers.location).toBe(`/orders/${order.id}`);
    expect(order).toMatchObject({ kind: 'checkout', status: 'pending', totalCents: 2700 });
    expect(order.invoice).toMatchObject({ status: 'unpaid', amountCents: 2700, currency: 'USD' });
    expect(Date.parse(order.invoice!.dueAt)).toBeGreaterThan(Date.parse(order.createdAt));
    expect(order.allowedActions).toEqual(['pay', 'cancel']);

    const paid = await act(client, `/orders/${order.id}`, 'pay', {
      amountCents: 2700,
      reference: t.id('txn'),
    });
    expect(paid.invoice).toMatchObject({ status: 'paid', paidAmountCents: 2700 });
    // Auto-approve is off by default: an admin approves.
    const approved = await act(t.admin, `/orders/${order.id}`, 'approve');
    expect(approved.status).toBe('active');

    const done = await orderWhen(
      client,
      order.id,
      (o) => o.services.length === 2 && o.services.every((s) => s.status === 'active'),
    );
    expect(done.history.map((h) => [h.action, h.from, h.to, h.actor.role])).toEqual(
      expect.arrayContaining([
        ['create', null, 'pending', 'client'],
        ['pay', 'pending', 'pending', 'client'],
        ['approve', 'pending', 'active', 'admin'],
      ]),
    );
    expect(done.history.every((h) => typeof h.at === 'string')).toBe(true);
    const listed = await eventually(
      async () => (await api().get('/orders?kind=checkout&status=active').set(client.auth).expect(200)).body,
      (body) => (body.data as { id: string }[]).some((o) => o.id === order.id),
    );
    expect(
      (listed.data as { parties: { clientId: string } }[]).every(
        (o) => o.parties.clientId === client.subjectId,
      ),
    ).toBe(true);
  });

  it('an admin orders for a client; an unpaid invoice expires when its due date passes', async () => {
    const client = await t.caller('client');
    const product = await t.product();
    const created = await api()
      .post('/orders')
      .set(t.admin.auth)
      .send({ kind: 'checkout', clientId: client.subjectId, items: [{ productId: product }] })
      .expect(201);
    expect(created.body.parties).toEqual({ clientId: client.subjectId });
    const settings = (await api().get('/settings').set(t.admin.auth)).body as { invoiceDueDays: number };
    await t.env.sleep((settings.invoiceDueDays + 1) * DAY_MS);
    const expired = await orderWhen(client, created.body.id, (o) => o.status !== 'pending');
    expect(expired.status).toBe('cancelled');
    expect(expired.history.at(-1)).toMatchObject({
      action: 'expire_invoice',
      to: 'cancelled',
      actor: { role: 'system' },
    });
  });
});

describe('provisioning failures', () => {
  it('a service that fails to provision shows its error; an admin retry provisions it', async () => {
    const client = await t.caller('client');
    const product = await t.product({ type: 'hosting' });
    t.failingProducts.add(product);
    const created = await api()
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201);
    const path = `/orders/${created.body.id}`;
    await act(client, path, 'pay', { amountCents: created.body.totalCents, reference: t.id('txn') });
    await act(t.admin, path, 'approve');
    const failed = await eventually(
      async () => (await api().get(path).set(client.auth).expect(200)).body as OrderResource,
      (o) => o.services[0]?.status === 'failed',
      50_000,
    );
    expect(failed.services[0]!.error).toEqual(expect.any(String));
    expect(failed.allowedActions).toEqual([]);
    // Only an admin may retry; the client may never.
    await api().post(`${path}/actions/retry`).set(client.auth).send({}).expect(403);
    t.failingProducts.delete(product);
    const retried = await act(t.admin, path, 'retry');
    expect(retried.history.at(-1)).toMatchObject({ action: 'retry', outcome: 'accepted' });
    await orderWhen(client, created.body.id, (o) => o.services[0]?.status === 'active');
  }, 90_000);
});

describe('service listings and service orders', () => {
  it('an ISV lists a service, an admin puts it online, a merchant orders it through to completed', async () => {
    const isv = await t.caller('isv');
    const merchant = await t.caller('merchant');
    const listing = await api()
      .post('/listings')
      .set(isv.auth)
      .send({ name: 'Mini program', description: 'A shop', priceCents: 50000 })
      .expect(201);
    expect(listing.body).toMatchObject({ status: 'draft', isvId: isv.subjectId, name: 'Mini program' });
    const path = `/listings/${listing.body.id}`;
    // Not online yet: a merchant can neither see it nor order it.
    await api().get(path).set(merchant.auth).expect(404);
    await api()
      .post('/orders')
      .set(merchant.auth)
      .send({ kind: 'service', listingId: listing.body.id })
      .expect(409);
    expect((await act(isv, path, 'submit')).status).toBe('pending_review');
    expect((await act(t.admin, path, 'approve')).status).toBe('online');
    await eventually(
      async () =>
        (await api().get('/listings').set(merchant.auth).expect(200)).body.data as {
          id: string;
          name: string;
        }[],
      (data) => data.some((l) => l.id === listing.body.id && l.name === 'Mini program'),
    );
    const mine = (await api().get('/listings').set(isv.auth).expect(200)).body.data as { isvId: string }[];
    expect(mine.every((l) => l.isvId === isv.subjectId)).toBe(true);

    const created = await api()
      .post('/orders')
      .set(merchant.auth)
      .send({ kind: 'service', listingId: listing.body.id })
      .expect(201);
    expect(created.body).toMatchObject({
      status: 'new_order',
      parties: { isvId: isv.subjectId, merchantId: merchant.subjectId },
    });
    const orderPath = `/orders/${created.body.id}`;
    expect((await act(isv, orderPath, 'accept')).status).toBe('pending_confirmation');
    expect((await act(merchant, orderPath, 'confirm')).status).toBe('in_development');
    expect((await act(isv, orderPath, 'submit')).status).toBe('under_approval');
    expect((await act(merchant, orderPath, 'reject', { reason: 'needs a logo' })).status).toBe(
      'in_development',
    );
    expect((await act(isv, orderPath, 'submit')).status).toBe('under_approval');
    const completed = await act(merchant, orderPath, 'approve');
    expect(completed.status).toBe('completed');
    expect(completed.history.filter((h) => h.outcome === 'accepted').map((h) => h.to)).toEqual([
      'new_order',
      'pending_confirmation',
      'in_development',
      'under_approval',
      'in_development',
      'under_approval',
      'completed',
    ]);
    const detail = await orderWhen(isv, created.body.id, (o) => o.status === 'completed');
    expect(detail.history.find((h) => h.action === 'reject')?.reason).toBe('needs a logo');
  });
});

describe('sales orders', () => {
  it('draft -> customer approval -> scheduled activation -> activated when the date comes', async () => {
    const salesperson = await t.caller('salesperson');
    const customer = await t.caller('customer');
    const product = await t.product({ type: 'hosting' });
    const now = await t.env.currentTimeMs();
    const created = await api()
      .post('/orders')
      .set(salesperson.auth)
      .send({
        kind: 'sales',
        customerId: customer.subjectId,
        items: [{ productId: product }],
        activateAt: new Date(now + 2 * DAY_MS).toISOString(),
      })
      .expect(201);
    expect(created.body).toMatchObject({
      status: 'draft',
      parties: { salespersonId: salesperson.subjectId, customerId: customer.subjectId },
    });
    const path = `/orders/${created.body.id}`;
    expect((await act(salesperson, path, 'send_for_customer_approval')).status).toBe(
      'awaiting_customer_approval',
    );
    await act(customer, path, 'approve');
    await orderWhen(customer, created.body.id, (o) => o.status === 'scheduled_activation');
    await t.env.sleep(3 * DAY_MS);
    const activated = await orderWhen(customer, created.body.id, (o) => o.status === 'activated');
    expect(activated.history.filter((h) => h.outcome === 'accepted').map((h) => h.action)).toEqual([
      'create',
      'send_for_customer_approval',
      'approve',
      'schedule_activation',
      'start_activation',
      'activate',
    ]);
  });

  it('a party named by id must be of the kind the order needs: 422, no order', async () => {
    const salesperson = await t.caller('salesperson');
    const client = await t.caller('client');
    const product = await t.product();
    const count = () => t.prisma.order.count({ where: { salespersonId: salesperson.subjectId } });
    const before = await count();
    const res = await api()
      .post('/orders')
      .set(salesperson.auth)
      .send({ kind: 'sales', customerId: client.subjectId, items: [{ productId: product }] });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.issues).toEqual([{ path: 'customerId', message: 'must name a customer' }]);
    expect(await count()).toBe(before);
    // An admin ordering for someone who is no client, and listing for someone who is no ISV.
    const forCustomer = await api()
      .post('/orders')
      .set(t.admin.auth)
      .send({ kind: 'checkout', clientId: salesperson.subjectId, items: [{ productId: product }] });
    expect(forCustomer.status).toBe(422);
    const listing = await api()
      .post('/listings')
      .set(t.admin.auth)
      .send({ name: 'Not an ISV', isvId: client.subjectId });
    expect(listing.status).toBe(422);
    expect(await t.prisma.serviceListing.count({ where: { isvId: client.subjectId } })).toBe(0);
  });

  it('archived orders are listed only when asked', async () => {
    const salesperson = await t.caller('salesperson');
    const customer = await t.caller('customer');
    const product = await t.product();
    const make = async () =>
      (
        await api()
          .post('/orders')
          .set(salesperson.auth)
          .send({ kind: 'sales', customerId: customer.subjectId, items: [{ productId: product }] })
          .expect(201)
      ).body.id as string;
    const kept = await make();
    const archived = await make();
    expect((await act(salesperson, `/orders/${archived}`, 'archive')).status).toBe('archived');
    const ids = async (query: string) =>
      (
        (await api().get(`/orders?${query}`).set(salesperson.auth).expect(200)).body.data as { id: string }[]
      ).map((o) => o.id);
    await eventually(
      () => ids('archived=true'),
      (list) => list.includes(kept) && list.includes(archived),
    );
    await eventually(
      () => t.prisma.order.findUnique({ where: { id: archived } }),
      (row) => row?.archived === true,
    );
    expect(await ids('')).toEqual([kept]);
    expect(await ids('archived=only')).toEqual([archived]);
  });
});

describe('lists', () => {
  it('pages with a cursor through exactly the caller’s orders, with kind, status, client and date filters', async () => {
    const client = await t.caller('client');
    const other = await t.caller('client');
    const product = await t.product();
    const place = async (caller: Caller) =>
      (
        await api()
          .post('/orders')
          .set(caller.auth)
          .send({ kind: 'checkout', items: [{ productId: product }] })
          .expect(201)
      ).body.id as string;
    const mine = [await place(client), await place(client), await place(client)];
    const theirs = await place(other);
    await eventually(
      () => t.prisma.order.count({ where: { id: { in: [...mine, theirs] } } }),
      (n) => n === 4,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await api()
        .get(`/orders?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(client.auth)
        .expect(200);
      seen.push(...(res.body.data as { id: string }[]).map((o) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...mine].sort());

    const admin = async (query: string) =>
      ((await api().get(`/orders?${query}`).set(t.admin.auth).expect(200)).body.data as { id: string }[]).map(
        (o) => o.id,
      );
    expect(await admin(`clientId=${other.subjectId}`)).toEqual([theirs]);
    expect(await admin(`clientId=${other.subjectId}&kind=sales`)).toEqual([]);
    expect(await admin(`clientId=${other.subjectId}&status=active`)).toEqual([]);
    expect(await admin(`clientId=${other.subjectId}&from=2999-01-01T00:00:00Z`)).toEqual([]);
    expect(await admin(`clientId=${other.subjectId}&to=2000-01-01T00:00:00Z`)).toEqual([]);
    // A client filtering for another client's orders still sees only its own (none).
    expect(
      (await api().get(`/orders?clientId=${other.subjectId}`).set(client.auth).expect(200)).body.data,
    ).toEqual([]);
  });
});

describe('service endpoints', () => {
  it('health, OpenAPI document, docs page, unknown routes', async () => {
    await api().get('/health/live').expect(200, { status: 'ok' });
    const ready = await api().get('/health/ready').expect(200);
    expect(ready.body.checks).toEqual({ database: { ok: true }, temporal: { ok: true } });
    const doc = (await api().get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/actions/{action}',
        '/listings',
        '/principals',
      ]),
    );
    expect(doc.components.schemas['checkout.pay'].required).toEqual(['amountCents', 'reference']);
    const docs = await api().get('/docs').expect(200);
    // The reference page loads its scripts from the API itself: nothing from another host.
    expect(docs.text).toContain('/docs/init.js');
    expect(docs.text).not.toMatch(/https?:\/\//);
    const missing = await api().get('/nowhere').expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
  });
});

describe('failing dependencies', () => {
  // What a driver's error may carry: a host, a user. It belongs in the log, not in an answer.
  const secret = 'connect ECONNREFUSED 10.9.8.7:7233 user=orders_admin';
  const fail = () => Promise.reject(new Error(secret));
  const temporal = {
    withDeadline: (_deadline: number, run: () => Promise<unknown>) => run(),
    workflow: { getHandle: () => ({ query: fail, signal: fail, describe: fail }), start: fail },
    workflowService: { getSystemInfo: fail },
  } as unknown as Client;

  /** The API on these dependencies, with its log captured. */
  function appOn(prisma: PrismaClient, workflows: Client = temporal) {
    const log = { text: '' };
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.text += chunk.toString();
        done();
      },
    });
    const app = createApp({
      prisma,
      temporal: workflows,
      config: { ORDERS_TASK_QUEUE: 'orders', PROVISIONING_TASK_QUEUE: 'provisioning' },
      logger: pino({ level: 'info' }, sink),
    });
    return { app, log };
  }

  it('an unreachable workflow service is a 503 with a generic detail; the cause is logged', async () => {
    const client = await t.caller('client');
    const product = await t.product();
    const created = await api()
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201);
    const id = created.body.id as string;
    await eventually(
      () => t.prisma.auditEntry.count({ where: { orderId: id } }),
      (n) => n >= 1,
    );
    const rows = () =>
      t.prisma.order.findUnique({ where: { id }, include: { invoice: true, auditEntries: true } });
    const before = { view: await t.status(id), rows: await rows() };
    const { app, log } = appOn(t.prisma);
    const res = await request(app).post(`/orders/${id}/actions/cancel`).set(client.auth).send({});
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(res.text).not.toContain('10.9.8.7');
    expect(res.text).not.toContain('orders_admin');
    expect(log.text).toContain(secret);
    expect({ view: await t.status(id), rows: await rows() }).toEqual(before);
  });

  it('a listing whose workflow could not be started is not left behind', async () => {
    const isv = await t.caller('isv');
    const count = () => t.prisma.serviceListing.count({ where: { isvId: isv.subjectId } });
    const before = await count();
    // The server answers that no such workflow exists: the row goes.
    const notFound = () => Promise.reject(new WorkflowNotFoundError('not found', 'listing-x', undefined));
    const absent = {
      ...temporal,
      workflow: { getHandle: () => ({ describe: notFound }), start: fail },
    } as unknown as Client;
    const res = await request(appOn(t.prisma, absent).app)
      .post('/listings')
      .set(isv.auth)
      .send({ name: 'Never started' });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await count()).toBe(before);
    // The server cannot be asked either: the start may have happened, so the row stays for it.
    const unknown = await request(appOn(t.prisma).app)
      .post('/listings')
      .set(isv.auth)
      .send({ name: 'Maybe started' });
    expect(unknown.status).toBe(503);
    expect(await count()).toBe(before + 1);
  });

  it('/health/ready says which dependency failed, not how; the errors are logged', async () => {
    const prisma = { $queryRaw: fail } as unknown as PrismaClient;
    const { app, log } = appOn(prisma);
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 503,
      checks: { database: { ok: false }, temporal: { ok: false } },
    });
    expect(res.text).not.toContain('10.9.8.7');
    expect(res.text).not.toContain('orders_admin');
    const logged = log.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { dependency?: string; err?: { message: string } })
      .filter((line) => line.dependency);
    expect(logged.map((line) => [line.dependency, line.err?.message]).sort()).toEqual([
      ['database', secret],
      ['temporal', secret],
    ]);
  });
});
