import { makeEvent, type EventAttributes, type EventExtras, type EventTypeName } from '../history/events';
import type { Execution } from './execution';
import type { HeldBackEvent } from './mutableState';
import { scheduleWorkflowTask } from './workflowTask';

/**
 * Writing events into a run's history (Temporal's history builder), with the rule the SDK's worker
 * enforces: events arriving while a workflow task is started are held back and written after its
 * completion (history/rules.ts).
 */

/** Writes an event; returns its id. */
export function append<N extends EventTypeName>(
  run: Execution,
  type: N,
  attributes: EventAttributes<N>,
  extras?: EventExtras,
): number {
  const history = run.state.history;
  const eventId = history.length + 1;
  history.append(makeEvent(eventId, run.host.clock.now(), type, attributes, extras));
  return eventId;
}

/**
 * A new event from outside the workflow (signal, timer fired, activity result...). Held back
 * while a workflow task is started; otherwise written now and a workflow task is scheduled.
 * `linkStarted` fills `startedEventId` with the id of the event written just before it.
 */
export function addEvent<N extends EventTypeName>(
  run: Execution,
  type: N,
  attributes: EventAttributes<N>,
  linkStarted = false,
  scheduleTask = true,
): void {
  if (!run.isRunning) return;
  // One member of the HeldBackEvent union, which TypeScript cannot tell from a generic N.
  const pending = { type, attributes, time: run.host.clock.now(), linkStarted } as HeldBackEvent;
  if (run.completing || run.state.wft?.state === 'started') {
    (run.state.buffered ??= []).push(pending);
    return;
  }
  writeHeldBack(run, pending);
  // An event that always comes with a follower (ActivityTaskStarted) leaves scheduling to it.
  if (scheduleTask) scheduleWorkflowTask(run);
}

function writeHeldBack(run: Execution, p: HeldBackEvent): void {
  // linkStarted is set only on the outcome events of an activity, which all have startedEventId.
  if (p.linkStarted) (p.attributes as { startedEventId?: number }).startedEventId = run.state.history.length;
  append<EventTypeName>(run, p.type, p.attributes);
}

/** Writes the held-back events; returns how many. */
export function flushBuffered(run: Execution): number {
  const events = run.state.buffered;
  if (!events) return 0;
  run.state.buffered = undefined;
  for (const e of events) writeHeldBack(run, e);
  return events.length;
}
