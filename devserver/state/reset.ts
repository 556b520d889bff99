import { invalidArgument } from '../grpc/errors';
import type { Payload, UpdateRequest } from '../grpc/messages';
import { EncodedHistory } from '../history/encodedHistory';
import { EventType, durationMs, timestampMs, type HistoryEvent } from '../history/events';
import { restoreActivity, scheduledActivity } from './activities';
import { runTimedOut } from './close';
import { ExecutionStatus, HISTORY_SERVICE_IDENTITY, WorkflowTaskFailedCause } from './enums';
import { Execution, type ExecutionHost } from './execution';
import { append } from './historyBuilder';
import {
  NO_FIELDS,
  upserted,
  type ActivityInfo,
  type ChildInfo,
  type MutableState,
  type TimerInfo,
} from './mutableState';
import { armTimer } from './timers';
import { UpdateStage, WorkflowUpdate } from './updates';
import { scheduleWorkflowTask } from './workflowTask';

/**
 * ResetWorkflowExecution to a workflow task (what `temporal workflow reset` sends), as Temporal's
 * history service does it: a new run of the same workflow id whose history is the base run's up to
 * the reset point (the workflow task started just before `workflowTaskFinishEventId`), followed by
 * that task failed with cause RESET_WORKFLOW (naming the base and new runs, which tells the SDK
 * its run id changed), the signals received after the point (per the reapply type), and a new
 * workflow task. The mutable state at the point is rebuilt from the copied events: timers still
 * running fire at their original time, activities still open are offered again, children still
 * running stay the new run's (the reset's termination of the current run leaves them running, and
 * their close is forwarded along resetRunId), updates accepted there are known again.
 */

export const ResetReapplyType = { Unspecified: 0, Signal: 1, None: 2, AllEligible: 3 } as const;
export const ResetReapplyExcludeType = { Signal: 1, Update: 2 } as const;
const UpdateAdmittedEventOrigin = { Reapply: 1 } as const;

/** What is reapplied after the reset point: Temporal's GetResetReapplyExcludeTypes, turned around. */
export interface Reapply {
  signals: boolean;
  updates: boolean;
}

/** The (deprecated) reapply type says what to include, the exclude types what to leave out. */
export function reapplyOf(reapplyType: number, excludeTypes: number[]): Reapply {
  return {
    signals: reapplyType !== ResetReapplyType.None && !excludeTypes.includes(ResetReapplyExcludeType.Signal),
    updates:
      reapplyType !== ResetReapplyType.None &&
      reapplyType !== ResetReapplyType.Signal &&
      !excludeTypes.includes(ResetReapplyExcludeType.Update),
  };
}

/** Identities Temporal's history service writes on the events of a reset. */
export const RESETTER_IDENTITY = 'history-resetter';

export interface ResetOptions {
  reason: string;
  workflowTaskFinishEventId: number;
  reapply: Reapply;
  requestId: string;
  newRunId: string;
  /** Runs after the base (its continue-as-new successors) whose signals and updates are also reapplied. */
  laterRuns: Execution[];
  /** Called once the reset point is known to be usable, before the new run exists (terminates the current run). */
  beforeStart: () => void;
}

/** Whether the run was closed by a reset's termination of the current run (Temporal's IsTerminatedByResetter). */
export function terminatedByResetter(run: Execution): boolean {
  const last = run.lastEvent;
  return (
    last.eventType === EventType.WorkflowExecutionTerminated &&
    last.workflowExecutionTerminatedEventAttributes?.identity === RESETTER_IDENTITY
  );
}

/** Checks the reset point; returns the id of the last event copied (a workflow task's Started or Scheduled). */
export function resetPoint(base: Execution, finishEventId: number): number {
  const last = base.history.length;
  if (!Number.isInteger(finishEventId) || finishEventId <= 1 || finishEventId > last) {
    throw invalidArgument('Workflow task finish ID must be > 1 && <= workflow last event ID.');
  }
  const copied = base.history.events(finishEventId - 1, finishEventId - 1)[0]!;
  if (
    copied.eventType !== EventType.WorkflowTaskStarted &&
    copied.eventType !== EventType.WorkflowTaskScheduled
  ) {
    throw invalidArgument(
      `Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: ${finishEventId}`,
    );
  }
  return finishEventId - 1;
}

