/**
 * Conformance of the project's Temporal server with what the official SDK (client, worker,
 * testing 1.24) expects, through `createTimeSkipping` with our executable. Every behaviour runs
 * with the worker's default cache (sticky queues, partial histories) and with the cache off.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CACHE_MODES, useConformanceEnv, startWorker, uid, withWorker, type RunningWorker } from './support';
import type { ActivityCall } from './workflows/conformance';

const EventType = temporal.api.enums.v1.EventType;

const t = useConformanceEnv();

async function historyOf(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  let w: RunningWorker;
  const opts = (prefix: string) => ({ taskQueue: w.taskQueue, workflowId: uid(prefix) });

  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle, { maxCachedWorkflows });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('start, complete and result()', async () => {
    await expect(t.env.client.workflow.execute('echo', { ...opts('echo'), args: ['hi'] })).resolves.toBe(
      'hi',
    );
  });

  test('a duplicate workflow id is rejected while running; id reuse and conflict policies', async () => {
    const o = opts('dup');
    const first = await t.env.client.workflow.start('collector', o);
    await expect(t.env.client.workflow.start('collector', o)).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    // USE_EXISTING answers with the running run.
    const same = await t.env.client.workflow.start('collector', {
      ...o,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(same.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.signal('finish');
    await first.result();
    // Closed and completed: REJECT_DUPLICATE and ALLOW_DUPLICATE_FAILED_ONLY refuse, ALLOW_DUPLICATE starts.
    await expect(
      t.env.client.workflow.start('collector', {
        ...o,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(
      t.env.client.workflow.start('collector', {
        ...o,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const second = await t.env.client.workflow.start('collector', o);
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    // TERMINATE_EXISTING replaces the running one.
    const third = await t.env.client.workflow.start('collector', {
      ...o,
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    const secondRun = t.env.client.workflow.getHandle(o.workflowId, second.firstExecutionRunId);
    expect((await secondRun.describe()).status.name).toBe('TERMINATED');
    // A terminated run counts as failed for ALLOW_DUPLICATE_FAILED_ONLY.
    await third.terminate('done');
    const fourth = await t.env.client.workflow.start('collector', {
      ...o,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    await fourth.terminate('done');
  });

  test('signals and queries on a running and a closed workflow', async () => {
    const handle = await t.env.client.workflow.start('collector', opts('sig'));
    await handle.signal('addItem', 'a');
    await handle.signal('addItem', 'b');
    await expect(handle.query('items')).resolves.toEqual(['a', 'b']);
    await handle.signal('finish');
    await expect(handle.result()).resolves.toEqual(['a', 'b']);
    await expect(handle.query('items')).resolves.toEqual(['a', 'b']);
  });

  test('signal-with-start starts a workflow, then signals the running one', async () => {
    const o = { ...opts('sws'), signal: 'addItem', signalArgs: ['x'] as [string] };
    const h1 = await t.env.client.workflow.signalWithStart('collector', o);
    const h2 = await t.env.client.workflow.signalWithStart('collector', { ...o, signalArgs: ['y'] });
    expect(h2.signaledRunId).toBe(h1.signaledRunId);
    await h1.signal('finish');
    await expect(h1.result()).resolves.toEqual(['x', 'y']);
  });

  test('timers skip virtual time; a cancelled timer never fires', async () => {
    const day = 24 * 3600 * 1000;
    const realStart = Date.now();
    const elapsed = await t.env.client.workflow.execute('sleeper', { ...opts('sleep'), args: [day] });
    expect(elapsed).toBeGreaterThanOrEqual(day);
    expect(Date.now() - realStart).toBeLessThan(day);
    const handle = await t.env.client.workflow.start('timerCancel', opts('tcancel'));
    await expect(handle.result()).resolves.toBe('timer cancelled');
    const types = (await historyOf(handle)).map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_TIMER_CANCELED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_TIMER_FIRED)).toHaveLength(1);
  });

  const activity = (call: ActivityCall) =>
    t.env.client.workflow.execute('runActivity', { ...opts(`act-${call.name}`), args: [call] });

  test('activities: result, retries with backoff, maximum attempts, non-retryable types', async () => {
    await expect(activity({ name: 'greet', args: ['you'] })).resolves.toEqual({ result: 'hello you' });
    await expect(activity({ name: 'flaky', args: [3], maximumAttempts: 5 })).resolves.toEqual({ result: 3 });
    const exhausted = await t.env.client.workflow.start('runActivity', {
      ...opts('act-exhausted'),
      args: [{ name: 'flaky', args: [5], maximumAttempts: 2 }],
    });
    await expect(exhausted.result()).resolves.toMatchObject({
      failure: 'ApplicationFailure',
      message: 'attempt 2 failed',
    });
    const failed = (await historyOf(exhausted)).find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.retryState).toBe(
      temporal.api.enums.v1.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
    );
    await expect(
      activity({ name: 'flaky', args: [5, 'Fatal'], maximumAttempts: 5, nonRetryable: ['Fatal'] }),
    ).resolves.toMatchObject({ failure: 'ApplicationFailure', type: 'Fatal', message: 'attempt 1 failed' });
  });

  test('activity heartbeat details are carried to the next attempt', async () => {
    await expect(activity({ name: 'resumable', heartbeatMs: 5000 })).resolves.toEqual({
      result: { attempt: 2, resumedFrom: 'progress-1' },
    });
  });

  test('cancellation reaches a heartbeating activity', async () => {
    await expect(
      activity({ name: 'heartbeatUntilCancelled', heartbeatMs: 1000, cancelAfterMs: 200 }),
    ).resolves.toMatchObject({ failure: 'CancelledFailure' });
  });

  test('activity timeouts: start-to-close, heartbeat, schedule-to-close, schedule-to-start', async () => {
    await expect(
      activity({ name: 'slow', args: [3000], startToCloseMs: 300, maximumAttempts: 1 }),
    ).resolves.toMatchObject({ failure: 'TimeoutFailure', timeoutType: 'START_TO_CLOSE' });
    await expect(
      activity({ name: 'slow', args: [3000], heartbeatMs: 300, maximumAttempts: 1 }),
    ).resolves.toMatchObject({ failure: 'TimeoutFailure', timeoutType: 'HEARTBEAT' });
    await expect(
      activity({ name: 'slow', args: [3000], scheduleToCloseMs: 400, maximumAttempts: 100 }),
    ).resolves.toMatchObject({ failure: 'TimeoutFailure', timeoutType: 'SCHEDULE_TO_CLOSE' });
    await expect(
      activity({
        name: 'greet',
        args: ['nobody'],
        taskQueue: uid('no-worker'),
        scheduleToStartMs: 300,
        scheduleToCloseMs: 60_000,
      }),
    ).resolves.toMatchObject({ failure: 'TimeoutFailure', timeoutType: 'SCHEDULE_TO_START' });
  });

  test('request-cancel: the workflow sees the cancellation; describe says CANCELLED', async () => {
    const handle = await t.env.client.workflow.start('waitForCancel', opts('cancel'));
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  test('terminate closes the run; describe says TERMINATED', async () => {
    const handle = await t.env.client.workflow.start('collector', opts('term'));
    await handle.terminate('enough');
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    await expect(handle.signal('finish')).rejects.toThrow(/not found|completed/i);
  });

  test('describe shows type, task queue, status and history length', async () => {
    const handle = await t.env.client.workflow.start('collector', opts('desc'));
    await handle.signal('addItem', 'x');
    const running = await handle.describe();
    expect(running).toMatchObject({ type: 'collector', taskQueue: w.taskQueue, status: { name: 'RUNNING' } });
    await handle.signal('finish');
    await handle.result();
    const done = await handle.describe();
    expect(done.status.name).toBe('COMPLETED');
    expect(done.closeTime).toBeInstanceOf(Date);
    expect(done.historyLength).toBe((await historyOf(handle)).length);
  });

  test('history pages and the long poll', async () => {
    const handle = await t.env.client.workflow.start('collector', opts('hist'));
    for (const item of ['a', 'b', 'c']) await handle.signal('addItem', item);
    await handle.signal('finish');
    await handle.result();
    const full = await historyOf(handle);
    const paged: number[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await t.env.client.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
        maximumPageSize: 2,
        nextPageToken,
      });
      for (const e of page.history?.events ?? []) paged.push(Number(e.eventId));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    expect(paged).toEqual(full.map((e) => Number(e.eventId)));
    expect(paged).toEqual(paged.map((_, i) => i + 1));
    expect(full[full.length - 1]?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  });

  test('a failed workflow task is retried and the workflow then completes', async () => {
    const handle = await t.env.client.workflow.start('failsFirstTask', opts('wft-fail'));
    await expect(handle.result()).resolves.toBeGreaterThan(3);
    const types = (await historyOf(handle)).map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  });

  test('child workflows: result and failure reach the parent', async () => {
    await expect(t.env.client.workflow.execute('parent', { ...opts('parent'), args: [21] })).resolves.toEqual(
      {
        doubled: 42,
        failed: true,
      },
    );
  });

  test('continue-as-new: result() follows the chain of runs', async () => {
    const runs = await t.env.client.workflow.execute('chain', { ...opts('chain'), args: [2] });
    expect(runs).toHaveLength(3);
    expect(new Set(runs).size).toBe(3);
  });

  test('workflow updates: validators reject, accepted updates complete with their result', async () => {
    const handle = await t.env.client.workflow.start('collector', opts('update'));
    await expect(handle.executeUpdate('addItemUpdate', { args: ['a'] })).resolves.toBe(1);
    await expect(handle.executeUpdate('addItemUpdate', { args: [''] })).rejects.toMatchObject({
      cause: { message: 'empty item rejected' },
    });
    const accepted = await handle.startUpdate('addItemUpdate', {
      args: ['b'],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await expect(accepted.result()).resolves.toBe(2);
    await handle.signal('finish');
    await expect(handle.result()).resolves.toEqual(['a', 'b']);
    const types = (await historyOf(handle)).map((e) => e.eventType);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(
      2,
    );
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toHaveLength(
      2,
    );
  });

  test('memo and search attributes upserted by the workflow are visible in describe', async () => {
    const handle = await t.env.client.workflow.start('tagged', {
      ...opts('tagged'),
      args: ['blue'],
      memo: { owner: 'tests' },
    });
    await handle.query('__stack_trace');
    const d = await handle.describe();
    expect(d.memo).toEqual({ owner: 'tests', note: 'blue' });
    expect(d.searchAttributes).toMatchObject({ CustomKeywordField: ['blue'] });
    await handle.signal('finish');
    await handle.result();
  });
});

describe('sticky cache and the non-cached path', () => {
  test.each(CACHE_MODES)(
    '%s: the history shows where workflow tasks were served',
    async (_label, maxCachedWorkflows) => {
      await withWorker(t.env, t.bundle, { maxCachedWorkflows }, async (w) => {
        const handle = await t.env.client.workflow.start('collector', {
          taskQueue: w.taskQueue,
          workflowId: uid('sticky'),
        });
        for (const item of ['a', 'b']) {
          await handle.signal('addItem', item);
          await expect(handle.query('items')).resolves.toContain(item);
        }
        await handle.signal('finish');
        await handle.result();
        const kinds = (await historyOf(handle))
          .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
          .map((e) => e.workflowTaskScheduledEventAttributes?.taskQueue?.kind);
        const STICKY = temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY;
        if (maxCachedWorkflows === 0) expect(kinds).not.toContain(STICKY);
        else expect(kinds.slice(1)).toContain(STICKY);
      });
    },
  );
});

describe('queries attached to a pending workflow task', () => {
  test('a query sent before any worker polls is answered with the first task', async () => {
    const taskQueue = uid('late-worker');
    const handle = await t.env.client.workflow.start('collector', {
      taskQueue,
      workflowId: uid('early-query'),
    });
    await handle.signal('addItem', 'early');
    const answer = handle.query('items');
    await withWorker(t.env, t.bundle, { taskQueue }, async () => {
      await expect(answer).resolves.toEqual(['early']);
      await handle.signal('finish');
      await handle.result();
    });
  });
});

describe('visibility: ListWorkflowExecutions and CountWorkflowExecutions', () => {
  test('filters by search attribute, id, type, status and time; counts grouped by status', async () => {
    const tag = uid('tag');
    const taskQueue = uid('unpolled');
    const ids = [uid('vis'), uid('vis'), uid('vis')];
    const before = new Date(await t.env.currentTimeMs());
    const handles = await Promise.all(
      ids.map((workflowId) =>
        t.env.client.workflow.start('collector', {
          taskQueue,
          workflowId,
          searchAttributes: { CustomKeywordField: [tag] },
        }),
      ),
    );
    await handles[0]!.terminate('listed as terminated');
    const list = async (query: string) => {
      const found: string[] = [];
      for await (const info of t.env.client.workflow.list({ query })) found.push(info.workflowId);
      return found.sort();
    };
    const byTag = `CustomKeywordField = "${tag}"`;
    expect(await list(byTag)).toEqual([...ids].sort());
    expect(await list(`${byTag} AND ExecutionStatus = "Running"`)).toEqual([ids[1], ids[2]].sort());
    expect(await list(`${byTag} AND ExecutionStatus != "Running"`)).toEqual([ids[0]]);
    expect(await list(`WorkflowId IN ("${ids[0]}", "${ids[2]}") OR WorkflowId = "${ids[1]}"`)).toEqual(
      [...ids].sort(),
    );
    expect(
      await list(`${byTag} AND WorkflowType = "collector" AND StartTime >= "${before.toISOString()}"`),
    ).toHaveLength(3);
    expect(await list(`${byTag} AND CloseTime < "${before.toISOString()}"`)).toEqual([]);
    const count = await t.env.client.workflow.count(`${byTag} GROUP BY ExecutionStatus`);
    expect(count.count).toBe(3);
    expect(count.groups).toEqual(
      expect.arrayContaining([
        { count: 2, groupValues: [['Running']] },
        { count: 1, groupValues: [['Terminated']] },
      ]),
    );
    await expect(list('WorkflowId = ')).rejects.toMatchObject({ cause: { code: 3 } });
    for (const h of handles.slice(1)) await h.terminate('cleanup');
  });
});

describe('TestService time skipping', () => {
  test('sleep advances the virtual clock; currentTimeMs reports it', async () => {
    const before = await t.env.currentTimeMs();
    await t.env.sleep('3 days');
    const after = await t.env.currentTimeMs();
    expect(after - before).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);
  });
});
