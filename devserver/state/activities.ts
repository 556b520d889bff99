import { executionNotFound, workflowCompleted } from '../grpc/errors';
import type { ClockTimer } from '../clock/virtualClock';
import type {
  ActivityOptions,
  CommandAttributes,
  Failure,
  PendingActivityInfo,
  PollActivityTaskQueueResponse,
  Payloads,
  RecordActivityTaskHeartbeatResponse,
} from '../grpc/messages';
import { duration, durationMs, timestamp } from '../history/events';
import { ActivityTimeoutType, TaskQueueKind } from './enums';
import type { EventAttributes, EventExtras } from '../history/events';
import { interned } from './interned';
import { mergePriority } from './priorities';
import type { Execution } from './execution';
import { addEvent, append } from './historyBuilder';
import type { ActivityInfo } from './mutableState';
import { nextRetry, RetryState, withDefaults } from './retry';
import { encodeTaskToken, nextDispatchId, type ActivityTaskRef, type TaskToken } from './taskRefs';

/**
 * Activity tasks: scheduled by a command, dispatched to a queue, started by a poller, then
 * completed, failed (retried after retry.ts's backoff), cancelled or timed out (the four timeouts).
 * ActivityTaskStarted is written only with the attempt's outcome, as the real server does.
 */

/** The runtime-only clock handles of one activity (by scheduled event id on the Execution). */
export interface ActivityTimers {
  /** Timers of the current attempt (schedule-to-start, start-to-close, heartbeat, backoff). */
  attempt: ClockTimer[];
  close?: ClockTimer;
  heartbeat?: ClockTimer;
}

/** RecordActivityTaskHeartbeat's answer: what the worker is to stop the attempt for, if anything. */
export type HeartbeatResponse = Required<
  Pick<RecordActivityTaskHeartbeatResponse, 'cancelRequested' | 'activityPaused' | 'activityReset'>
>;

/** What a task token names of an activity attempt (taskRefs.ts). */
type ActivityToken = Pick<TaskToken, 's' | 'a' | 'd'>;

function timersOf(run: Execution, act: ActivityInfo): ActivityTimers {
  const all = (run.activityTimers ??= new Map());
  let t = all.get(act.scheduledEventId);
  if (!t) all.set(act.scheduledEventId, (t = { attempt: [] }));
  return t;
}

/**
 * The record of the activity an ActivityTaskScheduled event describes, waiting for its first
 * attempt: `now` is when it is offered (its schedule-to-close counts from then; a reset offers
 * again an activity scheduled earlier).
 */
export function scheduledActivity(
  scheduledEventId: number,
  a: EventAttributes<'ActivityTaskScheduled'>,
  scheduledTime: number,
  now: number,
): ActivityInfo {
  const s2c = durationMs(a.scheduleToCloseTimeout);
  const act: ActivityInfo = {
    scheduledEventId,
    activityId: a.activityId!,
    activityType: interned(a.activityType!.name!),
    taskQueue: interned(a.taskQueue!.name!),
    input: a.input,
    header: a.header,
    scheduleToCloseMs: s2c,
    scheduleToStartMs: durationMs(a.scheduleToStartTimeout),
    startToCloseMs: durationMs(a.startToCloseTimeout),
    heartbeatMs: durationMs(a.heartbeatTimeout),
    retry: withDefaults(a.retryPolicy),
    scheduledTime,
    expiresAt: s2c ? now + s2c : 0,
    attempt: 1,
    state: 'scheduled',
    attemptScheduledTime: now,
    startedTime: 0,
    cancelRequested: false,
    cancelRequestedEventId: 0,
    dispatchId: 0,
  };
  if (a.priority) act.priority = a.priority;
  return act;
}

/**
 * A ScheduleActivityTask command. One that asks for eager execution (the worker reserved a slot
 * for it) is not put in its queue: the completion hands it to that worker (startEagerActivities).
 */
