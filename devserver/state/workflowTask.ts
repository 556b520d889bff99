import { status } from '@grpc/grpc-js';
import { RpcError, workflowCompleted } from '../grpc/errors';
import type {
  PendingWorkflowTaskInfo,
  PollWorkflowTaskQueueResponse,
  QueryMessage,
  RespondWorkflowTaskFailedRequest,
} from '../grpc/messages';
import { EventType, duration, makeEvent, timestamp } from '../history/events';
import { encodeEvents, historyMessage } from '../history/encodedHistory';
import { partialHistoryStart } from '../history/rules';
import { encodeMessage } from '../grpc/proto';
import { ActivityTimeoutType, TaskQueueKind, WorkflowTaskFailedCause } from './enums';
import type { Execution } from './execution';
import { append, flushBuffered } from './historyBuilder';
import { interned } from './interned';
import type { WorkflowTaskInfo } from './mutableState';
import { requeueQueries } from './queries';
import { encodeTaskToken, nextDispatchId, type WorkflowTaskRef } from './taskRefs';
import { UpdateStage } from './updates';

/**
 * The workflow task state machine: scheduled (on the normal or the sticky queue), started by a
 * poller, then completed (workflowTaskCompleted.ts), failed or timed out. A task retried after a
 * failure is "transient": its Scheduled/Started events go only to the worker until it succeeds.
 */

export function scheduleWorkflowTask(run: Execution): void {
  const s = run.state;
  if (!run.isRunning || s.wft) return;
  const now = run.host.clock.now();
  const attempt = s.nextWftAttempt;
  const sticky = !!s.sticky;
  const queue = s.sticky?.queue ?? s.taskQueue;
  const wft: WorkflowTaskInfo = {
    attempt,
    state: 'scheduled',
    scheduledEventId: 0,
    startedEventId: 0,
    dispatchId: 0,
    queue,
    sticky,
    scheduledTime: now,
    startedTime: 0,
  };
  s.wft = wft;
  run.wftTimeout = undefined;
  run.wftQueries = run.waitingQueries ?? [];
  run.waitingQueries = undefined;
  if (attempt === 1) {
    wft.scheduledEventId = append(run, 'WorkflowTaskScheduled', {
      taskQueue: {
        name: queue,
        kind: sticky ? TaskQueueKind.Sticky : TaskQueueKind.Normal,
        normalName: sticky ? s.taskQueue : undefined,
      },
      startToCloseTimeout: duration(s.taskTimeoutMs),
      attempt,
    });
  }
  dispatchWorkflowTask(run);
}

function dispatchWorkflowTask(run: Execution): void {
  const s = run.state;
  const wft = s.wft!;
  wft.dispatchId = nextDispatchId();
  const dispatchId = wft.dispatchId;
  run.host.enqueueWorkflowTask(wft.queue, { kind: 'workflow', exec: run, dispatchId });
  if (wft.sticky && s.sticky) {
    // A sticky worker that does not pick the task up in time is presumed gone: use the normal queue.
    run.wftTimeout = run.host.clock.after(s.sticky.timeoutMs, () =>
      run.touch(() => {
        if (s.wft !== wft || wft.state !== 'scheduled' || wft.dispatchId !== dispatchId) return;
        s.sticky = null;
        wft.sticky = false;
        wft.queue = s.taskQueue;
        dispatchWorkflowTask(run);
      }),
    );
  }
}

/**
 * A restored workflow task (server restart): one waiting is offered again, on the normal queue
 * (sticky caches went away with the old process); one started is presumed lost with its worker
 * and times out now, so its next attempt is scheduled at once.
 */
export function restoreWorkflowTask(run: Execution): void {
  const s = run.state;
  const wft = s.wft;
  if (!wft) return;
  if (wft.state === 'started') {
    workflowTaskTimedOut(run, wft, wft.startedEventId);
    return;
  }
  wft.sticky = false;
  wft.queue = s.taskQueue;
  dispatchWorkflowTask(run);
}

/** temporal.api.enums.v1.SuggestContinueAsNewReason. */
const SuggestContinueAsNewReason = { HistorySizeTooLarge: 1, TooManyHistoryEvents: 2 } as const;

/**
 * What a WorkflowTaskStarted event tells the workflow about its history (Temporal's
 * getHistorySizeInfo): the size so far, which the SDK shows as workflowInfo().historySize, and
 * whether to continue as new, when the size or the event count (the started event's id) reached
 * the limit.historySize / limit.historyCount .suggestContinueAsNew dynamic config.
 */
