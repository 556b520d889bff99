import { invalidArgument } from '../grpc/errors';
import type { ActivityOptions, Priority, RetryPolicyMessage } from '../grpc/messages';
import { durationMs, EventType } from '../history/events';
import { activityOptionsOf, holdActivity, resumeActivity } from './activities';
import { selected, type ActivitySelector } from './activityPause';
import { TaskQueueKind } from './enums';
import type { Execution } from './execution';
import { interned } from './interned';
import type { ActivityInfo } from './mutableState';
import { withDefaults } from './retry';

/**
 * UpdateActivityOptions (`temporal activity update-options`), as Temporal's history service
 * applies it (service/history/api/updateactivityoptions): the fields the update mask names are
 * merged into each selected activity's options, or the options of its ActivityTaskScheduled event
 * restored; a waiting attempt is dispatched again with them, a running one keeps running under
 * the new timeouts. The answer is the options the (last) activity now has.
 */

/**
 * Mask paths are camelCase as Temporal's MergeActivityOptions reads them (taskQueue.name,
 * scheduleToCloseTimeout, ..., priority[.priorityKey|.fairnessKey|.fairnessWeight],
 * retryPolicy[.initialInterval|.backoffCoefficient|.maximumInterval|.maximumAttempts]); snake_case
 * is accepted too. Other paths change nothing.
 */
const camel = (path: string) => path.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export function updateActivityOptions(
  run: Execution,
  selector: ActivitySelector,
  o: { options?: ActivityOptions | null; paths: string[]; restoreOriginal: boolean },
): ActivityOptions {
  const acts = selected(run, selector);
  const paths = new Set(o.paths.map(camel));
  if (!o.restoreOriginal) {
    if (!o.options) throw invalidArgument('ActivityOptions are not provided');
    if (!paths.size) throw invalidArgument('UpdateMask is not provided');
  }
  // Every activity's new options are checked before any is changed.
  const updated = acts.map((act) => {
    const next = o.restoreOriginal
      ? originalOptions(run, act)
      : merged(activityOptionsOf(act), o.options!, paths);
    return { act, next: checked(next) };
  });
  run.touch(() => {
    for (const { act, next } of updated) apply(run, act, next);
  });
  return activityOptionsOf(updated[updated.length - 1]!.act);
}

function originalOptions(run: Execution, act: ActivityInfo): ActivityOptions {
  const e = run.history.events(act.scheduledEventId, act.scheduledEventId)[0];
  const a =
    e?.eventType === EventType.ActivityTaskScheduled ? e.activityTaskScheduledEventAttributes : undefined;
  if (!a) throw invalidArgument('ActivityTaskScheduledEvent not found');
  return {
    taskQueue: a.taskQueue,
    scheduleToCloseTimeout: a.scheduleToCloseTimeout,
    scheduleToStartTimeout: a.scheduleToStartTimeout,
    startToCloseTimeout: a.startToCloseTimeout,
    heartbeatTimeout: a.heartbeatTimeout,
    retryPolicy: a.retryPolicy,
    priority: a.priority,
  };
}

function merged(into: ActivityOptions, from: ActivityOptions, paths: Set<string>): ActivityOptions {
  const out: ActivityOptions = {
    ...into,
    retryPolicy: { ...into.retryPolicy },
    priority: { ...into.priority },
  };
  const has = (p: string) => paths.has(p);
  if (has('taskQueue.name')) {
    if (!from.taskQueue?.name) throw invalidArgument('TaskQueue is not provided');
    out.taskQueue = { name: from.taskQueue.name, kind: TaskQueueKind.Normal };
  }
  if (has('scheduleToCloseTimeout')) out.scheduleToCloseTimeout = from.scheduleToCloseTimeout;
  if (has('scheduleToStartTimeout')) out.scheduleToStartTimeout = from.scheduleToStartTimeout;
  if (has('startToCloseTimeout')) out.startToCloseTimeout = from.startToCloseTimeout;
  if (has('heartbeatTimeout')) out.heartbeatTimeout = from.heartbeatTimeout;
  if (has('priority')) out.priority = { ...from.priority };
  const priority: Priority = out.priority!;
  for (const k of ['priorityKey', 'fairnessKey', 'fairnessWeight'] as const) {
    if (!paths.has(`priority.${k}`)) continue;
    if (!from.priority) throw invalidArgument('Priority is not provided');
    (priority as Record<string, unknown>)[k] = from.priority[k];
  }
  if (has('retryPolicy')) {
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    out.retryPolicy = { ...from.retryPolicy };
  }
  const retry: RetryPolicyMessage = out.retryPolicy!;
  for (const k of ['initialInterval', 'backoffCoefficient', 'maximumInterval', 'maximumAttempts'] as const) {
    if (!paths.has(`retryPolicy.${k}`)) continue;
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    (retry as Record<string, unknown>)[k] = from.retryPolicy[k];
  }
  return out;
}

/** The checks of a scheduled activity's options (Temporal's retrypolicy.Validate and timeouts). */
function checked(o: ActivityOptions): ActivityOptions {
  for (const k of [
    'scheduleToCloseTimeout',
    'scheduleToStartTimeout',
    'startToCloseTimeout',
    'heartbeatTimeout',
  ] as const)
    if (durationMs(o[k]) < 0) throw invalidArgument(`${k} must not be negative.`);
  const r = o.retryPolicy ?? {};
  if (durationMs(r.initialInterval) < 0)
    throw invalidArgument('InitialInterval cannot be negative on retry policy.');
  if (r.backoffCoefficient && r.backoffCoefficient < 1)
    throw invalidArgument('BackoffCoefficient cannot be less than 1 on retry policy.');
  if (durationMs(r.maximumInterval) < 0)
    throw invalidArgument('MaximumInterval cannot be negative on retry policy.');
  if (durationMs(r.maximumInterval) > 0 && durationMs(r.maximumInterval) < durationMs(r.initialInterval))
    throw invalidArgument('MaximumInterval cannot be less than InitialInterval on retry policy.');
  if ((r.maximumAttempts ?? 0) < 0)
    throw invalidArgument('MaximumAttempts cannot be negative on retry policy.');
  if (!durationMs(o.scheduleToCloseTimeout) && !durationMs(o.startToCloseTimeout))
    throw invalidArgument('A valid StartToClose or ScheduleToCloseTimeout is not set on ActivityOptions.');
  return o;
}

function apply(run: Execution, act: ActivityInfo, o: ActivityOptions): void {
  const s2c = durationMs(o.scheduleToCloseTimeout);
  // The schedule-to-close deadline keeps its origin (the activity's scheduling, or a reset).
  const origin = act.expiresAt ? act.expiresAt - act.scheduleToCloseMs : act.scheduledTime;
  act.taskQueue = interned(o.taskQueue!.name!);
  act.scheduleToCloseMs = s2c;
  act.scheduleToStartMs = durationMs(o.scheduleToStartTimeout) || s2c;
  act.startToCloseMs = durationMs(o.startToCloseTimeout) || s2c;
  act.heartbeatMs = durationMs(o.heartbeatTimeout);
  act.retry = withDefaults(o.retryPolicy);
  act.expiresAt = s2c ? origin + s2c : 0;
  if (o.priority && Object.values(o.priority).some((v) => v)) act.priority = o.priority;
  else delete act.priority;
  // A paused activity has no timers and no task to move; otherwise both follow the new options.
  if (act.paused) return;
  const waitMs = act.state === 'backoff' ? Math.max(0, (act.retryAt ?? 0) - run.host.clock.now()) : 0;
  holdActivity(run, act);
  resumeActivity(run, act, waitMs);
}
