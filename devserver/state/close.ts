import { workflowCompleted } from '../grpc/errors';
import type { Command, CommandAttributes } from '../grpc/messages';
import { duration, type EventAttributes, type EventTypeName } from '../history/events';
import { dropAllActivities } from './activities';
import { ExecutionStatus, TaskQueueKind } from './enums';
import type { Execution } from './execution';
import { append } from './historyBuilder';
import { dispatchWaitingQueries, requeueQueries } from './queries';
import { RetryState, nextRetry, withDefaults } from './retry';
import { cancelAllTimers } from './timers';
import { abortUpdates } from './updates';

/**
 * Closing a run: the closing commands (complete, fail, cancel, continue-as-new), termination and
 * the run timeout all end here, which stops every timer and task of the run and tells the server.
 */

export function close(run: Execution, newStatus: number): void {
  const s = run.state;
  s.status = newStatus;
  s.closeTime = run.host.clock.now();
  for (const t of run.runTimers ?? []) t.cancel();
  run.runTimers = undefined;
  cancelAllTimers(run);
  dropAllActivities(run);
  if (s.wft) {
    run.wftTimeout?.cancel();
    requeueQueries(run, run.wftQueries);
    run.wftQueries = [];
    if (!run.completing) s.wft = null;
  }
  s.buffered = undefined;
  s.sticky = null;
  abortUpdates(run);
  run.host.closed(run);
  // Queries still get answers after the close (from a worker replaying the full history).
  queueMicrotask(() => dispatchWaitingQueries(run));
}

/** Closes a running run from outside the workflow (terminate, run timeout). */
export function closeWith<N extends EventTypeName>(
  run: Execution,
  type: N,
  attributes: EventAttributes<N>,
  newStatus: number,
): void {
  if (!run.isRunning) throw workflowCompleted();
  run.touch(() => {
    append(run, type, attributes);
    close(run, newStatus);
  });
}

/** WorkflowExecutionTimedOut when the run timeout passes. */
export function runTimedOut(run: Execution): void {
  if (!run.isRunning) return;
  closeWith(run, 'WorkflowExecutionTimedOut', { retryState: RetryState.Timeout }, ExecutionStatus.TimedOut);
}

export function completeWorkflow(
  run: Execution,
  a: Command['completeWorkflowExecutionCommandAttributes'],
  completedId: number,
): void {
  append(run, 'WorkflowExecutionCompleted', {
    result: a?.result ?? undefined,
    workflowTaskCompletedEventId: completedId,
  });
  close(run, ExecutionStatus.Completed);
}

/**
 * Fails the run. Under a retry policy of its own the failure is retried as Temporal does: the
 * failed event names the next run, which starts after the backoff with attempt + 1 (returned, to
 * run after the completion); otherwise the retry state says why not.
 */
export function failWorkflow(
  run: Execution,
  a: Command['failWorkflowExecutionCommandAttributes'],
  completedId: number,
): (() => void) | undefined {
  const s = run.state;
  const failure = a?.failure ?? undefined;
  let retryState: number = RetryState.RetryPolicyNotSet;
  let next: { runId: string; delayMs: number } | undefined;
  if (s.retryPolicy) {
    const now = run.host.clock.now();
    const info = failure?.applicationFailureInfo;
    const expiresAt = s.executionTimeoutMs ? s.startTime + s.executionTimeoutMs : 0;
    const decision = nextRetry(
      withDefaults(s.retryPolicy),
      s.attempt ?? 1,
      { type: info?.type, nonRetryable: !!info?.nonRetryable },
      now,
      expiresAt,
    );
    retryState = decision.state;
    if (decision.retry) next = { runId: run.host.newRunId(), delayMs: decision.delayMs };
  }
  append(run, 'WorkflowExecutionFailed', {
    failure,
    retryState,
    workflowTaskCompletedEventId: completedId,
    newExecutionRunId: next?.runId,
  });
  if (next) s.nextRunId = next.runId;
  close(run, ExecutionStatus.Failed);
  return next && (() => run.host.retryRun(run, next.runId, next.delayMs, failure));
}

export function cancelWorkflow(
  run: Execution,
  a: Command['cancelWorkflowExecutionCommandAttributes'],
  completedId: number,
): void {
  append(run, 'WorkflowExecutionCanceled', {
    details: a?.details ?? undefined,
    workflowTaskCompletedEventId: completedId,
  });
  close(run, ExecutionStatus.Canceled);
}

/** Closes the run as ContinuedAsNew; returns what starts the next run after the completion. */
export function continueAsNew(
  run: Execution,
  a: CommandAttributes<'continueAsNewWorkflowExecutionCommandAttributes'>,
  completedId: number,
): () => void {
  const s = run.state;
  const newRunId = run.host.newRunId();
  const attrs: ContinuedAsNewAttributes = {
    ...a,
    newExecutionRunId: newRunId,
    workflowType: a.workflowType?.name ? a.workflowType : { name: s.workflowType },
    taskQueue: a.taskQueue?.name ? a.taskQueue : { name: s.taskQueue, kind: TaskQueueKind.Normal },
    workflowRunTimeout: a.workflowRunTimeout ?? (s.runTimeoutMs ? duration(s.runTimeoutMs) : undefined),
    workflowTaskTimeout: a.workflowTaskTimeout ?? duration(s.taskTimeoutMs),
    workflowTaskCompletedEventId: completedId,
  };
  delete attrs.retryPolicy;
  delete attrs.cronSchedule;
  append(run, 'WorkflowExecutionContinuedAsNew', attrs);
  s.nextRunId = newRunId;
  close(run, ExecutionStatus.ContinuedAsNew);
  return () => run.host.continueAsNew(run, attrs, newRunId);
}

/** The ContinuedAsNew event's attributes, which the server also starts the next run from. */
export type ContinuedAsNewAttributes = EventAttributes<'WorkflowExecutionContinuedAsNew'> &
  CommandAttributes<'continueAsNewWorkflowExecutionCommandAttributes'>;