export function scheduleActivity(
  run: Execution,
  a: CommandAttributes<'scheduleActivityTaskCommandAttributes'>,
  completedId: number,
  extras?: EventExtras,
): ActivityInfo | undefined {
  const s = run.state;
  const s2c = durationMs(a.scheduleToCloseTimeout) || s.runTimeoutMs;
  const s2s = durationMs(a.scheduleToStartTimeout) || s2c;
  const st2c = durationMs(a.startToCloseTimeout) || s2c;
  const retry = withDefaults(a.retryPolicy);
  const now = run.host.clock.now();
  const taskQueue: string = a.taskQueue?.name || s.taskQueue;
  // validateCommand checked both.
  const activityId = a.activityId!;
  const scheduled: EventAttributes<'ActivityTaskScheduled'> = {
    activityId,
    activityType: a.activityType,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.Normal },
    header: a.header ?? undefined,
    input: a.input ?? undefined,
    scheduleToCloseTimeout: duration(s2c),
    scheduleToStartTimeout: duration(s2s),
    startToCloseTimeout: duration(st2c),
    heartbeatTimeout: a.heartbeatTimeout ?? undefined,
    workflowTaskCompletedEventId: completedId,
    retryPolicy: retry,
    priority: a.priority ?? undefined,
  };
  const scheduledEventId = append(run, 'ActivityTaskScheduled', scheduled, extras);
  const act = scheduledActivity(scheduledEventId, scheduled, now, now);
  (s.activities ??= new Map()).set(scheduledEventId, act);
  armCloseTimer(run, act);
  const eager = !!a.requestEagerExecution;
  dispatchActivity(run, act, !eager);
  return eager ? act : undefined;
}

function armCloseTimer(run: Execution, act: ActivityInfo): void {
  if (!act.expiresAt) return;
  timersOf(run, act).close = run.host.clock.at(act.expiresAt, () =>
    run.touch(() => activityTimedOut(run, act, ActivityTimeoutType.ScheduleToClose, act.dispatchId)),
  );
}

function dispatchActivity(run: Execution, act: ActivityInfo, enqueue = true): void {
  act.state = 'scheduled';
  act.retryAt = undefined;
  act.dispatchId = nextDispatchId();
  act.attemptScheduledTime = run.host.clock.now();
  const dispatchId = act.dispatchId;
  if (act.scheduleToStartMs && act.scheduleToStartMs < act.scheduleToCloseMs) {
    timersOf(run, act).attempt.push(
      run.host.clock.after(act.scheduleToStartMs, () =>
        run.touch(() => activityTimedOut(run, act, ActivityTimeoutType.ScheduleToStart, dispatchId)),
      ),
    );
  }
  if (!enqueue) return;
  run.host.enqueueActivityTask(act.taskQueue, {
    kind: 'activity',
    exec: run,
    scheduledEventId: act.scheduledEventId,
    dispatchId,
  });
}

function clearActivityTimers(run: Execution, act: ActivityInfo, all: boolean): void {
  const t = run.activityTimers?.get(act.scheduledEventId);
  if (!t) return;
  for (const timer of t.attempt) timer.cancel();
  t.attempt = [];
  if (all) t.close?.cancel();
}

export function startActivityTask(
  run: Execution,
  ref: ActivityTaskRef,
  identity: string,
): PollActivityTaskQueueResponse | null {
  const act = run.state.activities?.get(ref.scheduledEventId);
  if (!run.isRunning || !act || act.state !== 'scheduled' || act.dispatchId !== ref.dispatchId) return null;
  return run.touch(() => startAttempt(run, act, identity));
}

/**
 * Eager activity dispatch (Temporal's handlePostCommandEagerExecuteActivity): once a completion's
 * commands are applied, the activities it asked to run eagerly are started for the worker that
 * completed it, and go back in its response. Those cancelled by the same completion, or whose
 * run it closed, are not.
 */
export function startEagerActivities(
  run: Execution,
  eager: readonly ActivityInfo[],
  identity: string,
): PollActivityTaskQueueResponse[] {
  if (!run.isRunning) return [];
  return eager
    .filter((act) => run.state.activities?.get(act.scheduledEventId) === act && act.state === 'scheduled')
    .map((act) => startAttempt(run, act, identity));
}

