import type { CommandAttributes } from '../grpc/messages';
import type { EventExtras } from '../history/events';
import { ExecutionStatus } from './enums';
import type { Execution } from './execution';
import { addEvent, append } from './historyBuilder';
import { RetryState } from './retry';

/**
 * Child workflows: the StartChildWorkflowExecution command (the child is started by the server
 * once the completion is applied), and the parent told when the child's last run closes.
 */

/** Writes the Initiated event now; returns what starts the child after the completion. */
export function startChildWorkflow(
  run: Execution,
  a: CommandAttributes<'startChildWorkflowExecutionCommandAttributes'>,
  completedId: number,
  extras?: EventExtras,
): () => void {
  const s = run.state;
  const attrs = { ...a, namespace: s.namespace, workflowTaskCompletedEventId: completedId };
  const initiatedEventId = append(run, 'StartChildWorkflowExecutionInitiated', attrs, extras);
  return () => {
    const res = run.host.startChild(run, initiatedEventId, attrs, extras?.userMetadata);
    if ('runId' in res) {
      (s.children ??= new Map()).set(initiatedEventId, {
        workflowId: a.workflowId,
        runId: res.runId,
        closePolicy: a.parentClosePolicy || 1,
      });
      addEvent(run, 'ChildWorkflowExecutionStarted', {
        namespace: s.namespace,
        initiatedEventId,
        workflowExecution: { workflowId: a.workflowId, runId: res.runId },
        workflowType: a.workflowType,
        header: a.header ?? undefined,
      });
    } else {
      addEvent(run, 'StartChildWorkflowExecutionFailed', {
        namespace: s.namespace,
        workflowId: a.workflowId,
        workflowType: a.workflowType,
        cause: res.error,
        initiatedEventId,
        workflowTaskCompletedEventId: completedId,
      });
    }
  };
}

/** A child of this run closed (its final run): tell the workflow. */
export function childClosed(run: Execution, initiatedEventId: number, child: Execution): void {
  const children = run.state.children;
  const info = children?.get(initiatedEventId);
  if (!info || !run.isRunning) return;
  children!.delete(initiatedEventId);
  const close = child.lastEvent;
  const common = {
    namespace: child.namespace,
    workflowExecution: { workflowId: child.workflowId, runId: child.runId },
    workflowType: { name: child.workflowType },
    initiatedEventId,
    startedEventId: 0,
  };
  run.touch(() => {
    switch (child.status) {
      case ExecutionStatus.Completed:
        return addEvent(run, 'ChildWorkflowExecutionCompleted', {
          ...common,
          result: close.workflowExecutionCompletedEventAttributes?.result,
        });
      case ExecutionStatus.Failed:
        return addEvent(run, 'ChildWorkflowExecutionFailed', {
          ...common,
          failure: close.workflowExecutionFailedEventAttributes?.failure,
          retryState: close.workflowExecutionFailedEventAttributes?.retryState,
        });
      case ExecutionStatus.Canceled:
        return addEvent(run, 'ChildWorkflowExecutionCanceled', {
          ...common,
          details: close.workflowExecutionCanceledEventAttributes?.details,
        });
      case ExecutionStatus.TimedOut:
        return addEvent(run, 'ChildWorkflowExecutionTimedOut', { ...common, retryState: RetryState.Timeout });
      default:
        return addEvent(run, 'ChildWorkflowExecutionTerminated', common);
    }
  });
}