function historySizeInfo(run: Execution, startedEventId: number) {
  const historySizeBytes = run.state.history.byteLength;
  const config = run.host.dynamicConfig;
  const reasons: number[] = [];
  if (historySizeBytes >= config['limit.historySize.suggestContinueAsNew'])
    reasons.push(SuggestContinueAsNewReason.HistorySizeTooLarge);
  if (startedEventId >= config['limit.historyCount.suggestContinueAsNew'])
    reasons.push(SuggestContinueAsNewReason.TooManyHistoryEvents);
  if (reasons.length === 0) return { historySizeBytes };
  return { historySizeBytes, suggestContinueAsNew: true, suggestContinueAsNewReasons: reasons };
}

/** Moves a task waiting on a sticky queue that is going away (ShutdownWorker) to the normal queue. */
export function stickyQueueGone(run: Execution, queue: string): void {
  const s = run.state;
  if (s.sticky?.queue !== queue) return;
  run.touch(() => {
    s.sticky = null;
    const wft = s.wft;
    if (wft && wft.state === 'scheduled' && wft.sticky) {
      run.wftTimeout?.cancel();
      wft.sticky = false;
      wft.queue = s.taskQueue;
      dispatchWorkflowTask(run);
    }
  });
}

/**
 * Eager workflow start: the new run's first workflow task, started at once for the worker beside
 * the client that asked (the SDK's core reserved a slot for it). Its reference left in the queue is
 * stale from then on, so no poller gets the task twice. Null when the first task is not waiting
 * (a delayed or cron start, or a retried request whose task went out already).
 */
export function startEagerWorkflowTask(
  run: Execution,
  identity: string,
): PollWorkflowTaskQueueResponse | null {
  const s = run.state;
  const wft = s.wft;
  if (!wft || wft.attempt !== 1 || wft.sticky || s.previousStartedEventId !== 0) return null;
  return startWorkflowTask(run, { kind: 'workflow', exec: run, dispatchId: wft.dispatchId }, identity, false);
}

/** Hands the task out to a poller; null if the task went stale while queued. */
export function startWorkflowTask(
  run: Execution,
  ref: WorkflowTaskRef,
  identity: string,
  fromSticky: boolean,
): PollWorkflowTaskQueueResponse | null {
  const s = run.state;
  const wft = s.wft;
  if (!run.isRunning || !wft || wft.state !== 'scheduled' || wft.dispatchId !== ref.dispatchId) return null;
  return run.touch(() => {
    run.wftTimeout?.cancel();
    const now = run.host.clock.now();
    wft.state = 'started';
    wft.startedTime = now;
    wft.identity = interned(identity);
    if (wft.attempt === 1) {
      wft.startedEventId = append(run, 'WorkflowTaskStarted', {
        scheduledEventId: wft.scheduledEventId,
        identity,
        requestId: `${ref.dispatchId}`,
        ...historySizeInfo(run, s.history.length + 1),
      });
    } else {
      const scheduledId = s.history.length + 1;
      wft.scheduledEventId = scheduledId;
      wft.startedEventId = scheduledId + 1;
      wft.transientEvents = encodeEvents([
        makeEvent(scheduledId, wft.scheduledTime, 'WorkflowTaskScheduled', {
          taskQueue: { name: s.taskQueue, kind: TaskQueueKind.Normal },
          startToCloseTimeout: duration(s.taskTimeoutMs),
          attempt: wft.attempt,
        }),
        makeEvent(scheduledId + 1, now, 'WorkflowTaskStarted', {
          scheduledEventId: scheduledId,
          identity,
          requestId: `${ref.dispatchId}`,
          ...historySizeInfo(run, scheduledId + 1),
        }),
      ]);
    }
    const startedEventId = wft.startedEventId;
    run.wftTimeout = run.host.clock.after(s.taskTimeoutMs, () =>
      workflowTaskTimedOut(run, wft, startedEventId),
    );
    const base = s.history.encoded(fromSticky ? partialHistoryStart(s.previousStartedEventId) : 1);
    const events = wft.transientEvents ? Buffer.concat([base, wft.transientEvents]) : base;
    const queries: Record<string, QueryMessage> = {};
    for (const q of run.wftQueries) {
      queries[q.id] = {
        queryType: q.queryType,
        queryArgs: q.queryArgs ?? undefined,
        header: q.header ?? undefined,
      };
    }
    const messages = [...(run.updateMap?.values() ?? [])]
      .filter((u) => u.stage === UpdateStage.Admitted && !u.admittedEventId)
      .map((u) => ({
        id: `${u.id}/request`,
        protocolInstanceId: u.id,
        eventId: startedEventId - 1,
        body: {
          // google.protobuf.Any keeps its snake_case field name in the SDK's root.
          type_url: 'type.googleapis.com/temporal.api.update.v1.Request',
          value: encodeMessage('temporal.api.update.v1.Request', u.request),
        },
      }));
    wft.updateIds = messages.map((m) => m.protocolInstanceId);
    return {
      messages,
      taskToken: encodeTaskToken({
        k: 'w',
        n: s.namespace,
        w: s.workflowId,
        r: s.runId,
        s: startedEventId,
        d: ref.dispatchId,
      }),
      workflowExecution: { workflowId: s.workflowId, runId: s.runId },
      workflowType: { name: s.workflowType },
      previousStartedEventId: s.previousStartedEventId,
      startedEventId,
      attempt: wft.attempt,
      history: historyMessage(events),
      workflowExecutionTaskQueue: { name: s.taskQueue, kind: TaskQueueKind.Normal },
      scheduledTime: timestamp(wft.scheduledTime),
      startedTime: timestamp(now),
      queries,
    };
  });
}