/** Starts the scheduled attempt: its start-to-close and heartbeat timers, and the worker's task. */
function startAttempt(run: Execution, act: ActivityInfo, identity: string): PollActivityTaskQueueResponse {
  const s = run.state;
  clearActivityTimers(run, act, false);
  const now = run.host.clock.now();
  act.state = 'started';
  act.startedTime = now;
  act.identity = identity;
  const dispatchId = act.dispatchId;
  armStartedTimers(run, act);
  return {
    taskToken: encodeTaskToken({
      k: 'a',
      n: s.namespace,
      w: s.workflowId,
      r: s.runId,
      s: act.scheduledEventId,
      a: act.attempt,
      d: dispatchId,
    }),
    workflowNamespace: s.namespace,
    workflowType: { name: s.workflowType },
    workflowExecution: { workflowId: s.workflowId, runId: s.runId },
    activityType: { name: act.activityType },
    activityId: act.activityId,
    header: act.header ?? undefined,
    input: act.input ?? undefined,
    heartbeatDetails: act.heartbeatDetails ?? undefined,
    scheduledTime: timestamp(act.scheduledTime),
    currentAttemptScheduledTime: timestamp(act.attemptScheduledTime),
    startedTime: timestamp(now),
    attempt: act.attempt,
    scheduleToCloseTimeout: duration(act.scheduleToCloseMs),
    startToCloseTimeout: duration(act.startToCloseMs),
    heartbeatTimeout: duration(act.heartbeatMs),
    retryPolicy: act.retry,
    priority: mergePriority(s.priority, act.priority),
  };
}

/** A started attempt's start-to-close (from its start) and heartbeat (from now) timeouts. */
function armStartedTimers(run: Execution, act: ActivityInfo): void {
  const dispatchId = act.dispatchId;
  if (act.startToCloseMs) {
    timersOf(run, act).attempt.push(
      run.host.clock.at(act.startedTime + act.startToCloseMs, () =>
        run.touch(() => activityTimedOut(run, act, ActivityTimeoutType.StartToClose, dispatchId)),
      ),
    );
  }
  armHeartbeatTimer(run, act);
}

function armHeartbeatTimer(run: Execution, act: ActivityInfo): void {
  if (!act.heartbeatMs) return;
  const dispatchId = act.dispatchId;
  const timer = run.host.clock.after(act.heartbeatMs, () =>
    run.touch(() => activityTimedOut(run, act, ActivityTimeoutType.Heartbeat, dispatchId)),
  );
  const t = timersOf(run, act);
  t.heartbeat?.cancel();
  t.heartbeat = timer;
  t.attempt.push(timer);
}

/**
 * The ...ById calls (async completion by workflow and activity id): the token of the activity's
 * current attempt. Completing, failing or cancelling an attempt no worker has picked up yet starts
 * it first, as Temporal's history service does for these calls; a heartbeat needs a started one.
 */
export function activityTokenById(
  run: Execution,
  activityId: string,
  identity: string,
  startIfWaiting: boolean,
): ActivityToken {
  if (!run.isRunning) throw workflowCompleted();
  const act = [...(run.state.activities?.values() ?? [])].find((a) => a.activityId === activityId);
  if (!act || (act.state !== 'started' && !startIfWaiting)) {
    throw executionNotFound(
      'invalid activityID or activity already timed out or invoking workflow is completed',
    );
  }
  if (act.state !== 'started') {
    clearActivityTimers(run, act, false);
    act.state = 'started';
    act.startedTime = run.host.clock.now();
    act.identity = identity;
  }
  return { s: act.scheduledEventId, a: act.attempt, d: act.dispatchId };
}

/** The started attempt a task token names, or NOT_FOUND (completed, timed out, retried...). */
function startedActivity(run: Execution, token: ActivityToken): ActivityInfo {
  if (!run.isRunning) throw workflowCompleted();
  const act = run.state.activities?.get(token.s ?? -1);
  if (!act || act.state !== 'started' || act.dispatchId !== token.d) {
    throw executionNotFound(
      'invalid activityID or activity already timed out or invoking workflow is completed',
    );
  }
  return act;
}

