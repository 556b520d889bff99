import { invalidArgument } from '../grpc/errors';
import type { Command } from '../grpc/messages';
import { durationMs } from '../history/events';

/** temporal.api.enums.v1.CommandType numbers, and the oneof field each one's attributes sit in. */
const COMMAND_ATTRIBUTES: Record<number, keyof Command> = {
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
export function validateCommand(c: Command, index: number): void {
  const commandType: number = c.commandType ?? 0;
  const field = COMMAND_ATTRIBUTES[commandType];
  if (!field)
    throw invalidArgument(`commands[${index}].commandType ${commandType} is not supported by this server`);
  const optional = commandType === 4 || commandType === 7;
  if (!c[field] && !optional) throw invalidArgument(`commands[${index}].${field} is not set on command.`);
  const need = (ok: unknown, name: string) => {
    if (!ok) throw invalidArgument(`commands[${index}].${field}.${name} is not set.`);
  };
  switch (commandType) {
    case 1: {
      const a = c.scheduleActivityTaskCommandAttributes!;
      need(a.activityId, 'activityId');
      need(a.activityType?.name, 'activityType');
      need(
        durationMs(a.scheduleToCloseTimeout) || durationMs(a.startToCloseTimeout),
        'scheduleToCloseTimeout or startToCloseTimeout',
      );
      break;
    }
    case 3: {
      const a = c.startTimerCommandAttributes!;
      need(a.timerId, 'timerId');
      need(durationMs(a.startToFireTimeout) > 0, 'startToFireTimeout');
      break;
    }
    case 6:
      need(c.cancelTimerCommandAttributes!.timerId, 'timerId');
      break;
    case 11: {
      const a = c.startChildWorkflowExecutionCommandAttributes!;
      need(a.workflowId, 'workflowId');
      need(a.workflowType?.name, 'workflowType');
      break;
    }
    case 12: {
      const a = c.signalExternalWorkflowExecutionCommandAttributes!;
      need(a.execution?.workflowId, 'execution.workflowId');
      need(a.signalName, 'signalName');
      break;
    }
    case 8:
      need(c.requestCancelExternalWorkflowExecutionCommandAttributes!.workflowId, 'workflowId');
      break;
  }
}
