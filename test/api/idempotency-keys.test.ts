// An Idempotency-Key names one request (method, path and body) for its caller, whatever route it
// was first used on: reused for another request it is 422 and nothing happens; sent by ten
// requests at once, one is applied and nine are duplicates.
import request from 'supertest';
import { startApiTestEnv, type ApiTestEnv, type Caller } from './support';

let t: ApiTestEnv;
let client: Caller;
let product: string;

beforeAll(async () => {
  t = await startApiTestEnv();
  client = await t.caller('client');
  product = await t.product({ priceCents: 2500 });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const placeOrder = (key?: string) => {
  const req = request(t.app).post('/orders').set(client.auth);
  if (key) req.set('Idempotency-Key', key);
  return req.send({ kind: 'checkout', items: [{ productId: product }] });
};

const act = (orderId: string, action: string, key: string, body: object) =>
  request(t.app)
    .post(`/orders/${orderId}/actions/${action}`)
    .set(client.auth)
    .set('Idempotency-Key', key)
    .send(body);

it('a key that placed an order is refused (422) for an action on that order, which stays as it was', async () => {
  const key = t.id('key');
  const created = await placeOrder(key).expect(201);
  const before = await t.status(created.body.id);
  const pay = await act(created.body.id, 'pay', key, { amountCents: 2500, reference: t.id('txn') });
  expect(pay.status).toBe(422);
  expect(pay.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(pay.body).toMatchObject({ idempotencyKey: key, detail: expect.stringMatching(/different request/) });
  const cancel = await act(created.body.id, 'cancel', key, {});
  expect(cancel.status).toBe(422);
  const after = await t.status(created.body.id);
  expect(after.transitions).toEqual(before.transitions);
  expect(after.invoice?.status).toBe('unpaid');
  // The key still replays the order's creation.
  const replay = await placeOrder(key).expect(201);
  expect(replay.body.id).toBe(created.body.id);
});

it('a key that took an action is refused for placing an order, and for the same action on another order', async () => {
  const first = (await placeOrder().expect(201)).body;
  const second = (await placeOrder().expect(201)).body;
  const key = t.id('key');
  const body = { amountCents: 2500, reference: t.id('txn') };
  const pay = await act(first.id, 'pay', key, body);
  expect([pay.status, pay.body.request?.outcome]).toEqual([202, 'applied']);
  const ordersBefore = await t.prisma.idempotencyKey.count({ where: { key } });
  const place = await placeOrder(key);
  expect(place.status).toBe(422);
  expect(place.headers['content-type']).toMatch(/^application\/problem\+json/);
  const elsewhere = await act(second.id, 'pay', key, { ...body, reference: t.id('txn') });
  expect(elsewhere.status).toBe(422);
  expect((await t.status(second.id)).invoice?.status).toBe('unpaid');
  expect(await t.prisma.idempotencyKey.count({ where: { key } })).toBe(ordersBefore);
});

it('ten concurrent requests with one key: exactly one applied, nine duplicates, one payment', async () => {
  const order = (await placeOrder().expect(201)).body;
  const key = t.id('key');
  const body = { amountCents: 2500, reference: t.id('txn') };
  const answers = await Promise.all(Array.from({ length: 10 }, () => act(order.id, 'pay', key, body)));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
  const outcomes = answers.map((a) => a.body.request.outcome as string).sort();
  expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')]);
  // Every answer names the same request.
  expect(new Set(answers.map((a) => a.body.request.id)).size).toBe(1);
  const view = await t.status(order.id);
  expect(view.transitions.filter((e) => e.action === 'pay' && e.outcome === 'accepted')).toHaveLength(1);
  expect(view.invoice?.status).toBe('paid');
});

it('ten concurrent order placements with one key: one order, one 201 body', async () => {
  const key = t.id('key');
  const answers = await Promise.all(Array.from({ length: 10 }, () => placeOrder(key)));
  expect(answers.every((a) => a.status === 201 || a.status === 202)).toBe(true);
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
});