export function heartbeatActivity(
  run: Execution,
  token: ActivityToken,
  details: Payloads | null | undefined,
): HeartbeatResponse {
  const act = startedActivity(run, token);
  return run.touch(() => {
    if (details) act.heartbeatDetails = details;
    act.lastHeartbeatTime = run.host.clock.now();
    const t = timersOf(run, act);
    t.attempt = t.attempt.filter((timer) => timer !== t.heartbeat);
    // A paused activity has no heartbeat timeout (its worker is told to stop).
    if (!act.paused) armHeartbeatTimer(run, act);
    return {
      cancelRequested: act.cancelRequested,
      activityPaused: !!act.paused,
      activityReset: !!act.resetRequested,
    };
  });
}

/** ActivityTaskStarted, written only with the attempt's outcome (which must follow at once). */
function activityStartedEvent(run: Execution, act: ActivityInfo): void {
  addEvent(
    run,
    'ActivityTaskStarted',
    {
      scheduledEventId: act.scheduledEventId,
      identity: act.identity ?? '',
      requestId: `${act.dispatchId}`,
      attempt: act.attempt,
      lastFailure: act.lastFailure ?? undefined,
    },
    false,
    false,
  );
}

function finishActivity(run: Execution, act: ActivityInfo): void {
  clearActivityTimers(run, act, true);
  const s = run.state;
  s.activities?.delete(act.scheduledEventId);
  if (s.activities?.size === 0) s.activities = undefined;
  run.activityTimers?.delete(act.scheduledEventId);
  if (run.activityTimers?.size === 0) run.activityTimers = undefined;
}

/** The run closed: no activity timer fires any more. */
export function dropAllActivities(run: Execution): void {
  for (const a of run.state.activities?.values() ?? []) clearActivityTimers(run, a, true);
  run.state.activities = undefined;
  run.activityTimers = undefined;
}

export function completeActivity(
  run: Execution,
  token: ActivityToken,
  result: Payloads | null | undefined,
  identity: string,
): void {
  const act = startedActivity(run, token);
  run.touch(() => {
    finishActivity(run, act);
    activityStartedEvent(run, act);
    addEvent(
      run,
      'ActivityTaskCompleted',
      { result: result ?? undefined, scheduledEventId: act.scheduledEventId, identity },
      true,
    );
  });
}

export function failActivity(
  run: Execution,
  token: ActivityToken,
  failure: Failure | null | undefined,
  identity: string,
  lastHeartbeatDetails?: Payloads | null,
): void {
  const act = startedActivity(run, token);
  run.touch(() => {
    if (lastHeartbeatDetails) act.heartbeatDetails = lastHeartbeatDetails;
    const info = failure?.applicationFailureInfo;
    // A server failure (e.g. a result over the blob limit) says itself whether it may be retried.
    const nonRetryable = !!(info?.nonRetryable || failure?.serverFailureInfo?.nonRetryable);
    retryOrClose(run, act, failure, { type: info?.type, nonRetryable }, 'ActivityTaskFailed', {
      failure: failure ?? undefined,
      identity,
    });
  });
}

/**
 * A started attempt failed or timed out: the next attempt after the policy's backoff, or, when
 * the policy says no (or the workflow asked to cancel), the activity closes with `closeType`.
 */
function retryOrClose(
  run: Execution,
  act: ActivityInfo,
  failure: Failure | null | undefined,
  kind: { type?: string | null; nonRetryable?: boolean; timeout?: boolean },
  closeType: 'ActivityTaskFailed' | 'ActivityTaskTimedOut',
  closeAttrs: EventAttributes<'ActivityTaskFailed'> & EventAttributes<'ActivityTaskTimedOut'>,
): void {
  const decision = nextRetry(act.retry, act.attempt, kind, run.host.clock.now(), act.expiresAt);
  if (act.paused && !act.cancelRequested && decision.state !== RetryState.NonRetryableFailure) {
    // As Temporal's RetryActivity: the attempt counts, the next one waits for the unpause.
    nextAttempt(run, act, failure);
    act.state = 'scheduled';
    act.dispatchId = nextDispatchId();
    return;
  }
  if (decision.retry && !act.cancelRequested) {
    nextAttempt(run, act, failure);
    backOff(run, act, decision.delayMs);
    return;
  }
  finishActivity(run, act);
  activityStartedEvent(run, act);
  addEvent(
    run,
    closeType,
    {
      ...closeAttrs,
      scheduledEventId: act.scheduledEventId,
      retryState: act.cancelRequested ? RetryState.CancelRequested : decision.state,
    },
    true,
  );
}

