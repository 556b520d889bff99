// The workflows' OpenTelemetry interceptors (a workflow interceptor module of the bundle:
// worker/workflow-source.ts), behind the TRACING_PATCH.
//
// The package's interceptors await around every activity, timer and signal they trace, so a
// workflow runs its steps at other points of an activation than without them: a history recorded
// without them does not replay with them (the replay test showed it on a provisioning retry). A
// run that recorded the patch marker is traced for its whole life; a run started before it, or
// replayed from a history without the marker, passes every call straight on, as if the
// interceptors were not there.
import { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import { patched, type WorkflowInterceptors } from '@temporalio/workflow';
import { TRACING_PATCH } from './patches';

type Gate = () => boolean;

/** The interceptor's methods, each calling it when the gate is open and `next` alone otherwise. */
function gated<T extends object>(interceptor: T, open: Gate): T {
  return new Proxy(interceptor, {
    get(target, key, receiver) {
      const method: unknown = Reflect.get(target, key, receiver);
      if (typeof method !== 'function') return method;
      return (input: unknown, next: (input: unknown) => unknown) =>
        open()
          ? (method as (input: unknown, next: unknown) => unknown).call(target, input, next)
          : next(input);
    },
  });
}

export const interceptors = (): WorkflowInterceptors => {
  const traced = openTelemetryInterceptors();
  let decided: boolean | undefined;
  // Decided at the first intercepted call once the workflow has started, and kept: the same answer
  // on every replay of the run. A call before the start (patched() refuses it: a disposal after a
  // failed start) is passed on untraced.
  const open: Gate = () => {
    if (decided === undefined) {
      try {
        decided = patched(TRACING_PATCH);
      } catch {
        return false;
      }
    }
    return decided;
  };
  return {
    inbound: traced.inbound?.map((i) => gated(i, open)),
    outbound: traced.outbound?.map((i) => gated(i, open)),
    internals: traced.internals?.map((i) => gated(i, open)),
  };
};
