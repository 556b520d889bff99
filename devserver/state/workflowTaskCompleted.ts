import { status } from '@grpc/grpc-js';
import { RpcError, invalidArgument } from '../grpc/errors';
import type {
  Command,
  Payload,
  PollActivityTaskQueueResponse,
  RespondWorkflowTaskCompletedRequest,
  RespondWorkflowTaskCompletedResponse,
} from '../grpc/messages';
import { durationMs } from '../history/events';
import { CLOSING_COMMANDS } from '../history/rules';
import { requestCancelActivity, scheduleActivity, startEagerActivities } from './activities';
import { startChildWorkflow } from './childWorkflows';
import { cancelWorkflow, completeWorkflow, continueAsNew, failWorkflow } from './close';
import { validateCommand } from './commands';
import { HISTORY_SERVICE_IDENTITY, WorkflowTaskFailedCause } from './enums';
import { terminate } from './cancellation';
import type { WorkflowTaskInfo } from './mutableState';
import { oversizedCommand, type OversizedCommand } from './sizeLimits';
import type { Execution } from './execution';
import { requestCancelExternalWorkflow, signalExternalWorkflow } from './externalWorkflows';
import { append, flushBuffered } from './historyBuilder';
import { interned } from './interned';
import { upserted, type ActivityInfo } from './mutableState';
import { answerQueries, dispatchWaitingQueries } from './queries';
import { cancelTimer, startTimer } from './timers';
import { applyProtocolMessage, decodeProtocolMessages, hasUndeliveredUpdates, rejectUpdate } from './updates';
import { recordWorkerVersion } from './workerVersions';
import { currentStartedTask, keepTransientEvents, scheduleWorkflowTask } from './workflowTask';

/**
 * RespondWorkflowTaskCompleted (Temporal's workflow task handler): validates every command first,
 * then writes WorkflowTaskCompleted, one event per command (each applied by the module of its
 * concept), the held-back events, and schedules the next task if anything new waits for it.
 */
export function completeWorkflowTask(
  run: Execution,
  token: { s?: number },
  req: RespondWorkflowTaskCompletedRequest,
): RespondWorkflowTaskCompletedResponse {
  const s = run.state;
  const wft = currentStartedTask(run, token);
  const commands: Command[] = req.commands ?? [];
  commands.forEach((c, i) => validateCommand(c, i));
  const messages = decodeProtocolMessages(req.messages ?? []);
  commands.forEach((c, i) => {
    if (c.commandType === 14 && !messages.has(c.protocolMessageCommandAttributes?.messageId)) {
      throw invalidArgument(
        `commands[${i}].protocolMessageCommandAttributes.messageId names no message of the completion.`,
      );
    }
  });
  const oversized = oversizedCommand(run.host.dynamicConfig, commands, req.messages ?? []);
  if (oversized) terminateOversized(run, wft, req, oversized);
  const delivered = new Set(wft.updateIds ?? []);
  let activityTasks: PollActivityTaskQueueResponse[] = [];
  run.touch(() => {
    run.wftTimeout?.cancel();
    // Cancelled entries leave the clock at their deadline; a waiting run must not keep its own.
    run.wftTimeout = undefined;
    answerQueries(run, run.wftQueries, req.queryResults ?? {});
    keepTransientEvents(run, wft);
    // Rejections need no command: the update simply ends.
    for (const m of messages.values()) if (m.kind === 'rejection') rejectUpdate(run, m.body);
    const newUpdates = hasUndeliveredUpdates(run, delivered);
    if (
      (s.buffered?.length || newUpdates) &&
      commands.some((c) => CLOSING_COMMANDS.has(c.commandType ?? 0))
    ) {
      // The workflow decided to close without seeing new events: make it try again with them.
      append(run, 'WorkflowTaskFailed', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        cause: WorkflowTaskFailedCause.UnhandledCommand,
        identity: req.identity ?? '',
      });
      s.wft = null;
      s.sticky = null;
      s.nextWftAttempt = 1;
      flushBuffered(run);
      scheduleWorkflowTask(run);
      run.unhandledCommand = true;
      return;
    }
    const completedId = append(run, 'WorkflowTaskCompleted', {
      scheduledEventId: wft.scheduledEventId,
      startedEventId: wft.startedEventId,
      identity: req.identity ?? '',
      binaryChecksum: req.binaryChecksum ?? undefined,
      workerVersion: req.workerVersionStamp ?? undefined,
      sdkMetadata: req.sdkMetadata ?? undefined,
      meteringMetadata: req.meteringMetadata ?? undefined,
    });
    recordWorkerVersion(run, req, completedId);
    s.previousStartedEventId = wft.startedEventId;
    s.nextWftAttempt = 1;
    run.completing = true;
    const deferred: (() => void)[] = [];
    const eager: ActivityInfo[] = [];
    try {
      for (const c of commands) {
        if (!run.isRunning) break;
        if (c.commandType === 14)
          applyProtocolMessage(run, messages.get(c.protocolMessageCommandAttributes!.messageId)!);
        else applyCommand(run, c, completedId, deferred, eager);
      }
      s.wft = null;
      for (const d of deferred) d();
    } finally {
      run.completing = false;
      s.wft = null;
    }
    if (!run.isRunning) return;
    activityTasks = startEagerActivities(run, eager, req.identity ?? '');
    const sa = req.stickyAttributes;
    const stickyQueue = sa?.workerTaskQueue?.name;
    const stickyTimeoutMs = durationMs(sa?.scheduleToStartTimeout);
    if (!stickyQueue || stickyTimeoutMs <= 0) s.sticky = null;
    else if (s.sticky?.queue !== stickyQueue || s.sticky.timeoutMs !== stickyTimeoutMs)
      s.sticky = { queue: interned(stickyQueue), timeoutMs: stickyTimeoutMs };
    if (flushBuffered(run) > 0 || req.forceCreateNewWorkflowTask || hasUndeliveredUpdates(run))
      scheduleWorkflowTask(run);
    dispatchWaitingQueries(run);
  });
  if (run.unhandledCommand) {
    run.unhandledCommand = false;
    // The SDK's core recognises this exact message and evicts the run.
    throw new RpcError(status.INVALID_ARGUMENT, 'UnhandledCommand');
  }
  return activityTasks.length ? { activityTasks } : {};
}