/** The attempt after a failed one: the failed attempt's timers cleared, its failure kept. */
function nextAttempt(run: Execution, act: ActivityInfo, failure: Failure | null | undefined): void {
  clearActivityTimers(run, act, false);
  act.lastFailure = failure;
  act.attempt++;
  newAttempt(act);
}

/** The current attempt dispatched again after `delayMs`. */
function backOff(run: Execution, act: ActivityInfo, delayMs: number): void {
  act.state = 'backoff';
  act.dispatchId = nextDispatchId();
  act.retryAt = run.host.clock.now() + delayMs;
  armBackoff(run, act);
}

/** What an operator's reset asked of the next attempt (Temporal's UpdateActivityInfoForRetries). */
function newAttempt(act: ActivityInfo): void {
  act.resetRequested = undefined;
  if (act.resetHeartbeat) {
    act.heartbeatDetails = undefined;
    act.lastHeartbeatTime = undefined;
    act.resetHeartbeat = undefined;
  }
}

function armBackoff(run: Execution, act: ActivityInfo): void {
  timersOf(run, act).attempt.push(
    run.host.clock.at(act.retryAt ?? 0, () => run.touch(() => dispatchActivity(run, act))),
  );
}

/**
 * A restored activity (server restart): its schedule-to-close deadline set again; a task that
 * waited in a queue or in backoff is offered again when due. An attempt that was running went away
 * with the old process (or its worker will be told the task is gone): it counts as timed out now,
 * and the retry policy decides, as after any start-to-close timeout.
 */
export function restoreActivity(run: Execution, act: ActivityInfo): void {
  // A paused activity has no timer; a running attempt of one is counted as below (and waits).
  if (!act.paused) armCloseTimer(run, act);
  if (act.state === 'scheduled') {
    if (!act.paused) dispatchActivity(run, act);
  } else if (act.state === 'backoff') armBackoff(run, act);
  else activityTimedOut(run, act, ActivityTimeoutType.StartToClose, act.dispatchId);
}

export function cancelActivity(
  run: Execution,
  token: ActivityToken,
  details: Payloads | null | undefined,
  identity: string,
): void {
  const act = startedActivity(run, token);
  run.touch(() => {
    finishActivity(run, act);
    activityStartedEvent(run, act);
    addEvent(
      run,
      'ActivityTaskCanceled',
      {
        details: details ?? undefined,
        latestCancelRequestedEventId: act.cancelRequestedEventId,
        scheduledEventId: act.scheduledEventId,
        identity,
      },
      true,
    );
  });
}

const TIMEOUT_NAMES: Record<number, string> = {
  1: 'StartToClose',
  2: 'ScheduleToStart',
  3: 'ScheduleToClose',
  4: 'Heartbeat',
};

function activityTimedOut(run: Execution, act: ActivityInfo, timeoutType: number, dispatchId: number): void {
  if (run.state.activities?.get(act.scheduledEventId) !== act) return;
  if (timeoutType !== ActivityTimeoutType.ScheduleToClose && act.dispatchId !== dispatchId) return;
  const wasStarted = act.state === 'started';
  const failure: Failure = {
    message: `activity ${TIMEOUT_NAMES[timeoutType]} timeout`,
    source: 'Server',
    timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails ?? undefined },
    cause: timeoutType === ActivityTimeoutType.ScheduleToClose ? (act.lastFailure ?? undefined) : undefined,
  };
  if (timeoutType === ActivityTimeoutType.StartToClose || timeoutType === ActivityTimeoutType.Heartbeat) {
    retryOrClose(run, act, failure, { timeout: true }, 'ActivityTaskTimedOut', { failure });
    return;
  }
  finishActivity(run, act);
  if (wasStarted) activityStartedEvent(run, act);
  addEvent(
    run,
    'ActivityTaskTimedOut',
    { failure, scheduledEventId: act.scheduledEventId, startedEventId: 0, retryState: RetryState.Timeout },
    wasStarted,
  );
}

