import { runTimedOut } from './close';
import { EncodedHistory } from '../history/encodedHistory';
import type { Attrs } from '../history/events';
import { restoreActivity } from './activities';
import { Execution, type ExecutionHost } from './execution';
import { interned } from './interned';
import { NO_FIELDS, type ActivityInfo, type ChildInfo, type MutableState } from './mutableState';
import { dispatchIdsAbove } from './taskRefs';
import { armTimer } from './timers';
import { UpdateStage, WorkflowUpdate } from './updates';
import { restoreWorkflowTask, scheduleWorkflowTask } from './workflowTask';

/**
 * A run as a persistent server writes it (MutableState as plain data, without its history, which
 * goes to the file as bytes) and reads it back: the restored run's runtime parts (clock handles,
 * queued task references) are rebuilt by resumeRun once every run is back.
 */

/** MutableState as written: maps as lists, plus the updates the run still knows. */
export interface RunRecord extends Omit<MutableState, 'history' | 'activities' | 'children'> {
  activities?: ActivityInfo[];
  children?: [number, ChildInfo][];
  updates?: UpdateRecord[];
}

interface UpdateRecord {
  id: string;
  request: Attrs;
  stage: number;
  acceptedEventId: number;
  admittedEventId?: number;
  outcome?: Attrs;
}

export function runRecord(run: Execution): RunRecord {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { history, activities, children, ...rest } = run.state;
  const record: RunRecord = rest;
  if (activities) record.activities = [...activities.values()];
  if (children) record.children = [...children];
  // Updates are runtime objects (they hold their callers' waiters); what identifies and answers
  // them is kept, so a retried request is not applied twice and a poll for the outcome answers.
  if (run.updateMap?.size) {
    record.updates = [...run.updateMap.values()].map((u) => ({
      id: u.id,
      request: u.request,
      stage: u.stage,
      acceptedEventId: u.acceptedEventId,
      admittedEventId: u.admittedEventId || undefined,
      outcome: u.outcome,
    }));
  }
  return record;
}

/** A run read back; call resumeRun once all runs are registered with the host. */
export function restoreRun(host: ExecutionHost, record: RunRecord, history: Uint8Array): Execution {
  const { activities, children, updates, ...rest } = record;
  const state: MutableState = {
    ...rest,
    namespace: interned(rest.namespace),
    workflowType: interned(rest.workflowType),
    taskQueue: interned(rest.taskQueue),
    history: EncodedHistory.fromEncoded(history),
    memo: fieldsOrNone(rest.memo),
    searchAttributes: fieldsOrNone(rest.searchAttributes),
    activities: activities?.length ? new Map(activities.map((a) => [a.scheduledEventId, a])) : undefined,
    children: children?.length ? new Map(children) : undefined,
    timers: rest.timers?.length ? rest.timers : undefined,
    buffered: rest.buffered?.length ? rest.buffered : undefined,
  };
  const run = new Execution(host, { restored: state });
  for (const u of updates ?? []) {
    const update = new WorkflowUpdate(u.id, u.request);
    update.acceptedEventId = u.acceptedEventId;
    update.admittedEventId = u.admittedEventId ?? 0;
    update.advance(u.stage, u.outcome);
    (run.updateMap ??= new Map()).set(u.id, update);
  }
  let maxDispatch = state.wft?.dispatchId ?? 0;
  for (const a of state.activities?.values() ?? []) maxDispatch = Math.max(maxDispatch, a.dispatchId);
  dispatchIdsAbove(maxDispatch);
  return run;
}

/**
 * Rebuilds a restored run's runtime parts. Deadlines that passed while the server was down fire
 * at once, in due order (the clock's heap); see restoreWorkflowTask and restoreActivity for tasks
 * that were in flight.
 */
export function resumeRun(run: Execution): void {
  if (!run.isRunning) return;
  const s = run.state;
  const clock = run.host.clock;
  if (s.runTimeoutMs) {
    (run.runTimers ??= []).push(clock.at(s.startTime + s.runTimeoutMs, () => runTimedOut(run)));
  }
  if (!s.wft && s.previousStartedEventId === 0) {
    // A delayed start whose first task was not scheduled yet.
    (run.runTimers ??= []).push(clock.at(s.executionTime, () => run.touch(() => scheduleWorkflowTask(run))));
  }
  for (const timer of s.timers ?? []) armTimer(run, timer);
  // A run that only waits (on a timer, a signal) is left as it was read: nothing to write again.
  const admitted = [...(run.updateMap?.values() ?? [])].some((u) => u.stage === UpdateStage.Admitted);
  if (!s.wft && !s.activities && !s.sticky && !admitted) return;
  run.touch(() => {
    // The sticky queue belonged to a worker of the old process.
    s.sticky = null;
    // The task first: an activity that times out now schedules one if none is pending.
    restoreWorkflowTask(run);
    for (const act of [...(s.activities?.values() ?? [])]) restoreActivity(run, act);
    if (admitted) scheduleWorkflowTask(run);
  });
}

function fieldsOrNone(fields: Record<string, Attrs> | undefined): Record<string, Attrs> {
  return fields && Object.keys(fields).length ? fields : NO_FIELDS;
}
