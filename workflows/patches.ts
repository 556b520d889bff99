import type * as workflows from './index';

/**
 * The patches each workflow type asks `patched()` or `deprecatePatch()` about: every id a workflow
 * passes is listed here, and the replay test holds the recorded histories to this list (how to
 * change a workflow safely: docs/changing-workflows.md). None at the 1.0 baseline.
 */
export const workflowPatches: Record<keyof typeof workflows, readonly string[]> = {
  checkoutOrder: [],
  salesOrder: [],
  serviceOrder: [],
  serviceListing: [],
};
