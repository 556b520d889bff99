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
import type { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import {
  defaultPayloadConverter,
  patched,
  workflowInfo,
  type Headers,
  type WorkflowInterceptors,
} from '@temporalio/workflow';
import { TRACING_PATCH } from './patches';

/**
 * The header the package's client interceptor puts the trace context in (its TRACE_HEADER; not
 * imported, as that would load the package for every workflow: test/telemetry checks they agree).
 */
export const TRACE_HEADER = '_tracer-data';

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
type Gate = (method: string, input: unknown) => boolean;

type Interceptor = Record<
  string,
  ((input: unknown, next: (input: unknown) => unknown) => unknown) | undefined
>;
type Kind = 'inbound' | 'outbound' | 'internals';

/**
 * One interceptor of each kind standing for the package's: every method passes straight on while
 * the gate is closed, and calls the package's interceptors (loaded then, once per run) when open.
 * Loading the package and its OpenTelemetry SDK is most of what it costs: a workflow sandbox
 * evaluates the modules it requires for each run, so an untraced run must not require them.
 */
function gated(kind: Kind, open: Gate, load: () => WorkflowInterceptors): object {
  return new Proxy(
    {},
    {
      get(_, method) {
        if (typeof method !== 'string') return undefined;
        return (input: unknown, next: (input: unknown) => unknown) => {
          if (!open(method, input)) return next(input);
          const chain = (load()[kind] ?? []) as Interceptor[];
          const composed = chain.reduceRight<(input: unknown) => unknown>((after, interceptor) => {
            const own = interceptor[method];
            return own ? (i) => own.call(interceptor, i, after) : after;
          }, next);
          return composed(input);
        };
      },
    },
  );
}

export const interceptors = (): WorkflowInterceptors => {
  let traced: WorkflowInterceptors | undefined;
  const load = (): WorkflowInterceptors => {
    if (!traced) {
      // Required here, not imported: evaluated only by the runs that trace (see gated()).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors') as {
        interceptors: typeof openTelemetryInterceptors;
      };
      traced = otel.interceptors();
    }
    return traced;
  };
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
    inbound: [gated('inbound', open, load)],
    outbound: [gated('outbound', open, load)],
    internals: [gated('internals', open, load)],
  } as WorkflowInterceptors;
};
