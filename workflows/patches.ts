import type * as workflows from './index';

/**
 * Workflows trace themselves (the OpenTelemetry interceptors, workflows/tracing-interceptors.ts).
 * Runs started before it take no tracing path at all: the interceptors change when a workflow
 * yields, which the histories recorded without them do not replay.
 */
export const TRACING_PATCH = 'opentelemetry-tracing';

/**
 * The patches each workflow type asks `patched()` or `deprecatePatch()` about: every id a workflow
 * passes is listed here, and the replay test holds the recorded histories to this list (how to
 * change a workflow safely: docs/changing-workflows.md).
 */
export const workflowPatches: Record<keyof typeof workflows, readonly string[]> = {
  checkoutOrder: [TRACING_PATCH],
  salesOrder: [TRACING_PATCH],
  serviceOrder: [TRACING_PATCH],
  serviceListing: [TRACING_PATCH],
};
