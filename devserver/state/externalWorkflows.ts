import type { CommandAttributes } from '../grpc/messages';
import type { Execution } from './execution';
import { addEvent, append } from './historyBuilder';

/**
 * Commands aimed at other workflows: SignalExternalWorkflowExecution and
 * RequestCancelExternalWorkflowExecution. Each writes its Initiated event now and returns what
 * delivers it once the completion is applied (then the outcome event follows).
 */

export function signalExternalWorkflow(
  run: Execution,
  a: CommandAttributes<'signalExternalWorkflowExecutionCommandAttributes'>,
  completedId: number,
): () => void {
  const namespace = run.state.namespace;
  const initiatedEventId = append(run, 'SignalExternalWorkflowExecutionInitiated', {
    namespace,
    workflowExecution: a.execution,
    signalName: a.signalName,
    input: a.input ?? undefined,
    control: a.control ?? '',
    childWorkflowOnly: !!a.childWorkflowOnly,
    header: a.header ?? undefined,
    workflowTaskCompletedEventId: completedId,
  });
  return () => {
    if (run.host.signalExternal(run, a)) {
      addEvent(run, 'ExternalWorkflowExecutionSignaled', {
        initiatedEventId,
        namespace,
        workflowExecution: a.execution,
        control: a.control ?? '',
      });
    } else {
      addEvent(run, 'SignalExternalWorkflowExecutionFailed', {
        cause: 1,
        initiatedEventId,
        namespace,
        workflowExecution: a.execution,
        control: a.control ?? '',
        workflowTaskCompletedEventId: completedId,
      });
    }
  };
}

export function requestCancelExternalWorkflow(
  run: Execution,
  a: CommandAttributes<'requestCancelExternalWorkflowExecutionCommandAttributes'>,
  completedId: number,
): () => void {
  const namespace = run.state.namespace;
  const execution = { workflowId: a.workflowId, runId: a.runId ?? '' };
  const initiatedEventId = append(run, 'RequestCancelExternalWorkflowExecutionInitiated', {
    namespace,
    workflowExecution: execution,
    childWorkflowOnly: !!a.childWorkflowOnly,
    reason: a.reason ?? '',
    control: a.control ?? '',
    workflowTaskCompletedEventId: completedId,
  });
  return () => {
    if (run.host.cancelExternal(run, a)) {
      addEvent(run, 'ExternalWorkflowExecutionCancelRequested', {
        initiatedEventId,
        namespace,
        workflowExecution: execution,
      });
    } else {
      addEvent(run, 'RequestCancelExternalWorkflowExecutionFailed', {
        cause: 1,
        initiatedEventId,
        namespace,
        workflowExecution: execution,
        control: a.control ?? '',
        workflowTaskCompletedEventId: completedId,
      });
    }
  };
}
