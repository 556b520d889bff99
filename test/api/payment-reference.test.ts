// A payment reference identifies one payment: it pays one invoice. A second invoice paid with it is
// refused (409 payment_reference_used) before its workflow hears of it, also when both payments
// arrive at the same moment.
import request from 'supertest';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

let t: ApiTestEnv;
let product: string;

beforeAll(async () => {
  t = await startApiTestEnv();
  product = await t.product({ priceCents: 4000 });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const place = async (client: Caller): Promise<string> =>
  (
    await request(t.app)
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201)
  ).body.id as string;

const pay = (client: Caller, orderId: string, reference: string) =>
  request(t.app)
    .post(`/orders/${orderId}/actions/pay`)
    .set(client.auth)
    .send({ amountCents: 4000, reference });

it('a reference that paid one invoice is refused for another, which stays unpaid', async () => {
  const alice = await t.caller('client');
  const bob = await t.caller('client');
  const first = await place(alice);
  const second = await place(alice);
  const third = await place(bob);
  const reference = t.id('txn');
  const paid = await pay(alice, first, reference);
  expect([paid.status, paid.body.invoice?.status]).toEqual([202, 'paid']);
  for (const [client, orderId] of [
    [alice, second],
    [bob, third],
  ] as const) {
    const before = await t.status(orderId);
    // Also with spaces around it: the reference is compared as the payment records it.
    const res = await pay(client, orderId, ` ${reference} `);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, code: 'payment_reference_used', reference });
    expect(res.body.detail).not.toContain(first);
    const after = await t.status(orderId);
    expect(after.transitions).toEqual(before.transitions);
    expect(after.invoice?.status).toBe('unpaid');
  }
  // The projection keeps the reference as it was given, on the one invoice it paid.
  await eventually(
    () => t.prisma.invoice.findMany({ where: { paymentReference: { startsWith: reference } } }),
    (rows) => rows.length === 1 && rows[0]!.status === 'paid',
  );
  const rows = await t.prisma.invoice.findMany({ where: { paymentReference: { startsWith: reference } } });
  expect(rows.map((r) => [r.orderId, r.paymentReference])).toEqual([[first, reference]]);
  // Another reference pays the second invoice.
  expect((await pay(alice, second, t.id('txn'))).status).toBe(202);
});

it('two invoices paid with one reference at the same moment: one is paid, the other refused', async () => {
  const client = await t.caller('client');
  const orders = [await place(client), await place(client)];
  const reference = t.id('txn');
  const answers = await Promise.all(orders.map((id) => pay(client, id, reference)));
  expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
  const views = await Promise.all(orders.map((id) => t.status(id)));
  expect(views.map((v) => v.invoice?.status).sort()).toEqual(['paid', 'unpaid']);
});
