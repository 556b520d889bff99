/**
 * ResetWorkflowExecution to a workflow task, as `temporal workflow reset --event-id N` and
 * `--type LastWorkflowTask` send it: a new run with the history up to the reset point, the signals
 * after it reapplied (per the reapply type), the old run terminated with the reset's reason.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';
import { addItemUpdate, type ActivityCall } from './workflows/conformance';

const EventType = temporal.api.enums.v1.EventType;
const t = useConformanceEnv();

type Event = temporal.api.history.v1.IHistoryEvent;

async function historyOf(workflowId: string, runId: string): Promise<Event[]> {
  return (await t.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/** ResetWorkflowExecution as the CLI sends it; returns the new run's id. */
async function reset(
  workflowId: string,
  runId: string,
  eventId: number,
  extra: Partial<temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest> = {},
): Promise<string> {
  const request = temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest.fromObject({
    namespace: 'default',
    workflowExecution: { workflowId, runId },
    reason: 'operator reset',
    workflowTaskFinishEventId: eventId,
    requestId: randomUUID(),
  });
  Object.assign(request, extra);
  const response: temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse =
    await t.env.client.workflowService.resetWorkflowExecution(request);
  return response.runId ?? '';
}

/** Ids of the WorkflowTaskCompleted events (what the CLI's FirstWorkflowTask / LastWorkflowTask pick). */
const completedTasks = (events: Event[]) =>
  events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .map((e) => Number(e.eventId));

async function itemsOf(handle: WorkflowHandle, expected: string[]): Promise<string[]> {
  return eventually(
    () => handle.query<string[]>('items'),
    (items) => JSON.stringify(items) === JSON.stringify(expected),
  );
}

