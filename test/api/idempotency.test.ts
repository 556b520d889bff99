// Idempotency-Key on POST /orders (the same key and body return the same order, also when sent
// at the same time; another body is 422; keys are scoped to their caller) and on actions (a retry
// answers as the first request did, even once the order has moved on).
import request from 'supertest';
import { eventually, startApiTestEnv, type ApiTestEnv } from './support';

let t: ApiTestEnv;
beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const post = (auth: { Authorization: string }, key: string, body: unknown) =>
  request(t.app)
    .post('/orders')
    .set(auth)
    .set('Idempotency-Key', key)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));

/** Orders of a client once the projection has written them, checked to stay at that number. */
async function ordersOf(clientId: string, expected: number): Promise<number> {
  await eventually(
    () => t.prisma.order.count({ where: { clientId } }),
    (n) => n >= expected,
  );
  return t.prisma.order.count({ where: { clientId } });
}

it('a retry with the same key and body returns the same order; another body is 422', async () => {
  const client = await t.caller('client');
  const product = await t.product();
  const key = t.id('key');
  const first = await post(client.auth, key, {
    kind: 'checkout',
    items: [{ productId: product, quantity: 2 }],
  });
  expect(first.status).toBe(201);
  // Same body, keys written in another order.
  const again = await post(client.auth, key, {
    items: [{ quantity: 2, productId: product }],
    kind: 'checkout',
  });
  expect(again.status).toBe(201);
  expect(again.body).toEqual(first.body);
  const other = await post(client.auth, key, {
    kind: 'checkout',
    items: [{ productId: product, quantity: 3 }],
  });
  expect(other.status).toBe(422);
  expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(other.body.detail).toMatch(/different request/);
  expect(await ordersOf(client.subjectId, 1)).toBe(1);
  expect(await t.prisma.idempotencyKey.count({ where: { key } })).toBe(1);
});

