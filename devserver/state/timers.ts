import { durationMs, type EventExtras, type PendingEvent } from '../history/events';
import type { DurationMessage } from '../grpc/messages';
import { dropHeldBackTimerFired } from '../history/rules';
import type { Execution } from './execution';
import { addEvent, append } from './historyBuilder';
import type { TimerInfo } from './mutableState';

/**
 * User timers (StartTimer / CancelTimer commands, TimerFired): the data is a TimerInfo in the
 * mutable state, the clock handle that fires it is runtime-only (Execution.timerHandles, at the
 * same index). Plain lists sized to their contents: most runs that wait hold one timer.
 */

export function startTimer(
  run: Execution,
  timerId: string,
  startToFireTimeout: DurationMessage,
  completedId: number,
  extras?: EventExtras,
): void {
  const startedEventId = append(
    run,
    'TimerStarted',
    { timerId, startToFireTimeout, workflowTaskCompletedEventId: completedId },
    extras,
  );
  const fireAt = run.host.clock.now() + Math.max(0, durationMs(startToFireTimeout));
  const timer: TimerInfo = { timerId, startedEventId, fireAt };
  // A literal, not push on []: that would reserve room for 17 timers in each waiting run.
  if (run.state.timers) run.state.timers.push(timer);
  else run.state.timers = [timer];
  armTimer(run, timer);
}

/** Sets the clock handle that fires a timer (at its start, and again after a restore). */
export function armTimer(run: Execution, timer: TimerInfo): void {
  const { timerId, startedEventId } = timer;
  const handle = run.host.clock.at(timer.fireAt, () =>
    run.touch(() => {
      if (removeTimer(run, timerId) !== timer) return;
      addEvent(run, 'TimerFired', { timerId, startedEventId });
    }),
  );
  const i = run.state.timers!.indexOf(timer);
  if (run.timerHandles) run.timerHandles[i] = handle;
  else run.timerHandles = [handle];
}

/** The CancelTimer command: a running timer stops; one whose TimerFired is held back loses it. */
export function cancelTimer(run: Execution, timerId: string, completedId: number): void {
  const timer = removeTimer(run, timerId);
  let startedEventId = timer?.startedEventId ?? 0;
  const buffered = run.state.buffered;
  if (!timer && buffered) {
    const fired = buffered.find(
      (e): e is PendingEvent<'TimerFired'> => e.type === 'TimerFired' && e.attributes.timerId === timerId,
    );
    startedEventId = fired?.attributes.startedEventId ?? 0;
    dropHeldBackTimerFired(buffered, timerId);
  }
  append(run, 'TimerCanceled', { timerId, startedEventId, workflowTaskCompletedEventId: completedId });
}

/** Takes a running timer out of the run (and cancels its clock handle). */
function removeTimer(run: Execution, timerId: string): TimerInfo | undefined {
  const timers = run.state.timers;
  const i = timers?.findIndex((t) => t.timerId === timerId) ?? -1;
  if (i < 0) return undefined;
  const [timer] = timers!.splice(i, 1);
  const [handle] = run.timerHandles!.splice(i, 1);
  handle?.cancel();
  if (timers!.length === 0) {
    run.state.timers = undefined;
    run.timerHandles = undefined;
  }
  return timer;
}

/** The run closed: no timer fires any more. */
export function cancelAllTimers(run: Execution): void {
  for (const h of run.timerHandles ?? []) h.cancel();
  run.timerHandles = undefined;
  run.state.timers = undefined;
}