/** The new run, built from the base run's history up to `point` (checked by resetPoint). */
export function resetRun(host: ExecutionHost, base: Execution, point: number, o: ResetOptions): Execution {
  const events = base.history.events(1, point);
  const rebuilt = rebuild(events, host.clock.now());
  o.beforeStart();
  const started = events[0]!.workflowExecutionStartedEventAttributes!;
  const b = base.state;
  const state: MutableState = {
    namespace: b.namespace,
    workflowId: b.workflowId,
    runId: o.newRunId,
    firstRunId: b.firstRunId,
    workflowType: b.workflowType,
    taskQueue: b.taskQueue,
    requestId: o.requestId,
    startTime: b.startTime,
    executionTime: b.executionTime,
    parent: b.parent,
    runTimeoutMs: b.runTimeoutMs,
    executionTimeoutMs: b.executionTimeoutMs,
    taskTimeoutMs: durationMs(started.workflowTaskTimeout) || b.taskTimeoutMs,
    status: ExecutionStatus.Running,
    closeTime: 0,
    history: EncodedHistory.fromEncoded(base.history.encoded(1, point)),
    memo: rebuilt.memo,
    searchAttributes: rebuilt.searchAttributes,
    previousStartedEventId: rebuilt.previousStartedEventId,
    wft: null,
    sticky: null,
    nextRunId: '',
    activities: rebuilt.activities.size ? rebuilt.activities : undefined,
    children: rebuilt.children.size ? rebuilt.children : undefined,
    timers: rebuilt.timers.length ? rebuilt.timers : undefined,
    buffered: undefined,
    nextWftAttempt: 1,
    lastResetTime: host.clock.now(),
  };
  const run = new Execution(host, { restored: state });
  for (const u of rebuilt.updates.values()) (run.updateMap ??= new Map()).set(u.id, u);
  const reapplied = eventsAfter(base, point, o.laterRuns, o.reapply, rebuilt.updates);
  run.touch(() => {
    const lastCopied = events[events.length - 1]!;
    let scheduledEventId = lastCopied.eventId;
    let startedEventId = lastCopied.eventId;
    if (lastCopied.eventType === EventType.WorkflowTaskScheduled) {
      // The failed event needs a started task: the history service starts it first.
      startedEventId = append(run, 'WorkflowTaskStarted', {
        scheduledEventId,
        identity: HISTORY_SERVICE_IDENTITY,
        requestId: o.requestId,
      });
    } else {
      scheduledEventId = lastCopied.workflowTaskStartedEventAttributes?.scheduledEventId ?? point - 1;
    }
    append(run, 'WorkflowTaskFailed', {
      scheduledEventId,
      startedEventId,
      cause: WorkflowTaskFailedCause.ResetWorkflow,
      failure: { message: o.reason, resetWorkflowFailureInfo: {} },
      identity: HISTORY_SERVICE_IDENTITY,
      baseRunId: base.runId,
      newRunId: o.newRunId,
      forkEventVersion: 0,
    });
    for (const e of reapplied) {
      if ('signal' in e) {
        append(run, 'WorkflowExecutionSignaled', {
          signalName: e.signal.signalName,
          input: e.signal.input ?? undefined,
          identity: e.signal.identity ?? '',
          header: e.signal.header ?? undefined,
        });
        continue;
      }
      // As Temporal's reapply: an UpdateAdmitted event, which the worker reads as the request.
      const update = new WorkflowUpdate(e.updateId, e.request);
      update.admittedEventId = append(run, 'WorkflowExecutionUpdateAdmitted', {
        request: e.request,
        origin: UpdateAdmittedEventOrigin.Reapply,
      });
      (run.updateMap ??= new Map()).set(update.id, update);
    }
    if (run.runTimeoutMs) {
      const at = run.startTime + run.runTimeoutMs;
      (run.runTimers ??= []).push(host.clock.at(at, () => runTimedOut(run)));
    }
    for (const timer of state.timers ?? []) armTimer(run, timer);
    for (const act of state.activities?.values() ?? []) restoreActivity(run, act);
    scheduleWorkflowTask(run);
  });
  return run;
}