/** The RequestCancelActivityTask command: an activity not running anywhere is cancelled at once. */
export function requestCancelActivity(
  run: Execution,
  a: CommandAttributes<'requestCancelActivityTaskCommandAttributes'>,
  completedId: number,
): void {
  const scheduledEventId = a.scheduledEventId ?? 0;
  const act = run.state.activities?.get(scheduledEventId);
  const requestedId = append(run, 'ActivityTaskCancelRequested', {
    scheduledEventId,
    workflowTaskCompletedEventId: completedId,
  });
  if (!act) return;
  act.cancelRequested = true;
  act.cancelRequestedEventId = requestedId;
  if (act.state !== 'started') {
    finishActivity(run, act);
    addEvent(run, 'ActivityTaskCanceled', {
      latestCancelRequestedEventId: requestedId,
      scheduledEventId: act.scheduledEventId,
      startedEventId: 0,
      identity: '',
    });
  }
}

/**
 * Paused (activityPause.ts): every timer of the activity stops and a task waiting in a queue or in
 * backoff is withdrawn (it waits as scheduled); a running attempt goes on until its worker stops it.
 */
export function holdActivity(run: Execution, act: ActivityInfo): void {
  clearActivityTimers(run, act, true);
  if (act.state === 'started') return;
  act.state = 'scheduled';
  act.retryAt = undefined;
  act.dispatchId = nextDispatchId();
}

/**
 * Unpaused or reset (activityPause.ts): the schedule-to-close deadline armed again, and the running
 * attempt's timeouts, or else a new dispatch of the current attempt after `delayMs` (jitter).
 */
export function resumeActivity(run: Execution, act: ActivityInfo, delayMs: number): void {
  clearActivityTimers(run, act, true);
  armCloseTimer(run, act);
  if (act.state === 'started') {
    armStartedTimers(run, act);
    return;
  }
  newAttempt(act);
  if (delayMs <= 0) {
    dispatchActivity(run, act);
    return;
  }
  backOff(run, act, delayMs);
}

const PendingActivityState = {
  Scheduled: 1,
  Started: 2,
  CancelRequested: 3,
  Paused: 4,
  PauseRequested: 5,
} as const;

/** Describe's state of an activity, as Temporal's GetPendingActivityInfo tells it. */
function pendingState(a: ActivityInfo): number {
  if (a.cancelRequested) return PendingActivityState.CancelRequested;
  if (a.state === 'started')
    return a.paused ? PendingActivityState.PauseRequested : PendingActivityState.Started;
  return a.paused ? PendingActivityState.Paused : PendingActivityState.Scheduled;
}

/** An activity's options as describe and this call's answer show them. */
export function activityOptionsOf(act: ActivityInfo): ActivityOptions {
  return {
    taskQueue: { name: act.taskQueue, kind: TaskQueueKind.Normal },
    scheduleToCloseTimeout: duration(act.scheduleToCloseMs),
    scheduleToStartTimeout: duration(act.scheduleToStartMs),
    startToCloseTimeout: duration(act.startToCloseMs),
    heartbeatTimeout: duration(act.heartbeatMs),
    retryPolicy: act.retry,
    priority: act.priority,
  };
}

/** DescribeWorkflowExecution's pendingActivities. */
export function pendingActivities(run: Execution): PendingActivityInfo[] {
  return [...(run.state.activities?.values() ?? [])].map((a) => ({
    activityId: a.activityId,
    activityType: { name: a.activityType },
    state: pendingState(a),
    paused: !!a.paused,
    pauseInfo: a.paused
      ? {
          pauseTime: timestamp(a.paused.time),
          manual: { identity: a.paused.identity, reason: a.paused.reason },
        }
      : undefined,
    heartbeatDetails: a.heartbeatDetails ?? undefined,
    lastHeartbeatTime: a.lastHeartbeatTime ? timestamp(a.lastHeartbeatTime) : undefined,
    lastStartedTime: a.startedTime ? timestamp(a.startedTime) : undefined,
    attempt: a.attempt,
    maximumAttempts: a.retry.maximumAttempts ?? 0,
    scheduledTime: timestamp(a.attemptScheduledTime),
    expirationTime: a.expiresAt ? timestamp(a.expiresAt) : undefined,
    lastFailure: a.lastFailure ?? undefined,
    lastWorkerIdentity: a.identity ?? '',
    activityOptions: activityOptionsOf(a),
  }));
}
