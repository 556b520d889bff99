import type { Priority } from '../grpc/messages';

/**
 * Task priority (temporal.api.common.v1.Priority): a workflow's is set at start and kept across
 * continue-as-new; a child's and an activity's own priority is merged over the workflow's, field
 * by field (Temporal's priorities.Merge), for the child's start and the activity's task.
 */
export function mergePriority(
  base: Priority | undefined,
  own: Priority | null | undefined,
): Priority | undefined {
  if (!own) return base;
  if (!base) return own;
  return {
    priorityKey: own.priorityKey || base.priorityKey,
    fairnessKey: own.fairnessKey || base.fairnessKey,
    fairnessWeight: own.fairnessWeight || base.fairnessWeight,
  };
}
