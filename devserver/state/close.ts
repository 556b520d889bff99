import { workflowCompleted } from '../grpc/errors';
import type { Command, CommandAttributes } from '../grpc/messages';
import { duration, type EventAttributes, type EventTypeName } from '../history/events';
import { dropAllActivities } from './activities';
import { ExecutionStatus, TaskQueueKind } from './enums';
import type { Execution } from './execution';
import { append } from './historyBuilder';
import { dispatchWaitingQueries, requeueQueries } from './queries';
import { cancelAllTimers } from './timers';
import { abortUpdates } from './updates';
import { nextCronRun } from './cronSchedule';
import { RUN_TIMEOUT_FAILURE, workflowRetry } from './workflowRetry';

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

/** A retry or the next cron run goes on from this run: a parent waits for it, a query of the chain follows it. */
function followedBy(run: Execution, newRunId: string | undefined): void {
  if (newRunId) run.state.nextRunId = newRunId;
}

/** WorkflowExecutionTimedOut when the run timeout passes. */
export function runTimedOut(run: Execution): void {
  if (!run.isRunning) return;
  const retry = workflowRetry(run, RUN_TIMEOUT_FAILURE, true);
  const next = retry.newExecutionRunId ? retry : nextCronRun(run, { failure: RUN_TIMEOUT_FAILURE });
  followedBy(run, next.newExecutionRunId);
  closeWith(
    run,
    'WorkflowExecutionTimedOut',
    { retryState: retry.retryState, newExecutionRunId: next.newExecutionRunId },
    ExecutionStatus.TimedOut,
  );
  next.start();
}

/** Closes the run as Completed; returns what starts a cron workflow's next run after the completion. */
export function completeWorkflow(
  run: Execution,
  a: Command['completeWorkflowExecutionCommandAttributes'],
  completedId: number,
): () => void {
  const next = nextCronRun(run, { result: a?.result });
  append(run, 'WorkflowExecutionCompleted', {
    result: a?.result ?? undefined,
    workflowTaskCompletedEventId: completedId,
    newExecutionRunId: next.newExecutionRunId,
  });
  followedBy(run, next.newExecutionRunId);
  close(run, ExecutionStatus.Completed);
  return next.start;
}

/** Closes the run as Failed; returns what starts its retry (if its retry policy says so) after the completion. */
export function failWorkflow(
  run: Execution,
  a: Command['failWorkflowExecutionCommandAttributes'],
  completedId: number,
): () => void {
  const retry = workflowRetry(run, a?.failure, false);
  const next = retry.newExecutionRunId ? retry : nextCronRun(run, { failure: a?.failure });
  append(run, 'WorkflowExecutionFailed', {
    failure: a?.failure ?? undefined,
    retryState: retry.retryState,
    workflowTaskCompletedEventId: completedId,
    newExecutionRunId: next.newExecutionRunId,
  });
  followedBy(run, next.newExecutionRunId);
  close(run, ExecutionStatus.Failed);
  return next.start;
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
