import { workflowCompleted } from '../grpc/errors';
import type { Payloads, WorkflowExecution } from '../grpc/messages';
import { closeWith } from './close';
import { ExecutionStatus } from './enums';
import type { Execution } from './execution';
import { addEvent } from './historyBuilder';

/**
 * Requests from outside the workflow to stop it: a cancel request (an event the workflow decides
 * on) and termination (the run closes at once, the workflow has no say).
 */

export function requestCancel(
  run: Execution,
  reason: string,
  identity: string,
  external?: { initiatedEventId: number; execution: WorkflowExecution },
): void {
  if (!run.isRunning) throw workflowCompleted();
  run.touch(() =>
    addEvent(run, 'WorkflowExecutionCancelRequested', {
      cause: reason,
      identity,
      externalInitiatedEventId: external?.initiatedEventId,
      externalWorkflowExecution: external?.execution,
    }),
  );
}

export function terminate(
  run: Execution,
  reason: string,
  details: Payloads | null | undefined,
  identity: string,
): void {
  closeWith(
    run,
    'WorkflowExecutionTerminated',
    { reason, details: details ?? undefined, identity },
    ExecutionStatus.Terminated,
  );
}