/**
 * A command over the blob size limit, as Temporal's handler answers it: the task fails with the
 * command's cause and the run is terminated by the history service; the worker is answered
 * INVALID_ARGUMENT. A retried (transient) task is only refused, and left to time out.
 */
function terminateOversized(
  run: Execution,
  wft: WorkflowTaskInfo,
  req: RespondWorkflowTaskCompletedRequest,
  oversized: OversizedCommand,
): never {
  if (wft.attempt === 1) {
    run.touch(() => {
      run.wftTimeout?.cancel();
      append(run, 'WorkflowTaskFailed', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        cause: oversized.cause,
        failure: { message: oversized.message, serverFailureInfo: { nonRetryable: false } },
        identity: req.identity ?? '',
        binaryChecksum: req.binaryChecksum ?? undefined,
      });
      flushBuffered(run);
      // Closing ends the task (and sends the queries it carried on to be answered after the close).
      terminate(run, oversized.message, undefined, HISTORY_SERVICE_IDENTITY);
    });
  }
  throw invalidArgument(oversized.message);
}

/**
 * One command of a completion; what must wait until the whole completion is applied goes to
 * `deferred`, the activities to start eagerly to `eager`. validateCommand has checked that the
 * attributes each type needs are set.
 */
function applyCommand(
  run: Execution,
  c: Command,
  completedId: number,
  deferred: (() => void)[],
  eager: ActivityInfo[],
): void {
  const s = run.state;
  // The summary (and a child's details) a command carries go on its event.
  const extras = c.userMetadata ? { userMetadata: c.userMetadata } : undefined;
  switch (c.commandType) {
    case 1: {
      const act = scheduleActivity(run, c.scheduleActivityTaskCommandAttributes!, completedId, extras);
      if (act) eager.push(act);
      return;
    }
    case 2:
      return requestCancelActivity(run, c.requestCancelActivityTaskCommandAttributes!, completedId);
    case 3: {
      const a = c.startTimerCommandAttributes!;
      return startTimer(run, a.timerId!, a.startToFireTimeout!, completedId, extras);
    }
    case 6:
      return cancelTimer(run, c.cancelTimerCommandAttributes!.timerId!, completedId);
    case 4:
      deferred.push(completeWorkflow(run, c.completeWorkflowExecutionCommandAttributes, completedId));
      return;
    case 5:
      deferred.push(failWorkflow(run, c.failWorkflowExecutionCommandAttributes, completedId));
      return;
    case 7:
      return cancelWorkflow(run, c.cancelWorkflowExecutionCommandAttributes, completedId);
    case 10:
      deferred.push(continueAsNew(run, c.continueAsNewWorkflowExecutionCommandAttributes!, completedId));
      return;
    case 9:
      append(run, 'MarkerRecorded', {
        ...c.recordMarkerCommandAttributes,
        workflowTaskCompletedEventId: completedId,
      });
      return;
    case 11:
      deferred.push(
        startChildWorkflow(run, c.startChildWorkflowExecutionCommandAttributes!, completedId, extras),
      );
      return;
    case 12:
      deferred.push(
        signalExternalWorkflow(run, c.signalExternalWorkflowExecutionCommandAttributes!, completedId),
      );
      return;
    case 8:
      deferred.push(
        requestCancelExternalWorkflow(
          run,
          c.requestCancelExternalWorkflowExecutionCommandAttributes!,
          completedId,
        ),
      );
      return;
    case 13: {
      const fields: Record<string, Payload> = run.host.typedSearchAttributes(
        c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes?.indexedFields ?? {},
      );
      s.searchAttributes = upserted(s.searchAttributes, fields);
      append(run, 'UpsertWorkflowSearchAttributes', {
        searchAttributes: { indexedFields: fields },
        workflowTaskCompletedEventId: completedId,
      });
      return;
    }
    case 16: {
      const fields: Record<string, Payload> =
        c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo?.fields ?? {};
      s.memo = upserted(s.memo, fields);
      append(run, 'WorkflowPropertiesModified', {
        upsertedMemo: { fields },
        workflowTaskCompletedEventId: completedId,
      });
      return;
    }
    default:
      // Validated before any change; unreachable.
      throw invalidArgument(`unsupported command type ${c.commandType}`);
  }
}
