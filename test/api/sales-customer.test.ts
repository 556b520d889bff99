// A sales order names its customer, who is emailed for approval: an id no party has is refused
// (422) and nothing is created (no order, no workflow, no placeholder party, no idempotency key).
import request from 'supertest';
import { startApiTestEnv, type ApiTestEnv } from './support';

let t: ApiTestEnv;
beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

async function salesWorkflows(): Promise<number> {
  let count = 0;
  for await (const w of t.env.client.workflow.list()) if (w.type === 'salesOrder') count++;
  return count;
}

it('an unknown customerId is 422 and creates nothing', async () => {
  const salesperson = await t.caller('salesperson');
  const product = await t.product();
  const nobody = t.id('nobody');
  const before = await Promise.all([
    t.prisma.order.count(),
    t.prisma.party.count(),
    t.prisma.idempotencyKey.count(),
  ]);
  const res = await request(t.app)
    .post('/orders')
    .set(salesperson.auth)
    .set('Idempotency-Key', t.id('key'))
    .send({ kind: 'sales', customerId: nobody, items: [{ productId: product }] });
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.issues).toEqual([{ path: 'customerId', message: 'no such customer' }]);
  expect(res.body.detail).toContain(nobody);
  const after = await Promise.all([
    t.prisma.order.count(),
    t.prisma.party.count(),
    t.prisma.idempotencyKey.count(),
  ]);
  expect(after).toEqual(before);
  expect(await salesWorkflows()).toBe(0);
  // A known customer's order is created as before.
  const customer = await t.caller('customer');
  const created = await request(t.app)
    .post('/orders')
    .set(salesperson.auth)
    .send({ kind: 'sales', customerId: customer.subjectId, items: [{ productId: product }] });
  expect([created.status, created.body.parties?.customerId]).toEqual([201, customer.subjectId]);
  expect(await salesWorkflows()).toBe(1);
});
