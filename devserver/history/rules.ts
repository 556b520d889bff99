import { EventType, type HistoryEvent, type PendingEvent } from './events';

/**
 * History rules the SDK's worker enforces, as pure functions (unit-tested without a server).
 */

/**
 * Where the history a sticky (cached) worker gets starts: at the event after the last completed
 * task's WorkflowTaskStarted (i.e. its WorkflowTaskCompleted); it runs to the end.
 */
export function partialHistoryStart(previousStartedEventId: number): number {
  return previousStartedEventId + 1;
}

/**
 * When the worker cancels a timer whose TimerFired is still held back, the fired event must go:
 * the worker's timer machine is already Canceled and would reject it. Returns true if one was dropped.
 */
export function dropHeldBackTimerFired(
  buffered: { type: string; attributes: object }[],
  timerId: string,
): boolean {
  const i = buffered.findIndex(
    (e) =>
      e.type === 'TimerFired' &&
      (e.attributes as PendingEvent<'TimerFired'>['attributes']).timerId === timerId,
  );
  if (i < 0) return false;
  buffered.splice(i, 1);
  return true;
}

/** Commands that close the run: accepted only when no new event is waiting for the workflow. */
export const CLOSING_COMMANDS = new Set<number>([4, 5, 7, 10]);

/** Checks that ids are consecutive from 1, the first thing a worker verifies in a history page. */
export function isContiguous(events: readonly HistoryEvent[]): boolean {
  return events.every((e, i) => i === 0 || e.eventId === events[i - 1]!.eventId + 1);
}

/** The started event id of the last completed workflow task in a history (0 if none). */
export function lastCompletedStartedEventId(events: readonly HistoryEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.eventType === EventType.WorkflowTaskCompleted) {
      return e.workflowTaskCompletedEventAttributes?.startedEventId ?? 0;
    }
  }
  return 0;
}
