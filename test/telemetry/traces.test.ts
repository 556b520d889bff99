// One order's trace: the API's request span, the client's start, the workflow and its activities
// share one trace id, exported by the process's span processor (in memory here, OTLP in
// production) through the real API, workers and the project's Temporal server.
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { startTracing, tracingRequested, type Tracing } from '../../telemetry/tracing';
import { activityMetricsInterceptors } from '../../telemetry/activity-metrics';
import { activityInterceptors } from '../../telemetry/temporal';
import { eventually, startApiTestEnv, type ApiTestEnv } from '../api/support';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let t: ApiTestEnv;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'orders-test', exporter });
  t = await startApiTestEnv();
}, 120_000);

afterAll(async () => {
  await t?.stop();
  await tracing?.shutdown();
});

const spansOf = (traceId: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

test("an order's request, client call, workflow and activities are one trace", async () => {
  const client = await t.caller('client');
  const product = await t.product();
  const created = await request(t.app)
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: product }] })
    .expect(201);
  const id = created.body.id as string;
  // Cancelled while pending: the workflow ends, and with it its own span.
  await request(t.app)
    .post(`/orders/${id}/actions/cancel`)
    .set(client.auth)
    .send({ reason: 'changed my mind' })
    .expect(202);

  const requestSpan = await eventually(
    async () =>
      exporter
        .getFinishedSpans()
        .find((span) => span.name === 'POST /orders' && span.kind === SpanKind.SERVER),
    (span) => span !== undefined,
  );
  const traceId = requestSpan!.spanContext().traceId;
  const spans = await eventually(
    async () => spansOf(traceId),
    (seen) =>
      ['RunWorkflow:checkoutOrder', 'RunActivity:sendEmail', 'RunActivity:projectOrder'].every((name) =>
        seen.some((span) => span.name === name),
      ),
  );
  const named = (name: string): ReadableSpan => {
    const span = spans.find((s) => s.name === name);
    if (!span) throw new Error(`no span ${name} in ${spans.map((s) => s.name).join(', ')}`);
    return span;
  };
  const parentOf = (span: ReadableSpan): string | undefined =>
    spans.find((s) => s.spanContext().spanId === span.parentSpanId)?.name;
  // request -> client start -> workflow -> activity scheduled by it -> activity run
  expect({
    start: parentOf(named('StartWorkflow:checkoutOrder')),
    workflow: parentOf(named('RunWorkflow:checkoutOrder')),
    scheduled: parentOf(named('StartActivity:sendEmail')),
    run: parentOf(named('RunActivity:sendEmail')),
  }).toEqual({
    start: 'POST /orders',
    workflow: 'StartWorkflow:checkoutOrder',
    scheduled: 'RunWorkflow:checkoutOrder',
    run: 'StartActivity:sendEmail',
  });
  expect(requestSpan!.attributes).toMatchObject({
    'http.route': '/orders',
    'http.response.status_code': 201,
  });
  // The cancel request is its own trace, into the same workflow through its signal.
  const cancel = exporter.getFinishedSpans().find((span) => span.name === 'HandleSignal:cancel');
  expect(cancel?.spanContext().traceId).not.toBe(traceId);
});

test("a caller's traceparent header makes the request span its child", async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  await request(t.app)
    .get('/health/live')
    .set('traceparent', `00-${traceId}-b7ad6b7169203331-01`)
    .expect(200);
  const span = await eventually(
    async () => spansOf(traceId).find((s) => s.name === 'GET /health/live'),
    (found) => found !== undefined,
  );
  expect(span!.parentSpanId).toBe('b7ad6b7169203331');
});

test('activities get the span interceptors only in a process that traces', () => {
  expect(activityInterceptors(tracing)).toHaveLength(2);
  expect(activityInterceptors({ ...tracing, enabled: false })).toEqual([activityMetricsInterceptors]);
});

test('tracing is off unless an OTLP endpoint is configured', () => {
  expect(tracingRequested({})).toBe(false);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(true);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toBe(true);
  expect(
    tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SDK_DISABLED: 'true' }),
  ).toBe(false);
  expect(
    tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_TRACES_EXPORTER: 'none' }),
  ).toBe(false);
});
