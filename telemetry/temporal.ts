// Telemetry on the Temporal side: the client interceptor that opens a span per workflow start,
// signal or query and passes its context on in the headers, and the worker's interceptors (trace
// context and product metrics per activity) and the sink that receives the workflows' spans.
//
// The workflow half of the interceptors is part of every bundle (worker/workflow-source.ts), with
// tracing on or off: switching tracing must not change the code a running workflow replays on. A
// run traces itself only when its start carried a trace context (workflows/tracing-interceptors.ts);
// where a traced run lands on a worker with tracing off, the sink drops its spans.
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { activityMetricsInterceptors } from './activity-metrics';
import { currentTracing, type Tracing } from './tracing';

/** For `new Client({ interceptors: { workflow: ... } })`. */
export function clientInterceptors(): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/**
 * Activity interceptors of every worker: the span of each attempt when the process traces (an
 * activity is not replayed, so whether it is traced may change from one worker to the next), then
 * its metrics.
 */
export function activityInterceptors(tracing: Tracing = currentTracing()): ActivityInterceptorsFactory[] {
  const traced: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
  return tracing.enabled ? [traced, activityMetricsInterceptors] : [activityMetricsInterceptors];
}

/** The sink the workflow interceptors export their spans through (`exporter`, as they name it). */
export function workflowSpanSinks(tracing: Tracing = currentTracing()): {
  exporter: ReturnType<typeof makeWorkflowExporter>;
} {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
