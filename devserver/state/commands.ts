import { invalidArgument } from '../grpc/errors';
import { durationMs, type Attrs } from '../history/events';

/** temporal.api.enums.v1.CommandType numbers, and the oneof field each one's attributes sit in. */
const COMMAND_ATTRIBUTES: Record<number, string> = {
  1: 'scheduleActivityTaskCommandAttributes',
  2: 'requestCancelActivityTaskCommandAttributes',
  3: 'startTimerCommandAttributes',
  4: 'completeWorkflowExecutionCommandAttributes',
  5: 'failWorkflowExecutionCommandAttributes',
  6: 'cancelTimerCommandAttributes',
  7: 'cancelWorkflowExecutionCommandAttributes',
  8: 'requestCancelExternalWorkflowExecutionCommandAttributes',
  9: 'recordMarkerCommandAttributes',
  10: 'continueAsNewWorkflowExecutionCommandAttributes',
  11: 'startChildWorkflowExecutionCommandAttributes',
  12: 'signalExternalWorkflowExecutionCommandAttributes',
  13: 'upsertWorkflowSearchAttributesCommandAttributes',
  14: 'protocolMessageCommandAttributes',
  16: 'modifyWorkflowPropertiesCommandAttributes',
};

/** Rejects a malformed command before anything is applied (INVALID_ARGUMENT naming the field). */
export function validateCommand(c: Attrs, index: number): void {
  const field = COMMAND_ATTRIBUTES[c.commandType];
  if (!field)
    throw invalidArgument(
      `commands[${index}].commandType ${c.commandType ?? 0} is not supported by this server`,
    );
  const a = c[field];
  const optional = c.commandType === 4 || c.commandType === 7;
  if (!a && !optional) throw invalidArgument(`commands[${index}].${field} is not set on command.`);
  const need = (ok: unknown, name: string) => {
    if (!ok) throw invalidArgument(`commands[${index}].${field}.${name} is not set.`);
  };
  switch (c.commandType) {
    case 1:
      need(a.activityId, 'activityId');
      need(a.activityType?.name, 'activityType');
      need(
        durationMs(a.scheduleToCloseTimeout) || durationMs(a.startToCloseTimeout),
        'scheduleToCloseTimeout or startToCloseTimeout',
      );
      break;
    case 3:
      need(a.timerId, 'timerId');
      need(durationMs(a.startToFireTimeout) > 0, 'startToFireTimeout');
      break;
    case 6:
      need(a.timerId, 'timerId');
      break;
    case 11:
      need(a.workflowId, 'workflowId');
      need(a.workflowType?.name, 'workflowType');
      break;
    case 12:
      need(a.execution?.workflowId, 'execution.workflowId');
      need(a.signalName, 'signalName');
      break;
    case 8:
      need(a.workflowId, 'workflowId');
      break;
  }
}
