import { workflowCompleted } from '../grpc/errors';
import type { Header, Payloads, WorkflowExecution } from '../grpc/messages';
import type { Execution } from './execution';
import { addEvent } from './historyBuilder';

/** A signal to the run (from a client or another workflow): an event, held back if a task is started. */
export function signal(
  run: Execution,
  signalName: string,
  input: Payloads | null | undefined,
  identity: string,
  header?: Header | null,
  requestId?: string,
  external?: WorkflowExecution,
): void {
  if (!run.isRunning) throw workflowCompleted();
  run.touch(() =>
    addEvent(run, 'WorkflowExecutionSignaled', {
      signalName,
      input: input ?? undefined,
      identity,
      header: header ?? undefined,
      requestId: requestId ?? '',
      externalWorkflowExecution: external,
    }),
  );
}