describeEachCacheMode(t, (w) => {
  test('reset to the first workflow task: new run, signals reapplied, old run terminated', async () => {
    const workflowId = uid('reset');
    const handle = await t.env.client.workflow.start('collector', { taskQueue: w.taskQueue, workflowId });
    const baseRunId = handle.firstExecutionRunId;
    await handle.signal('addItem', 'a');
    await itemsOf(handle, ['a']);
    await handle.signal('addItem', 'b');
    await itemsOf(handle, ['a', 'b']);
    const before = await historyOf(workflowId, baseRunId);
    const first = completedTasks(before)[0]!;

    const runId = await reset(workflowId, baseRunId, first);
    expect(runId).toBeTruthy();
    expect(runId).not.toBe(baseRunId);

    // The old run: terminated with the reason, by the resetter; describe points to the new run.
    const old = await t.env.client.workflow.getHandle(workflowId, baseRunId).describe();
    expect(old.status.name).toBe('TERMINATED');
    expect(old.raw.workflowExtendedInfo?.resetRunId).toBe(runId);
    const oldEvents = await historyOf(workflowId, baseRunId);
    const terminated = oldEvents.at(-1)!;
    expect(terminated.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
    expect(terminated.workflowExecutionTerminatedEventAttributes?.reason).toBe('operator reset');
    expect(terminated.workflowExecutionTerminatedEventAttributes?.identity).toBe('history-resetter');

    // The new run: the same events up to the point, the task failed by the reset, the signals again.
    const current = t.env.client.workflow.getHandle(workflowId);
    await expect(itemsOf(current, ['a', 'b'])).resolves.toEqual(['a', 'b']);
    const events = await historyOf(workflowId, runId);
    expect(events.slice(0, first - 1).map((e) => e.eventType)).toEqual(
      before.slice(0, first - 1).map((e) => e.eventType),
    );
    const failed = events[first - 1]!;
    expect(failed.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed.workflowTaskFailedEventAttributes).toMatchObject({
      cause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
      baseRunId,
      newRunId: runId,
    });
    expect(
      events
        .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName),
    ).toEqual(['addItem', 'addItem']);
    const d = await current.describe();
    expect(d.runId).toBe(runId);
    expect(d.status.name).toBe('RUNNING');
    expect(d.raw.workflowExecutionInfo?.firstRunId).toBe(baseRunId);
    expect(d.raw.workflowExtendedInfo?.lastResetTime).toBeTruthy();

    // It continues as any run: a signal finishes it.
    await current.signal('addItem', 'c');
    await current.signal('finish');
    await expect(current.result()).resolves.toEqual(['a', 'b', 'c']);
  });

  test('reapply type NONE drops the later signals; LastWorkflowTask keeps what came before', async () => {
    const workflowId = uid('reset-none');
    const handle = await t.env.client.workflow.start('collector', { taskQueue: w.taskQueue, workflowId });
    await handle.signal('addItem', 'x');
    await itemsOf(handle, ['x']);
    const base = handle.firstExecutionRunId;
    const events = await historyOf(workflowId, base);
    const tasks = completedTasks(events);

    const none = await reset(workflowId, base, tasks[0]!, {
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
    });
    const current = t.env.client.workflow.getHandle(workflowId);
    await expect(itemsOf(current, [])).resolves.toEqual([]);

    // The base run is closed now: resetting it again to its last task makes a third run, and
    // terminates the second (the current one).
    const last = await reset(workflowId, base, tasks.at(-1)!);
    await expect(itemsOf(current, ['x'])).resolves.toEqual(['x']);
    expect((await t.env.client.workflow.getHandle(workflowId, none).describe()).status.name).toBe(
      'TERMINATED',
    );
    expect(
      (await t.env.client.workflow.getHandle(workflowId, base).describe()).raw.workflowExtendedInfo
        ?.resetRunId,
    ).toBe(last);
    await current.signal('finish');
    await expect(current.result()).resolves.toEqual(['x']);
  });

  test('an activity open at the reset point is offered again to the new run', async () => {
    const workflowId = uid('reset-activity');
    const call: ActivityCall = { name: 'completeAsync', maximumAttempts: 1 };
    const handle = await t.env.client.workflow.start('runActivity', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [call],
    });
    const started = (h: WorkflowHandle) =>
      eventually(
        () => h.describe(),
        (d) =>
          d.raw.pendingActivities?.[0]?.state ===
          temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      );
    await started(handle);
    // A signal (no handler: the SDK keeps it) makes a second workflow task after the activity's.
    await handle.signal('nudge');
    const base = handle.firstExecutionRunId;
    const tasks = await eventually(
      async () => completedTasks(await historyOf(workflowId, base)),
      (ids) => ids.length === 2,
    );
    const runId = await reset(workflowId, base, tasks[1]!);
    const current = t.env.client.workflow.getHandle(workflowId);
    const d = await started(current);
    expect(d.runId).toBe(runId);
    await t.env.client.activity.complete(
      { workflowId, runId, activityId: d.raw.pendingActivities![0]!.activityId! },
      'after reset',
    );
    await expect(current.result()).resolves.toEqual({ result: 'after reset' });
  });

  test('updates after the point are reapplied as UpdateAdmitted events; the UPDATE exclude type drops them', async () => {
    const workflowId = uid('reset-update');
    const handle = await t.env.client.workflow.start('collector', { taskQueue: w.taskQueue, workflowId });
    const base = handle.firstExecutionRunId;
    await expect(handle.executeUpdate(addItemUpdate, { args: ['u1'], updateId: 'u1' })).resolves.toBe(1);
    await handle.signal('addItem', 's');
    await itemsOf(handle, ['u1', 's']);
    const first = completedTasks(await historyOf(workflowId, base))[0]!;

    // All eligible (the default): the update and the signal again, in one workflow task (whose
    // activation the SDK orders signals first).
    const runId = await reset(workflowId, base, first);
    const current = t.env.client.workflow.getHandle(workflowId);
    await expect(itemsOf(current, ['s', 'u1'])).resolves.toEqual(['s', 'u1']);
    const events = await historyOf(workflowId, runId);
    const admitted = events.find(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
    );
    expect(admitted?.workflowExecutionUpdateAdmittedEventAttributes).toMatchObject({
      request: { meta: { updateId: 'u1' } },
      origin: temporal.api.enums.v1.UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY,
    });
    const accepted = events.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    );
    expect(accepted.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId)).toEqual(
      ['u1'],
    );
    // The reapplied update completed in the new run: its outcome is there for a poll by id.
    await expect(current.getUpdateHandle<number>('u1').result()).resolves.toBe(2);

    // Excluding updates (as the deprecated reapply type SIGNAL does): only the signal.
    const second = await reset(workflowId, base, first, {
      resetReapplyExcludeTypes: [
        temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE,
      ],
    });
    await expect(itemsOf(current, ['s'])).resolves.toEqual(['s']);
    expect(
      (await historyOf(workflowId, second)).some(
        (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
      ),
    ).toBe(false);
    await current.signal('finish');
    await expect(current.result()).resolves.toEqual(['s']);
  });

  test('an update completed before the point is known to the new run: a poll answers, its id is not applied again', async () => {
    const workflowId = uid('reset-update-before');
    const handle = await t.env.client.workflow.start('collector', { taskQueue: w.taskQueue, workflowId });
    const base = handle.firstExecutionRunId;
    await expect(handle.executeUpdate(addItemUpdate, { args: ['a'], updateId: 'u1' })).resolves.toBe(1);
    await handle.signal('addItem', 'b');
    await itemsOf(handle, ['a', 'b']);
    // The last task is the signal's: the update's Accepted and Completed events are copied.
    const last = completedTasks(await historyOf(workflowId, base)).at(-1)!;
    await reset(workflowId, base, last);
    const current = t.env.client.workflow.getHandle(workflowId);
    await expect(itemsOf(current, ['a', 'b'])).resolves.toEqual(['a', 'b']);
    await expect(current.getUpdateHandle<number>('u1').result()).resolves.toBe(1);
    await expect(current.executeUpdate(addItemUpdate, { args: ['again'], updateId: 'u1' })).resolves.toBe(1);
    await current.signal('finish');
    await expect(current.result()).resolves.toEqual(['a', 'b']);
  });

  test('a child running at the point stays running and reports its result to the new run', async () => {
    const workflowId = uid('reset-parent');
    const handle = await t.env.client.workflow.start('collectorParent', {
      taskQueue: w.taskQueue,
      workflowId,
    });
    const base = handle.firstExecutionRunId;
    // The last workflow task is the one after ChildWorkflowExecutionStarted: the child is open there.
    const tasks = await eventually(
      async () => completedTasks(await historyOf(workflowId, base)),
      (ids) => ids.length === 2,
    );
    const child = t.env.client.workflow.getHandle(`${workflowId}-child`);
    expect((await child.describe()).status.name).toBe('RUNNING');
    const runId = await reset(workflowId, base, tasks[1]!);

    // The reset's termination of the old run leaves the child alone (no parent close policy).
    expect((await t.env.client.workflow.getHandle(workflowId, base).describe()).status.name).toBe(
      'TERMINATED',
    );
    expect((await child.describe()).status.name).toBe('RUNNING');
    const current = t.env.client.workflow.getHandle(workflowId);
    expect((await current.describe()).raw.pendingChildren?.map((c) => c.workflowId)).toEqual([
      `${workflowId}-child`,
    ]);
    await child.signal('addItem', 'from child');
    await child.signal('finish');
    await expect(current.result()).resolves.toEqual(['from child']);
    expect((await current.describe()).runId).toBe(runId);
  });

  test("the SDK's random stream reset: reset to the timer's task after a child start, the new run starts its own second child", async () => {
    const workflowId = uid('reset-child-timer');
    const handle = await t.env.client.workflow.start('childTimerChild', {
      taskQueue: w.taskQueue,
      workflowId,
    });
    const base = handle.firstExecutionRunId;
    const childIds = (h: WorkflowHandle) =>
      eventually(
        () => h.query<string[]>('childIds'),
        (ids) => ids.length === 2,
      );
    const [a, b] = await childIds(handle);
    // The task that started the timer: the first child's Initiated and Started events are copied.
    const before = await historyOf(workflowId, base);
    const timer = before.find((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED)!;
    const point = Number(timer.timerStartedEventAttributes!.workflowTaskCompletedEventId);
    const copiedStart = before
      .slice(0, point - 1)
      .find((e) => e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED);
    expect(copiedStart?.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).toBe(a);
    const runId = await reset(workflowId, base, point);

    // The first child is the copied one; the second is the new run's own (its workflow id comes
    // from the new run's random seed), started and recorded as a child of the new run.
    const current = t.env.client.workflow.getHandle(workflowId);
    const [c, d] = await childIds(current);
    expect(c).toBe(a);
    expect(d).not.toBe(b);
    expect(d).not.toBe(c);
    const second = await t.env.client.workflow.getHandle(d!).describe();
    expect(second.raw.workflowExecutionInfo?.parentExecution).toMatchObject({ workflowId, runId });
    await current.signal('unblock');
    await expect(current.result()).resolves.toEqual([c, d]);
    expect((await current.describe()).runId).toBe(runId);
  });

  test('a reset point that is not a workflow task is refused, and changes nothing', async () => {
    const workflowId = uid('reset-bad');
    const handle = await t.env.client.workflow.start('collector', { taskQueue: w.taskQueue, workflowId });
    await handle.signal('addItem', 'y');
    await itemsOf(handle, ['y']);
    const base = handle.firstExecutionRunId;
    const length = (await historyOf(workflowId, base)).length;
    for (const eventId of [1, 2, length + 1]) {
      await expect(reset(workflowId, base, eventId)).rejects.toMatchObject({
        code: 3, // INVALID_ARGUMENT
      });
    }
    const d = await handle.describe();
    expect(d.runId).toBe(base);
    expect(d.status.name).toBe('RUNNING');
    expect(d.raw.workflowExtendedInfo?.resetRunId ?? '').toBe('');
    await handle.signal('finish');
    await expect(handle.result()).resolves.toEqual(['y']);
  });
});