/** The started task a token names, or NOT_FOUND. */
export function currentStartedTask(run: Execution, token: { s?: number; d?: number }): WorkflowTaskInfo {
  const wft = run.state.wft;
  if (!run.isRunning) throw workflowCompleted();
  if (!wft || wft.state !== 'started' || wft.startedEventId !== token.s) {
    throw new RpcError(status.NOT_FOUND, 'workflow task not found.');
  }
  return wft;
}

function workflowTaskTimedOut(run: Execution, wft: WorkflowTaskInfo, startedEventId: number): void {
  if (run.state.wft !== wft || wft.state !== 'started' || wft.startedEventId !== startedEventId) return;
  run.touch(() => {
    if (wft.attempt === 1) {
      append(run, 'WorkflowTaskTimedOut', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        timeoutType: ActivityTimeoutType.StartToClose,
      });
    }
    retryWorkflowTask(run, wft);
  });
}

/** After a failure or timeout: the next attempt is transient unless new events must be written. */
function retryWorkflowTask(run: Execution, wft: WorkflowTaskInfo): void {
  const s = run.state;
  s.wft = null;
  s.sticky = null;
  requeueQueries(run, run.wftQueries);
  if (s.buffered?.length) {
    if (wft.transientEvents) {
      keepTransientEvents(run, wft);
      append(run, 'WorkflowTaskFailed', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        cause: WorkflowTaskFailedCause.Unspecified,
      });
    }
    flushBuffered(run);
    s.nextWftAttempt = 1;
  } else {
    s.nextWftAttempt = wft.attempt + 1;
  }
  scheduleWorkflowTask(run);
}

/** A transient task's Scheduled and Started events become history (its outcome follows them). */
export function keepTransientEvents(run: Execution, wft: WorkflowTaskInfo): void {
  if (!wft.transientEvents) return;
  run.state.history.appendEncoded(wft.transientEvents, 2, EventType.WorkflowTaskStarted);
  wft.transientEvents = undefined;
}

export function failWorkflowTask(
  run: Execution,
  token: { s?: number },
  req: RespondWorkflowTaskFailedRequest,
): void {
  const wft = currentStartedTask(run, token);
  run.touch(() => {
    run.wftTimeout?.cancel();
    if (wft.attempt === 1) {
      append(run, 'WorkflowTaskFailed', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        cause: req.cause ?? WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure,
        failure: req.failure ?? undefined,
        identity: req.identity ?? '',
      });
    }
    retryWorkflowTask(run, wft);
  });
}

/** DescribeWorkflowExecution's pendingWorkflowTask. */
export function pendingWorkflowTask(run: Execution): PendingWorkflowTaskInfo | undefined {
  const w = run.state.wft;
  if (!w) return undefined;
  return {
    state: w.state === 'started' ? 2 : 1,
    scheduledTime: timestamp(w.scheduledTime),
    startedTime: w.startedTime ? timestamp(w.startedTime) : undefined,
    attempt: w.attempt,
  };
}
