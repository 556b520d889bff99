// An order the projection shows whose workflow the Temporal server does not know (its state was
// lost): GET shows it with no actions and says why, actions are 409 workflow_missing (never a 404
// for what GET shows), and the start's check counts it.
import request from 'supertest';
import { createProjectionActivities } from '../../activities/projection/project-order';
import { findMissingWorkflows } from '../../start/missing-workflows';
import { checkoutView, ids } from '../activities/fixtures';
import { startApiTestEnv, type ApiTestEnv } from './support';

let t: ApiTestEnv;
beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

test('a projected order without its workflow is shown, refuses actions with 409, and is counted', async () => {
  const client = await t.caller('client');
  // Stored by the projection as a workflow would have; no workflow of that id was ever started.
  const k = { ...ids('lost'), clientId: client.subjectId };
  const view = checkoutView(k);
  await createProjectionActivities({ prisma: t.prisma }).projectOrder(view, view.transitions);
  // A closed order (terminal status) without its workflow is history, not missing: not counted.
  const closed = { ...ids('closed'), clientId: client.subjectId };
  const closedView = checkoutView(closed, { status: 'cancelled' });
  await createProjectionActivities({ prisma: t.prisma }).projectOrder(closedView, closedView.transitions);
  // And one order whose workflow runs, which is not counted.
  const product = await t.product();
  const running = (
    await request(t.app)
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201)
  ).body.id as string;

  const shown = await request(t.app).get(`/orders/${k.orderId}`).set(client.auth).expect(200);
  expect(shown.body).toMatchObject({
    id: k.orderId,
    status: 'pending',
    allowedActions: [],
    workflow: { status: 'missing', detail: expect.stringContaining('missing on the Temporal server') },
  });

  const refused = await request(t.app)
    .post(`/orders/${k.orderId}/actions/pay`)
    .set(client.auth)
    .send({ amountCents: 999, reference: t.id('ref') })
    .expect(409);
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(refused.body).toMatchObject({ status: 409, code: 'workflow_missing' });
  // Another caller still learns nothing about it.
  const stranger = await t.caller('client');
  await request(t.app).post(`/orders/${k.orderId}/actions/cancel`).set(stranger.auth).send({}).expect(404);

  const missing = await findMissingWorkflows(t.prisma, t.env.client);
  expect(missing.orders).toContain(k.orderId);
  expect(missing.orders).not.toContain(running);
  expect(missing.orders).not.toContain(closed.orderId);
});
