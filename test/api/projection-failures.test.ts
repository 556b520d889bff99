// A projection the database refuses for good is not retried without end and not silent: it is
// recorded in projection_failures, shown on the order's GET and counted by /health/ready
// (degraded), and the next projection that stores the order clears it. Neither the API nor the
// workflow lets a value through that Postgres cannot store any more (NUL bytes, lone surrogates,
// out-of-range numbers and dates), so this file's database refuses one payment reference with a
// data exception (SQLSTATE 22023) from a trigger, as a stricter column or a new check would.
import request from 'supertest';
import { orderWorkflowId, type ActionSignal } from '../../workflows/contract';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

let t: ApiTestEnv;
let client: Caller;
let product: string;
const REFUSED_REFERENCE = 'txn-refused-by-postgres';

beforeAll(async () => {
  t = await startApiTestEnv();
  client = await t.caller('client');
  product = await t.product({ priceCents: 1200 });
  await t.prisma.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION refuse_test_reference() RETURNS trigger AS $$
    BEGIN
      IF NEW."paymentReference" = '${REFUSED_REFERENCE}' THEN
        RAISE EXCEPTION 'payment reference refused by the test' USING ERRCODE = '22023';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await t.prisma.$executeRawUnsafe(
    'CREATE TRIGGER refuse_test_reference BEFORE INSERT OR UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION refuse_test_reference()',
  );
}, 120_000);

const failed: string[] = [];

afterAll(async () => {
  // The rows this file made would show as degraded in the /health of files run after it.
  await t?.prisma.projectionFailure.deleteMany({ where: { orderId: { in: failed } } });
  await t?.prisma.$executeRawUnsafe('DROP TRIGGER IF EXISTS refuse_test_reference ON invoices');
  await t?.stop();
});

async function place(): Promise<string> {
  const res = await request(t.app)
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: product }] })
    .expect(201);
  const id = res.body.id as string;
  await eventually(
    () => t.prisma.order.findUnique({ where: { id } }),
    (row) => row !== null,
  );
  return id;
}

it('a view Postgres refuses is recorded once, shown on the order and in /health, and the order goes on', async () => {
  const id = await place();
  failed.push(id);
  const signal: ActionSignal = {
    actor: { role: 'client', id: client.subjectId },
    fields: { amountCents: 1200, reference: REFUSED_REFERENCE },
  };
  await t.env.client.workflow.getHandle(orderWorkflowId(id)).signal('pay', signal);
  const failure = await eventually(
    () => t.prisma.projectionFailure.findUnique({ where: { orderId: id } }),
    (row) => row !== null,
  );
  // Refused on the first attempt: a data error is not retried.
  expect(failure).toMatchObject({ orderId: id, attempts: 1 });
  expect(failure!.error).toMatch(/22023.*refused by the test/);
  // The workflow went on; the projection still holds the state stored before.
  expect((await t.status(id)).invoice?.status).toBe('paid');
  expect((await t.prisma.invoice.findUnique({ where: { orderId: id } }))!.status).toBe('unpaid');

  const seen = await request(t.app).get(`/orders/${id}`).set(client.auth).expect(200);
  expect(seen.body.invoice.status).toBe('paid');
  expect(seen.body.projection).toMatchObject({ status: 'failed', revision: failure!.revision, attempts: 1 });
  // The database's words are for admins.
  expect(seen.body.projection.error).toBeUndefined();
  const admin = await request(t.app).get(`/orders/${id}`).set(t.admin.auth).expect(200);
  expect(admin.body.projection.error).toBe(failure!.error);

  const health = await request(t.app).get('/health/ready').expect(200);
  expect(health.body).toMatchObject({ status: 'degraded', projection: { ok: false } });
  expect(health.body.projection.failedOrders).toBeGreaterThanOrEqual(1);

  // No projection attempt is left running for it (the payment receipt may still be on its way).
  const described = await t.env.client.workflow.getHandle(orderWorkflowId(id)).describe();
  const projecting = (described.raw.pendingActivities ?? []).filter(
    (a) => a.activityType?.name === 'projectOrder',
  );
  expect(projecting).toHaveLength(0);
  expect((await t.prisma.projectionFailure.findUnique({ where: { orderId: id } }))!.attempts).toBe(1);
});

it('the next projection that stores the order clears its failure', async () => {
  const id = await place();
  // As an earlier failed projection would have left it.
  await t.prisma.projectionFailure.create({
    data: { orderId: id, revision: 1, error: 'earlier failure', attempts: 10 },
  });
  const shown = await request(t.app).get(`/orders/${id}`).set(client.auth).expect(200);
  expect(shown.body.projection?.status).toBe('failed');
  await request(t.app)
    .post(`/orders/${id}/actions/pay`)
    .set(client.auth)
    .send({ amountCents: 1200, reference: t.id('txn') })
    .expect(202);
  await eventually(
    () => t.prisma.projectionFailure.findUnique({ where: { orderId: id } }),
    (row) => row === null,
  );
  const after = await request(t.app).get(`/orders/${id}`).set(client.auth).expect(200);
  expect(after.body.projection).toBeUndefined();
});
