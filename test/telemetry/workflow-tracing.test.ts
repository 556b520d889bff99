// Whether an order's workflow traces itself follows its start: a start that carried a trace
// context (the client had tracing on) runs the OpenTelemetry workflow interceptors behind the
// `opentelemetry-tracing` patch; any other start takes no tracing path at all, records no marker
// and makes no span (workflows/tracing-interceptors.ts). Through the real worker and server.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startTracing, type Tracing } from '../../telemetry/tracing';
import { TRACING_PATCH } from '../../workflows/patches';
import { TRACE_HEADER as PACKAGE_TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { carriesTraceContext, TRACE_HEADER } from '../../workflows/tracing-interceptors';
import { startCheckout } from '../workflows/support/scenarios';
import { useWorkflowTestEnv } from '../workflows/support/environment';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'workflow-tracing-test', exporter });
});
afterAll(() => tracing?.shutdown());

const t = useWorkflowTestEnv();

const EventType = temporal.api.enums.v1.EventType;

/** The patch ids the run recorded, and the names of the workflow spans exported for it. */
async function tracingOf(handle: WorkflowHandle): Promise<{ patches: string[]; workflowSpans: string[] }> {
  await handle.cancel(); // the lifecycle's cancel: a pending checkout ends, and its span with it
  await handle.result().catch(() => undefined);
  const { events } = await handle.fetchHistory();
  const patches = (events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0])
    .filter((p) => p !== undefined)
    .map((p) => (JSON.parse(Buffer.from(p.data!).toString()) as { id: string }).id);
  await tracing.spanProcessor.forceFlush();
  const workflowSpans = exporter
    .getFinishedSpans()
    .filter((s) => s.attributes.workflowId === handle.workflowId && s.name.startsWith('RunWorkflow'))
    .map((s) => s.name);
  return { patches, workflowSpans };
}

test('a traced start records the patch and the workflow exports its spans', async () => {
  // t.env.client carries the OpenTelemetry client interceptor; tracing is on in this process.
  const handle = await startCheckout(t);
  const { events } = await handle.fetchHistory();
  const started = events?.[0]?.workflowExecutionStartedEventAttributes;
  expect(carriesTraceContext(started?.header?.fields ?? undefined)).toBe(true);
  expect(await tracingOf(handle)).toEqual({
    patches: [TRACING_PATCH],
    workflowSpans: ['RunWorkflow:checkoutOrder'],
  });
});

test('an untraced start takes no tracing path: no marker, no workflow span', async () => {
  const untraced = new Client({ connection: t.env.client.connection });
  const handle = await startCheckout({ ...t, env: { ...t.env, client: untraced } as typeof t.env });
  expect(await tracingOf(handle)).toEqual({ patches: [], workflowSpans: [] });
});

test("the header read is the one the package's client interceptor writes", () => {
  expect(TRACE_HEADER).toBe(PACKAGE_TRACE_HEADER);
});

test('only a W3C trace context counts: the empty carrier an untraced client sends does not', () => {
  const header = (carrier: unknown) => ({
    '_tracer-data': {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from(JSON.stringify(carrier)),
    },
  });
  expect(carriesTraceContext(undefined)).toBe(false);
  expect(carriesTraceContext(header({}))).toBe(false);
  expect(
    carriesTraceContext(header({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })),
  ).toBe(true);
});