interface Rebuilt {
  memo: Record<string, Payload>;
  searchAttributes: Record<string, Payload>;
  previousStartedEventId: number;
  activities: Map<number, ActivityInfo>;
  timers: TimerInfo[];
  /** Updates accepted (and maybe completed) in the copied events, by id: a replay runs them again. */
  updates: Map<string, WorkflowUpdate>;
  /** Children started and still open at the point, by initiated event id (the new run's). */
  children: Map<number, ChildInfo>;
}

/** The mutable state the copied events leave (what a replay of them in the history service gives). */
function rebuild(events: HistoryEvent[], now: number): Rebuilt {
  const started = events[0]!.workflowExecutionStartedEventAttributes!;
  let memo = started.memo?.fields ? upserted(NO_FIELDS, started.memo.fields) : NO_FIELDS;
  let searchAttributes = started.searchAttributes?.indexedFields
    ? upserted(NO_FIELDS, started.searchAttributes.indexedFields)
    : NO_FIELDS;
  let previousStartedEventId = 0;
  const activities = new Map<number, ActivityInfo>();
  const timers: TimerInfo[] = [];
  const updates = new Map<string, WorkflowUpdate>();
  const children = new Map<number, ChildInfo>();
  /** Child starts and external signals or cancel requests initiated and without an outcome. */
  const inFlight = new Map<number, HistoryEvent>();
  for (const e of events) {
    const time = timestampMs(e.eventTime);
    switch (e.eventType) {
      case EventType.WorkflowTaskCompleted:
        previousStartedEventId =
          e.workflowTaskCompletedEventAttributes?.startedEventId ?? previousStartedEventId;
        break;
      case EventType.ActivityTaskScheduled:
        // The activity is offered again now: its schedule-to-close counts from the reset.
        activities.set(
          e.eventId,
          scheduledActivity(e.eventId, e.activityTaskScheduledEventAttributes!, time, now),
        );
        break;
      case EventType.ActivityTaskCancelRequested: {
        const a = activities.get(e.activityTaskCancelRequestedEventAttributes?.scheduledEventId ?? -1);
        if (a) {
          a.cancelRequested = true;
          a.cancelRequestedEventId = e.eventId;
        }
        break;
      }
      case EventType.ActivityTaskCompleted:
      case EventType.ActivityTaskFailed:
      case EventType.ActivityTaskTimedOut:
      case EventType.ActivityTaskCanceled: {
        const attrs =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        activities.delete(attrs?.scheduledEventId ?? -1);
        break;
      }
      case EventType.TimerStarted: {
        const a = e.timerStartedEventAttributes!;
        timers.push({
          timerId: a.timerId!,
          startedEventId: e.eventId,
          fireAt: time + durationMs(a.startToFireTimeout),
        });
        break;
      }
      case EventType.TimerFired:
      case EventType.TimerCanceled: {
        const id = e.timerFiredEventAttributes?.timerId ?? e.timerCanceledEventAttributes?.timerId;
        const i = timers.findIndex((t) => t.timerId === id);
        if (i >= 0) timers.splice(i, 1);
        break;
      }
      case EventType.StartChildWorkflowExecutionInitiated:
      case EventType.SignalExternalWorkflowExecutionInitiated:
      case EventType.RequestCancelExternalWorkflowExecutionInitiated:
        inFlight.set(e.eventId, e);
        break;
      case EventType.ChildWorkflowExecutionStarted: {
        const a = e.childWorkflowExecutionStartedEventAttributes!;
        const initiated = inFlight.get(
          a.initiatedEventId ?? -1,
        )?.startChildWorkflowExecutionInitiatedEventAttributes;
        inFlight.delete(a.initiatedEventId ?? -1);
        children.set(a.initiatedEventId!, {
          workflowId: a.workflowExecution!.workflowId!,
          runId: a.workflowExecution!.runId!,
          closePolicy: initiated?.parentClosePolicy || 1,
        });
        break;
      }
      case EventType.StartChildWorkflowExecutionFailed:
      case EventType.ChildWorkflowExecutionCompleted:
      case EventType.ChildWorkflowExecutionFailed:
      case EventType.ChildWorkflowExecutionCanceled:
      case EventType.ChildWorkflowExecutionTimedOut:
      case EventType.ChildWorkflowExecutionTerminated:
        inFlight.delete(childInitiatedId(e));
        children.delete(childInitiatedId(e));
        break;
      case EventType.SignalExternalWorkflowExecutionFailed:
      case EventType.ExternalWorkflowExecutionSignaled:
      case EventType.RequestCancelExternalWorkflowExecutionFailed:
      case EventType.ExternalWorkflowExecutionCancelRequested:
        inFlight.delete(externalInitiatedId(e));
        break;
      case EventType.WorkflowExecutionUpdateAccepted: {
        const a = e.workflowExecutionUpdateAcceptedEventAttributes!;
        const update = new WorkflowUpdate(a.protocolInstanceId!, a.acceptedRequest ?? {});
        update.acceptedEventId = e.eventId;
        update.advance(UpdateStage.Accepted);
        updates.set(update.id, update);
        break;
      }
      case EventType.WorkflowExecutionUpdateCompleted: {
        const a = e.workflowExecutionUpdateCompletedEventAttributes!;
        updates.get(a.meta?.updateId ?? '')?.advance(UpdateStage.Completed, a.outcome ?? undefined);
        break;
      }
      case EventType.UpsertWorkflowSearchAttributes:
        searchAttributes = upserted(
          searchAttributes,
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        break;
      case EventType.WorkflowPropertiesModified:
        memo = upserted(memo, e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {});
        break;
    }
  }
  // Not a started child (those are kept above): a command with no outcome yet. Temporal re-drives
  // such commands (its task refresher makes their transfer tasks again for the new run). This
  // server writes the outcome in the completion that initiated it (held back with the other
  // events and written before the next workflow task is scheduled), so no reset point of its
  // histories has one; refused rather than guessed at if one ever did.
  if (inFlight.size) {
    throw invalidArgument(
      'This server cannot reset to a point where a child workflow start or an external signal or cancel is in flight.',
    );
  }
  return { memo, searchAttributes, previousStartedEventId, activities, timers, updates, children };
}

function childInitiatedId(e: HistoryEvent): number {
  const a =
    e.startChildWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCompletedEventAttributes ??
    e.childWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCanceledEventAttributes ??
    e.childWorkflowExecutionTimedOutEventAttributes ??
    e.childWorkflowExecutionTerminatedEventAttributes;
  return a?.initiatedEventId ?? -1;
}

function externalInitiatedId(e: HistoryEvent): number {
  const a =
    e.signalExternalWorkflowExecutionFailedEventAttributes ??
    e.externalWorkflowExecutionSignaledEventAttributes ??
    e.requestCancelExternalWorkflowExecutionFailedEventAttributes ??
    e.externalWorkflowExecutionCancelRequestedEventAttributes;
  return a?.initiatedEventId ?? -1;
}

type Reapplied =
  | { signal: NonNullable<HistoryEvent['workflowExecutionSignaledEventAttributes']> }
  | { updateId: string; request: UpdateRequest };

/**
 * What the base run (and the runs after it) received after the reset point, in order, as
 * Temporal's reapplyEvents picks it: signals, and updates (an UpdateAdmitted event, or an
 * UpdateAccepted one not preceded by its Admitted event), each update once and only if the copied
 * events do not already hold it.
 */
function eventsAfter(
  base: Execution,
  point: number,
  laterRuns: Execution[],
  reapply: Reapply,
  known: Map<string, WorkflowUpdate>,
): Reapplied[] {
  const picked: Reapplied[] = [];
  const updateIds = new Set(known.keys());
  const update = (request: UpdateRequest | null | undefined) => {
    const id = request?.meta?.updateId;
    if (!reapply.updates || !id || updateIds.has(id)) return;
    updateIds.add(id);
    picked.push({ updateId: id, request: request! });
  };
  const from = (run: Execution, first: number) => {
    for (const e of run.history.events(first)) {
      if (e.eventType === EventType.WorkflowExecutionSignaled && reapply.signals)
        picked.push({ signal: e.workflowExecutionSignaledEventAttributes! });
      else if (e.eventType === EventType.WorkflowExecutionUpdateAdmitted)
        update(e.workflowExecutionUpdateAdmittedEventAttributes?.request);
      else if (e.eventType === EventType.WorkflowExecutionUpdateAccepted)
        update(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest);
    }
  };
  from(base, point + 1);
  for (const r of laterRuns) from(r, 1);
  return picked;
}
