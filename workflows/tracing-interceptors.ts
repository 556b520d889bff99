// The workflows' OpenTelemetry interceptors (a workflow interceptor module of the bundle:
// worker/workflow-source.ts), behind the TRACING_PATCH, and only for runs whose start was traced.
//
// The package's interceptors await around every activity, timer and signal they trace, so a
// workflow runs its steps at other points of an activation than without them: a history recorded
// without them does not replay with them (the replay test showed it on a provisioning retry). So
// whether a run is traced is decided once, when it starts, from what its history holds:
// - its start carried a trace context (the client that started it had tracing on): the run asks
//   `patched(TRACING_PATCH)`, records the marker and is traced for its whole life;
// - it did not: a new run takes no tracing path at all and records nothing, so tracing switched
//   off costs the workflows nothing; a replayed run follows its marker, since runs started before
//   this rule were traced whatever their start carried;
// - a run started before the patch (no marker) passes every call straight on.
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import {
  defaultPayloadConverter,
  patched,
  workflowInfo,
  type Headers,
  type WorkflowInterceptors,
} from '@temporalio/workflow';
import { TRACING_PATCH } from './patches';

/** Whether a start's headers carry a W3C trace context (not just the empty carrier sent untraced). */
export function carriesTraceContext(headers: Headers | undefined): boolean {
  const payload = headers?.[TRACE_HEADER];
  if (!payload) return false;
  try {
    const carrier = defaultPayloadConverter.fromPayload<unknown>(payload);
    return typeof (carrier as { traceparent?: unknown } | null)?.traceparent === 'string';
  } catch {
    return false;
  }
}

/** Whether a call is traced; told which interceptor method is called, and with what. */
type Gate = (method: string | symbol, input: unknown) => boolean;

/** The interceptor's methods, each calling it when the gate is open and `next` alone otherwise. */
function gated<T extends object>(interceptor: T, open: Gate): T {
  return new Proxy(interceptor, {
    get(target, key, receiver) {
      const method: unknown = Reflect.get(target, key, receiver);
      if (typeof method !== 'function') return method;
      return (input: unknown, next: (input: unknown) => unknown) =>
        open(key, input)
          ? (method as (input: unknown, next: unknown) => unknown).call(target, input, next)
          : next(input);
    },
  });
}

export const interceptors = (): WorkflowInterceptors => {
  const traced = openTelemetryInterceptors();
  // Decided at the run's execute call (the first call of a run that starts; a log line or a
  // disposal before it passes on untraced), then kept: the same answer on every replay.
  let decided: boolean | undefined;
  const open: Gate = (method, input) => {
    if (decided === undefined && method === 'execute') {
      const { headers } = input as { headers?: Headers };
      decided =
        carriesTraceContext(headers) || workflowInfo().unsafe.isReplaying ? patched(TRACING_PATCH) : false;
    }
    return decided === true;
  };
  return {
    inbound: traced.inbound?.map((i) => gated(i, open)),
    outbound: traced.outbound?.map((i) => gated(i, open)),
    internals: traced.internals?.map((i) => gated(i, open)),
  };
};
