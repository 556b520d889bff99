// What an order shows a person: one clock for every time (the workflow's, which time skipping
// moves), a service's steps shown as that service's, and ids that do not repeat the order id.
import request from 'supertest';
import type { OrderResource } from '../../api/resources';
import { eventually, startApiTestEnv, type ApiTestEnv } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;
let t: ApiTestEnv;
beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});
const api = () => request(t.app);

test('after time is skipped, orders and listings show times of the same (skipped) clock', async () => {
  await t.env.sleep(40 * DAY_MS);
  const skippedFrom = Date.now() + 39 * DAY_MS;
  const isv = await t.caller('isv');
  const listing = await api().post('/listings').set(isv.auth).send({ name: 'Clock listing' }).expect(201);
  const client = await t.caller('client');
  const product = await t.product();
  const order = await api()
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: product }] })
    .expect(201);
  expect(Date.parse(order.body.createdAt)).toBeGreaterThan(skippedFrom);
  expect(Date.parse(listing.body.createdAt)).toBeGreaterThan(skippedFrom);
  // The projection (lists) keeps the workflow's creation time too.
  const listed = await eventually(
    async () =>
      (await api().get('/listings').set(isv.auth).expect(200)).body.data as {
        id: string;
        createdAt: string;
      }[],
    (rows) => rows.some((r) => r.id === listing.body.id && Date.parse(r.createdAt) > skippedFrom),
  );
  expect(listed.find((r) => r.id === listing.body.id)!.createdAt).toBe(listing.body.createdAt);
});

test("a checkout's services have ids of their own and their steps are shown as theirs", async () => {
  const client = await t.caller('client');
  const hosting = await t.product({ type: 'hosting', priceCents: 700 });
  const created = await api()
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: hosting, quantity: 1 }, { productId: hosting }] })
    .expect(201);
  const id = created.body.id as string;
  await api()
    .post(`/orders/${id}/actions/pay`)
    .set(client.auth)
    .send({ amountCents: 1400, reference: t.id('ref') })
    .expect(202);
  await api().post(`/orders/${id}/actions/approve`).set(t.admin.auth).send({}).expect(202);
  const order = await eventually(
    async () => (await api().get(`/orders/${id}`).set(client.auth).expect(200)).body as OrderResource,
    (o) => o.services.length === 2 && o.services.every((s) => s.status === 'active'),
  );
  for (const service of order.services) {
    // The order id once, not `<order>-<order>-item-1` / `acct-<order>-<order>-item-1`.
    expect(service.id.split(id).length - 1).toBe(1);
    expect(service.externalAccountId!.split(id).length - 1).toBe(1);
  }
  expect(new Set(order.services.map((s) => s.id)).size).toBe(2);
  const serviceSteps = order.history.filter((h) => h.service !== null);
  expect(serviceSteps.map((h) => [h.action, h.from, h.to])).toEqual([
    ['activate', 'pending', 'active'],
    ['activate', 'pending', 'active'],
  ]);
  expect(serviceSteps.map((h) => h.service).sort()).toEqual(order.services.map((s) => s.id).sort());
  const orderSteps = order.history.filter((h) => h.service === null);
  expect(orderSteps.map((h) => h.action)).toEqual(['create', 'pay', 'approve']);
  expect(orderSteps.every((h) => h.reason === null || !h.reason.startsWith('service '))).toBe(true);
});

test('a service order shows its listing as its line, with the price ordered, live and once completed', async () => {
  const isv = await t.caller('isv');
  const merchant = await t.caller('merchant');
  const listing = (
    await api()
      .post('/listings')
      .set(isv.auth)
      .send({ name: 'Mini program build', priceCents: 50000 })
      .expect(201)
  ).body.id as string;
  await api().post(`/listings/${listing}/actions/submit`).set(isv.auth).send({}).expect(202);
  await api().post(`/listings/${listing}/actions/approve`).set(t.admin.auth).send({}).expect(202);
  const created = await api()
    .post('/orders')
    .set(merchant.auth)
    .send({ kind: 'service', listingId: listing })
    .expect(201);
  const line = {
    productId: listing,
    productName: 'Mini program build',
    quantity: 1,
    unitPriceCents: 50000,
  };
  expect(created.body).toMatchObject({ totalCents: 50000, currency: 'USD', items: [line] });
  const id = created.body.id as string;
  for (const [caller, action] of [
    [isv, 'accept'],
    [merchant, 'confirm'],
    [isv, 'submit'],
    [merchant, 'approve'],
  ] as const) {
    await api().post(`/orders/${id}/actions/${action}`).set(caller.auth).send({}).expect(202);
  }
  // Completed: GET answers from the projection, which shows the same line.
  const completed = await eventually(
    async () => (await api().get(`/orders/${id}`).set(merchant.auth).expect(200)).body as OrderResource,
    (o) => o.status === 'completed',
  );
  expect(completed).toMatchObject({ totalCents: 50000, currency: 'USD', items: [line] });
  const listed = (await api().get('/orders').set(merchant.auth).expect(200)).body.data as OrderResource[];
  expect(listed.find((o) => o.id === id)).toMatchObject({ totalCents: 50000, currency: 'USD' });
});
