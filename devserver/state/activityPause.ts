import { failedPrecondition, notFound, workflowCompleted } from '../grpc/errors';
import { holdActivity, resumeActivity } from './activities';
import type { Execution } from './execution';
import type { ActivityInfo, ActivityPause } from './mutableState';

/**
 * An operator's PauseActivity, UnpauseActivity and ResetActivity, as Temporal's history service
 * applies them (service/history/workflow/activity.go). A paused activity gets no new attempt and
 * no timeout; its running attempt, if any, goes on, and its heartbeats answer activity_paused, so
 * the SDK stops it (a failure that counts as an attempt, the next waiting for the unpause).
 * Unpausing dispatches the current attempt again (after the jitter). A reset sets the attempt back
 * to 1 and, unless asked to keep it paused, unpauses; a running attempt is told by its heartbeats
 * (activity_reset).
 */

/** Which pending activities a request names: by id, all of a type, or all. */
export type ActivitySelector = { id: string } | { type: string } | { all: true };

/** Temporal's consts.ErrActivityNotFound. */
const ACTIVITY_NOT_FOUND =
  "Can't find pending activity with such ID. Invalid activityID or activity already completed";

/** The pending activities a request names; NOT_FOUND if none (or the run is closed). */
export function selected(run: Execution, selector: ActivitySelector): ActivityInfo[] {
  if (!run.isRunning) throw workflowCompleted();
  const pending = [...(run.state.activities?.values() ?? [])];
  const matching =
    'id' in selector
      ? pending.filter((a) => a.activityId === selector.id)
      : 'type' in selector
        ? pending.filter((a) => a.activityType === selector.type)
        : pending;
  if (matching.length === 0) throw notFound(ACTIVITY_NOT_FOUND);
  return matching;
}

/** A random offset in [0, jitterMs), as the real server spreads the dispatch of many activities. */
export function jittered(jitterMs: number): number {
  return jitterMs > 0 ? Math.floor(Math.random() * jitterMs) : 0;
}

export function pauseActivities(
  run: Execution,
  selector: ActivitySelector,
  pause: Omit<ActivityPause, 'time'>,
): void {
  const acts = selected(run, selector);
  // All or nothing: one paused by another request refuses the whole call.
  const toPause = acts.filter((a) => {
    if (!a.paused) return true;
    if (a.paused.requestId && a.paused.requestId === pause.requestId) return false;
    throw failedPrecondition('activity is already paused');
  });
  run.touch(() => {
    const time = run.host.clock.now();
    for (const act of toPause) {
      act.paused = { ...pause, time };
      holdActivity(run, act);
    }
  });
}

export function unpauseActivities(
  run: Execution,
  selector: ActivitySelector,
  o: { resetAttempts: boolean; resetHeartbeat: boolean; jitterMs: number },
): void {
  const acts = selected(run, selector);
  run.touch(() => {
    for (const act of acts) {
      if (!act.paused) continue;
      if (o.resetAttempts) act.attempt = 1;
      if (o.resetHeartbeat) {
        act.heartbeatDetails = undefined;
        act.lastHeartbeatTime = undefined;
      }
      unpause(run, act, o.jitterMs);
    }
  });
}

export function resetActivities(
  run: Execution,
  selector: ActivitySelector,
  o: { resetHeartbeat: boolean; keepPaused: boolean; jitterMs: number },
): void {
  const acts = selected(run, selector);
  run.touch(() => {
    for (const act of acts) {
      act.attempt = 1;
      act.resetRequested = true;
      if (o.resetHeartbeat) act.resetHeartbeat = true;
      if (act.paused && !o.keepPaused) unpause(run, act, o.jitterMs);
      else if (!act.paused && act.state !== 'started') {
        // Waiting (in a queue or in backoff): attempt 1 is dispatched now.
        holdActivity(run, act);
        resumeActivity(run, act, jittered(o.jitterMs));
      }
    }
  });
}

function unpause(run: Execution, act: ActivityInfo, jitterMs: number): void {
  act.paused = undefined;
  resumeActivity(run, act, jittered(jitterMs));
}
