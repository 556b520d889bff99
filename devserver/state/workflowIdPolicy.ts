import { workflowAlreadyStarted } from '../grpc/errors';
import { ExecutionStatus, IdConflictPolicy, IdReusePolicy } from './enums';
import type { Execution } from './execution';

/**
 * What a start does about the workflow id's current run (Temporal's ResolveDuplicateWorkflowID):
 * a running one is handled by the id conflict policy, a closed one by the id reuse policy. The
 * same rules serve StartWorkflowExecution, SignalWithStart and child workflow starts.
 */
export type IdResolution =
  | { action: 'start' }
  | { action: 'use-existing'; run: Execution }
  | { action: 'terminate-existing'; run: Execution };

/** Failed, canceled, terminated and timed out runs (consts.FailedWorkflowStatuses). */
const FAILED_STATUSES: ReadonlySet<number> = new Set([
  ExecutionStatus.Failed,
  ExecutionStatus.Canceled,
  ExecutionStatus.Terminated,
  ExecutionStatus.TimedOut,
]);

/**
 * The policies as the frontend passes them on: TERMINATE_IF_RUNNING (a reuse policy, deprecated)
 * becomes the conflict policy TERMINATE_EXISTING, and ALLOW_DUPLICATE for closed runs.
 */
export function normalizePolicies(
  reuse: number | null | undefined,
  conflict: number | null | undefined,
  defaultConflict: number,
): { reuse: number; conflict: number } {
  if (reuse === IdReusePolicy.TerminateIfRunning)
    return { reuse: IdReusePolicy.AllowDuplicate, conflict: IdConflictPolicy.TerminateExisting };
  return { reuse: reuse || IdReusePolicy.AllowDuplicate, conflict: conflict || defaultConflict };
}

/** Decides, or throws ALREADY_EXISTS worded as Temporal's. */
export function resolveWorkflowId(
  current: Execution | undefined,
  policies: { reuse: number; conflict: number },
): IdResolution {
  if (!current) return { action: 'start' };
  if (current.isRunning) {
    if (policies.conflict === IdConflictPolicy.UseExisting) return { action: 'use-existing', run: current };
    if (policies.conflict === IdConflictPolicy.TerminateExisting)
      return { action: 'terminate-existing', run: current };
    throw alreadyStarted(current, 'Workflow execution is already running. WorkflowId: %w, RunId: %r.');
  }
  if (policies.reuse === IdReusePolicy.RejectDuplicate) {
    throw alreadyStarted(
      current,
      'Workflow execution already finished. WorkflowId: %w, RunId: %r. Workflow Id reuse policy: reject duplicate workflow Id.',
    );
  }
  if (policies.reuse === IdReusePolicy.AllowDuplicateFailedOnly && !FAILED_STATUSES.has(current.status)) {
    throw alreadyStarted(
      current,
      'Workflow execution already finished successfully. WorkflowId: %w, RunId: %r. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.',
    );
  }
  return { action: 'start' };
}

/** Closes the running run a new start replaces (TERMINATE_EXISTING), as the history service does. */
export function terminateForNewRun(run: Execution, newRunId: string): void {
  run.terminate(
    'TerminateIfRunning WorkflowIdReusePolicy',
    { payloads: [jsonString(`terminated by new runID: ${newRunId}`)] },
    'history-service',
  );
}

function alreadyStarted(run: Execution, template: string) {
  const message = template.replace('%w', run.workflowId).replace('%r', run.runId);
  return workflowAlreadyStarted(run.requestId, run.runId, message, run.firstRunId);
}

function jsonString(text: string) {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(text)) };
}
