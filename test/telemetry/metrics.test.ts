// The metrics endpoints as an operator scrapes them, while one checkout order runs through the
// real API and workers on the project's Temporal server: the product's series (prom-client,
// METRICS_PORT) and the Temporal worker runtime's (the SDK's Prometheus exporter) move.
import request from 'supertest';
import { startMetricsServer, type MetricsServer } from '../../telemetry/metrics-server';
import { eventually, startApiTestEnv, type ApiTestEnv } from '../api/support';
import { installQuietRuntime } from '../workflows/support/environment';
import { freePort, sampleSum, scrape } from './prometheus-text';

let t: ApiTestEnv;
let metrics: MetricsServer;
let runtimeUrl: string;

beforeAll(async () => {
  const runtimePort = await freePort();
  runtimeUrl = `http://127.0.0.1:${runtimePort}/metrics`;
  installQuietRuntime({ metricsBindAddress: `127.0.0.1:${runtimePort}` });
  t = await startApiTestEnv();
  metrics = await startMetricsServer(0, '127.0.0.1');
}, 120_000);

afterAll(async () => {
  await metrics?.close();
  await t?.stop();
});

test('the endpoint answers GET /metrics in the Prometheus text format, and nothing else', async () => {
  expect((await fetch(metrics.url.replace(/metrics$/, 'other'))).status).toBe(404);
  expect((await fetch(metrics.url, { method: 'POST' })).status).toBe(404);
  const res = await fetch(metrics.url);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(await res.text()).toMatch(/^# HELP orders_created_total /m);
});

test("an order's run moves the product's series and the worker runtime's", async () => {
  const product = (name: string, labels?: Record<string, string>) => sampleSum(before, name, labels);
  const before = await scrape(metrics.url);
  const runtimeBefore = await scrape(runtimeUrl);

  const client = await t.caller('client');
  const hosting = await t.product({ type: 'hosting', priceCents: 700 });
  const api = () => request(t.app);
  const created = await api()
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: hosting }] })
    .expect(201);
  const id = created.body.id as string;
  const reference = t.id('ref');
  await api()
    .post(`/orders/${id}/actions/pay`)
    .set(client.auth)
    .send({ amountCents: 700, reference })
    .expect(202);
  await api().post(`/orders/${id}/actions/approve`).set(t.admin.auth).send({}).expect(202);
  // A refusal: the client may not approve.
  await api().post(`/orders/${id}/actions/approve`).set(client.auth).send({}).expect(403);

  // Scraped until the worker has projected the active order, provisioned its service and sent the
  // receipt (emails go one at a time, after the projection: the receipt can follow the provisioning).
  const after = await eventually(
    () => scrape(metrics.url),
    (text) =>
      sampleSum(text, 'orders_emails_sent_total', { template: 'payment_receipt' }) >
        product('orders_emails_sent_total', { template: 'payment_receipt' }) &&
      sampleSum(text, 'orders_transitions_total', { kind: 'checkout', status: 'active' }) >
        product('orders_transitions_total', { kind: 'checkout', status: 'active' }) &&
      sampleSum(text, 'orders_provisioning_attempts_total', {
        activity: 'createAccount',
        outcome: 'completed',
      }) > product('orders_provisioning_attempts_total', { activity: 'createAccount', outcome: 'completed' }),
  );
  const moved = (name: string, labels?: Record<string, string>) =>
    sampleSum(after, name, labels) - sampleSum(before, name, labels);

  expect({
    created: moved('orders_created_total', { kind: 'checkout' }),
    ordersPosted: moved('http_requests_total', { method: 'POST', route: '/orders', status: '201' }),
    actionsPosted: moved('http_requests_total', {
      method: 'POST',
      route: '/orders/:id/actions/:action',
      status: '202',
    }),
    refused: moved('orders_refusals_total', { source: 'api', code: 'role_not_allowed' }),
    confirmations: moved('orders_emails_sent_total', { template: 'order_confirmation' }),
    receipts: moved('orders_emails_sent_total', { template: 'payment_receipt' }),
  }).toEqual({ created: 1, ordersPosted: 1, actionsPosted: 2, refused: 1, confirmations: 1, receipts: 1 });
  expect(moved('orders_transitions_total', { kind: 'checkout', status: 'pending' })).toBeGreaterThanOrEqual(
    1,
  );
  expect(
    moved('orders_activity_executions_total', { activity: 'projectOrder', outcome: 'completed' }),
  ).toBeGreaterThanOrEqual(3);
  expect(
    moved('orders_activity_duration_seconds_count', { activity: 'createAccount', outcome: 'completed' }),
  ).toBe(1);
  expect(moved('orders_projection_lag_seconds_count')).toBeGreaterThanOrEqual(3);
  expect(after).toMatch(/^orders_projection_failed_orders \d+$/m);
  expect(moved('orders_projection_failed_total')).toBe(0);

  // The SDK's own: workflow tasks and activities of this worker, by task queue and type.
  const runtimeAfter = await scrape(runtimeUrl);
  const runtimeMoved = (name: string, labels: Record<string, string>) =>
    sampleSum(runtimeAfter, name, labels) - sampleSum(runtimeBefore, name, labels);
  expect(runtimeMoved('temporal_workflow_task_execution_latency_count', {})).toBeGreaterThanOrEqual(3);
  expect(runtimeMoved('temporal_activity_execution_latency_count', { activity_type: 'createAccount' })).toBe(
    1,
  );
  expect(runtimeAfter).toMatch(
    /^temporal_worker_task_slots_available\{.*worker_type="WorkflowWorker".*\} \d+$/m,
  );
});