it('a completed key is replayed even once the catalog would refuse the order', async () => {
  const client = await t.caller('client');
  const product = await t.product();
  const key = t.id('key');
  const body = { kind: 'checkout', items: [{ productId: product }] };
  const first = await post(client.auth, key, body);
  expect(first.status).toBe(201);
  await t.prisma.product.update({ where: { id: product }, data: { active: false } });
  const stored = await t.prisma.idempotencyKey.findMany({ where: { key } });
  // The retry gets the stored answer, not a new check against the catalog.
  const again = await post(client.auth, key, body);
  expect(again.status).toBe(201);
  expect(again.body).toEqual(first.body);
  // A new request for the same body is refused now: a problem, and no key or order left behind.
  const fresh = await post(client.auth, t.id('key'), body);
  expect(fresh.status).toBe(422);
  expect(fresh.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(fresh.body).toMatchObject({ status: 422, issues: [{ path: 'items.0.productId' }] });
  expect(await t.prisma.idempotencyKey.findMany({ where: { key } })).toEqual(stored);
  expect(await t.prisma.idempotencyKey.count({ where: { principal: { subjectId: client.subjectId } } })).toBe(
    1,
  );
  expect(await ordersOf(client.subjectId, 1)).toBe(1);
});

it('a key used with another body is refused before the order is checked again', async () => {
  const client = await t.caller('client');
  const product = await t.product();
  const key = t.id('key');
  expect((await post(client.auth, key, { kind: 'checkout', items: [{ productId: product }] })).status).toBe(
    201,
  );
  await t.prisma.product.update({ where: { id: product }, data: { active: false } });
  const other = await post(client.auth, key, {
    kind: 'checkout',
    items: [{ productId: product, quantity: 2 }],
  });
  expect(other.status).toBe(422);
  expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(other.body).toMatchObject({ status: 422, idempotencyKey: key });
  expect(await ordersOf(client.subjectId, 1)).toBe(1);
});

it('concurrent duplicates create one order', async () => {
  const client = await t.caller('client');
  const product = await t.product();
  const key = t.id('key');
  const body = { kind: 'checkout', items: [{ productId: product }] };
  const responses = await Promise.all(Array.from({ length: 12 }, () => post(client.auth, key, body)));
  expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
  const ids = new Set(responses.map((r) => r.body.id as string));
  expect(ids.size).toBe(1);
  expect(await ordersOf(client.subjectId, 1)).toBe(1);
  const [id] = [...ids];
  const view = await t.status(id!);
  expect(view.transitions.filter((e) => e.action === 'create')).toHaveLength(1);
});

it('concurrent duplicates of a sales order create one order too', async () => {
  const salesperson = await t.caller('salesperson');
  const product = await t.product();
  const key = t.id('key');
  const customer = await t.caller('customer');
  const body = { kind: 'sales', customerId: customer.subjectId, items: [{ productId: product }] };
  const responses = await Promise.all(Array.from({ length: 8 }, () => post(salesperson.auth, key, body)));
  expect(new Set(responses.map((r) => `${r.status} ${r.body.id}`)).size).toBe(1);
  await eventually(
    () => t.prisma.order.count({ where: { salespersonId: salesperson.subjectId } }),
    (n) => n >= 1,
  );
  expect(await t.prisma.order.count({ where: { salespersonId: salesperson.subjectId } })).toBe(1);
});

it('keys are scoped to their caller, and requests without a key are not deduplicated', async () => {
  const a = await t.caller('client');
  const b = await t.caller('client');
  const product = await t.product();
  const key = t.id('key');
  const body = { kind: 'checkout', items: [{ productId: product }] };
  const fromA = await post(a.auth, key, body);
  const fromB = await post(b.auth, key, body);
  expect([fromA.status, fromB.status]).toEqual([201, 201]);
  expect(fromA.body.id).not.toBe(fromB.body.id);
  expect(fromB.body.parties).toEqual({ clientId: b.subjectId });
  const plain = await Promise.all([1, 2].map(() => request(t.app).post('/orders').set(a.auth).send(body)));
  expect(new Set(plain.map((r) => r.body.id)).size).toBe(2);
  expect(await ordersOf(a.subjectId, 3)).toBe(3);
});

describe('Idempotency-Key on actions', () => {
  const act = (
    auth: { Authorization: string },
    key: string,
    orderId: string,
    action: string,
    body: unknown,
  ) =>
    request(t.app)
      .post(`/orders/${orderId}/actions/${action}`)
      .set(auth)
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));

  it('a retried action answers as the first did, though the order has moved on; another action is 422', async () => {
    const client = await t.caller('client');
    const product = await t.product();
    const created = await post(client.auth, t.id('key'), {
      kind: 'checkout',
      items: [{ productId: product }],
    });
    expect(created.status).toBe(201);
    const key = t.id('pay');
    const payment = { amountCents: created.body.totalCents, reference: t.id('txn') };
    const first = await act(client.auth, key, created.body.id, 'pay', payment);
    expect(first.status).toBe(202);
    expect(first.body.request).toMatchObject({ action: 'pay', outcome: 'applied' });
    // The invoice is paid now: a fresh pay would be refused, the retry is not.
    const fresh = await act(client.auth, t.id('pay'), created.body.id, 'pay', payment);
    expect(fresh.status).toBe(409);
    const retry = await act(client.auth, key, created.body.id, 'pay', payment);
    expect(retry.status).toBe(202);
    expect(retry.body.request).toEqual({ id: first.body.request.id, action: 'pay', outcome: 'duplicate' });
    // The same key with another body is another request, refused before any signal.
    const changed = await act(client.auth, key, created.body.id, 'pay', { ...payment, reference: 'other' });
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({ idempotencyKey: key });
    const other = await act(client.auth, key, created.body.id, 'cancel', {});
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ idempotencyKey: key, action: 'pay' });
    // One pay reached the workflow: the API refused the fresh one before signalling.
    const history = await request(t.app).get(`/orders/${created.body.id}`).set(client.auth);
    const pays = history.body.history.filter((e: { action: string }) => e.action === 'pay');
    expect(pays.map((e: { outcome: string }) => e.outcome)).toEqual(['accepted']);
  });

  it('a retried cancel answers with the order as it stands, marked duplicate', async () => {
    const client = await t.caller('client');
    const product = await t.product();
    const created = await post(client.auth, t.id('key'), {
      kind: 'checkout',
      items: [{ productId: product }],
    });
    const key = t.id('cancel');
    const first = await act(client.auth, key, created.body.id, 'cancel', {});
    expect(first.status).toBe(202);
    const again = await act(client.auth, key, created.body.id, 'cancel', {});
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('cancelled');
    expect(again.body.request.outcome).toBe('duplicate');
  });
});
