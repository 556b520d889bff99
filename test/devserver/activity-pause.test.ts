/**
 * An operator's PauseActivity, UnpauseActivity and ResetActivity (`temporal activity pause |
 * unpause | reset`), through the official client's workflowService, with a real worker: a paused
 * activity's running attempt is told by its heartbeat (the SDK's cancellationDetails.paused) and no
 * further attempt is dispatched until it is unpaused; a reset sets the attempt back to 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import { pausableRuns } from './activities';
import {
  bundleConformanceWorkflows,
  describeEachCacheMode,
  openPersistentServer,
  uid,
  useConformanceEnv,
  useWorker,
} from './support';
import type { ActivityCall } from './workflows/conformance';

const State = temporal.api.enums.v1.PendingActivityState;
const t = useConformanceEnv();

type Pending = temporal.api.workflow.v1.IPendingActivityInfo;

/** The workflow's one pending activity, once `ready` holds for it. */
async function pendingActivity(handle: WorkflowHandle, ready: (a: Pending) => boolean): Promise<Pending> {
  const d = await eventually(
    () => handle.describe(),
    (d) => d.raw.pendingActivities?.length === 1 && ready(d.raw.pendingActivities[0]!),
  );
  return d.raw.pendingActivities![0]!;
}

const runsOf = (handle: WorkflowHandle) => pausableRuns.get(handle.workflowId) ?? [];

describeEachCacheMode(t, (w) => {
  const start = () =>
    t.env.client.workflow.start('runActivity', {
      taskQueue: w.taskQueue,
      workflowId: uid('pause'),
      // A heartbeat timeout makes the SDK send heartbeats often (it throttles to 80% of it).
      args: [{ name: 'pausable', heartbeatMs: 1000, maximumAttempts: 5 } as ActivityCall],
    });
  const execution = (handle: WorkflowHandle) => ({ workflowId: handle.workflowId });

  /** Starts the workflow and pauses its activity while the first attempt runs; it ends paused at attempt 2. */
  async function pausedAfterFirstAttempt(): Promise<{ handle: WorkflowHandle; activityId: string }> {
    const handle = await start();
    const running = await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_STARTED);
    await t.env.client.workflowService.pauseActivity({
      namespace: 'default',
      execution: execution(handle),
      id: running.activityId,
      identity: 'operator',
      reason: 'maintenance',
    });
    const paused = await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_PAUSED);
    expect(paused).toMatchObject({ paused: true, attempt: 2 });
    expect(paused.pauseInfo?.manual).toMatchObject({ identity: 'operator', reason: 'maintenance' });
    expect(paused.lastFailure?.message).toBe('Activity paused');
    // The running attempt learnt it from its heartbeat.
    expect(runsOf(handle)).toEqual([
      {
        attempt: 1,
        heartbeatDetails: null,
        cancellation: { paused: true, reset: false, cancelRequested: false },
      },
    ]);
    return { handle, activityId: running.activityId! };
  }

  test('pause: the running attempt is stopped and no retry is dispatched; unpause resumes it', async () => {
    const { handle, activityId } = await pausedAfterFirstAttempt();
    // Skipping a minute would dispatch a retry (its backoff is 10 ms) and run it: paused, none is.
    await t.env.sleep('1 minute');
    expect(await pendingActivity(handle, () => true)).toMatchObject({
      state: State.PENDING_ACTIVITY_STATE_PAUSED,
      attempt: 2,
    });
    expect(runsOf(handle)).toHaveLength(1);

    await t.env.client.workflowService.unpauseActivity({
      namespace: 'default',
      execution: execution(handle),
      id: activityId,
    });
    // Attempt 2 runs, with the heartbeat details of attempt 1.
    await expect(handle.result()).resolves.toEqual({ result: { attempt: 2, heartbeatDetails: 'beat-1' } });
  });

  test('unpause with reset_attempts and reset_heartbeat starts again at attempt 1 without details', async () => {
    const { handle, activityId } = await pausedAfterFirstAttempt();
    await t.env.client.workflowService.unpauseActivity({
      namespace: 'default',
      execution: execution(handle),
      id: activityId,
      resetAttempts: true,
      resetHeartbeat: true,
    });
    await expect(handle.result()).resolves.toEqual({ result: { attempt: 1, heartbeatDetails: null } });
  });

  test('reset of a paused activity: attempt 1, unpaused unless keep_paused', async () => {
    const { handle } = await pausedAfterFirstAttempt();
    // keep_paused: the attempt is 1 again, still paused, nothing dispatched.
    await t.env.client.workflowService.resetActivity({
      namespace: 'default',
      execution: execution(handle),
      type: 'pausable',
      keepPaused: true,
      resetHeartbeat: true,
    });
    expect(await pendingActivity(handle, () => true)).toMatchObject({
      state: State.PENDING_ACTIVITY_STATE_PAUSED,
      attempt: 1,
    });
    await t.env.sleep('1 minute');
    expect(runsOf(handle)).toHaveLength(1);
    // Then a reset that unpauses: attempt 1 runs, without the heartbeat details.
    await t.env.client.workflowService.resetActivity({
      namespace: 'default',
      execution: execution(handle),
      matchAll: true,
    });
    await expect(handle.result()).resolves.toEqual({ result: { attempt: 1, heartbeatDetails: null } });
  });

  test('reset of a running attempt: its heartbeat says reset, the next attempt follows', async () => {
    const handle = await start();
    const running = await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_STARTED);
    await t.env.client.workflowService.resetActivity({
      namespace: 'default',
      execution: execution(handle),
      id: running.activityId,
    });
    await expect(handle.result()).resolves.toEqual({ result: { attempt: 2, heartbeatDetails: 'beat-1' } });
    expect(runsOf(handle)[0]?.cancellation).toEqual({ paused: false, reset: true, cancelRequested: false });
  });
});

describe('bad input and repeated calls', () => {
  const w = useWorker(t);
  /** A workflow whose activity waits in a queue no worker polls (scheduled, attempt 1). */
  async function waiting(): Promise<WorkflowHandle> {
    const handle = await t.env.client.workflow.start('runActivity', {
      taskQueue: w.taskQueue,
      workflowId: uid('pause-bad'),
      args: [{ name: 'greet', args: ['x'], taskQueue: uid('nobody') } as ActivityCall],
    });
    await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_SCHEDULED);
    return handle;
  }
  const call = (
    handle: WorkflowHandle,
    method: 'pauseActivity' | 'unpauseActivity' | 'resetActivity',
    req: Record<string, unknown>,
  ): Promise<unknown> =>
    (t.env.client.workflowService[method] as (r: object) => Promise<unknown>).call(
      t.env.client.workflowService,
      {
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
        ...req,
      },
    );

  test('unknown activity or workflow, no activity named, unknown namespace, negative jitter: errors, nothing changed', async () => {
    const handle = await waiting();
    const before = await pendingActivity(handle, () => true);
    for (const method of ['pauseActivity', 'unpauseActivity', 'resetActivity'] as const) {
      await expect(call(handle, method, { id: 'nope' })).rejects.toMatchObject({
        code: 5,
        details: expect.stringContaining("Can't find pending activity"),
      });
      await expect(call(handle, method, { type: 'nope' })).rejects.toMatchObject({ code: 5 });
      await expect(call(handle, method, {})).rejects.toMatchObject({
        code: 3,
        details: 'Either Activity.Id or Activity.Type should be set on request.',
      });
      await expect(call(handle, method, { namespace: 'nowhere', id: '1' })).rejects.toMatchObject({
        code: 5,
        details: 'Namespace nowhere is not found.',
      });
      await expect(
        call(handle, method, { id: '1', execution: { workflowId: 'no-such-workflow' } }),
      ).rejects.toMatchObject({ code: 5, details: expect.stringContaining('no-such-workflow') });
    }
    await expect(call(handle, 'unpauseActivity', { id: '1', jitter: { seconds: -1 } })).rejects.toMatchObject(
      {
        code: 3,
      },
    );
    expect(await pendingActivity(handle, () => true)).toEqual(before);
  });

  test('a waiting activity paused: PAUSED at attempt 1; the same request again is accepted, another refused', async () => {
    const handle = await waiting();
    await call(handle, 'pauseActivity', { id: '1', requestId: 'r1', reason: 'first' });
    const paused = await pendingActivity(handle, () => true);
    expect(paused).toMatchObject({ state: State.PENDING_ACTIVITY_STATE_PAUSED, attempt: 1, paused: true });
    await expect(call(handle, 'pauseActivity', { id: '1', requestId: 'r1' })).resolves.toBeDefined();
    await expect(call(handle, 'pauseActivity', { id: '1', requestId: 'r2' })).rejects.toMatchObject({
      code: 9,
      details: 'activity is already paused',
    });
    expect((await pendingActivity(handle, () => true)).pauseInfo?.manual?.reason).toBe('first');
    // Unpausing one that is not paused changes nothing; unpausing this one makes it wait again.
    await call(handle, 'unpauseActivity', { unpauseAll: true });
    expect(await pendingActivity(handle, () => true)).toMatchObject({
      state: State.PENDING_ACTIVITY_STATE_SCHEDULED,
      paused: false,
      attempt: 1,
    });
    await call(handle, 'unpauseActivity', { id: '1' });

    await handle.terminate('done');
    await expect(call(handle, 'pauseActivity', { id: '1' })).rejects.toMatchObject({
      code: 5,
      details: 'workflow execution already completed',
    });
  });

  const seconds = (d: { seconds?: unknown } | null | undefined) => Number(d?.seconds ?? 0);

  test('update-options moves a waiting activity to a polled task queue: it runs there', async () => {
    const handle = await waiting();
    const response = await t.env.client.workflowService.updateActivityOptions({
      namespace: 'default',
      execution: { workflowId: handle.workflowId },
      id: '1',
      activityOptions: { taskQueue: { name: w.taskQueue } },
      updateMask: { paths: ['task_queue.name'] },
    });
    expect(response.activityOptions?.taskQueue?.name).toBe(w.taskQueue);
    // The other options are kept (runActivity's start-to-close is 10 s).
    expect(seconds(response.activityOptions?.startToCloseTimeout)).toBe(10);
    await expect(handle.result()).resolves.toEqual({ result: 'hello x' });
  });

  test('update-options then restore: describe shows each; ResetActivity can restore them too', async () => {
    const handle = await waiting();
    const update = (req: Record<string, unknown>) =>
      t.env.client.workflowService.updateActivityOptions({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
        id: '1',
        ...req,
      });
    const options = async () => (await pendingActivity(handle, () => true)).activityOptions;
    await update({
      activityOptions: { startToCloseTimeout: { seconds: 42 }, retryPolicy: { maximumAttempts: 7 } },
      updateMask: { paths: ['startToCloseTimeout', 'retryPolicy.maximumAttempts'] },
    });
    expect(seconds((await options())?.startToCloseTimeout)).toBe(42);
    expect((await options())?.retryPolicy?.maximumAttempts).toBe(7);
    expect((await pendingActivity(handle, () => true)).maximumAttempts).toBe(7);
    await update({ restoreOriginal: true });
    expect(seconds((await options())?.startToCloseTimeout)).toBe(10);
    expect((await options())?.retryPolicy?.maximumAttempts).toBe(3);

    // Bad input changes nothing.
    const before = await pendingActivity(handle, () => true);
    await expect(update({ updateMask: { paths: ['startToCloseTimeout'] } })).rejects.toMatchObject({
      code: 3,
      details: 'ActivityOptions are not provided',
    });
    await expect(update({ activityOptions: { startToCloseTimeout: { seconds: 5 } } })).rejects.toMatchObject({
      code: 3,
      details: 'UpdateMask is not provided',
    });
    await expect(
      update({
        activityOptions: { retryPolicy: { backoffCoefficient: 0.5 } },
        updateMask: { paths: ['retryPolicy.backoffCoefficient'] },
      }),
    ).rejects.toMatchObject({ code: 3 });
    expect(await pendingActivity(handle, () => true)).toEqual(before);

    await update({
      activityOptions: { heartbeatTimeout: { seconds: 9 } },
      updateMask: { paths: ['heartbeatTimeout'] },
    });
    expect(seconds((await options())?.heartbeatTimeout)).toBe(9);
    await t.env.client.workflowService.resetActivity({
      namespace: 'default',
      execution: { workflowId: handle.workflowId },
      id: '1',
      restoreOriginalOptions: true,
    });
    expect(seconds((await options())?.heartbeatTimeout)).toBe(0);
  });
});

test('a pause survives a restart with a state file; unpausing then completes the activity', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'devserver-pause-'));
  const file = path.join(root, 'pause.db');
  const taskQueue = uid('pause-persist');
  const workflowId = uid('pause-persist');
  const bundle = await bundleConformanceWorkflows();
  const open = () => openPersistentServer(file, taskQueue, bundle);
  try {
    const first = await open();
    try {
      const handle = await first.client.workflow.start('runActivity', {
        taskQueue,
        workflowId,
        args: [{ name: 'pausable', heartbeatMs: 1000, maximumAttempts: 5 } as ActivityCall],
      });
      await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_STARTED);
      await first.client.workflowService.pauseActivity({
        namespace: 'default',
        execution: { workflowId },
        id: '1',
        identity: 'operator',
        reason: 'before a restart',
      });
      await pendingActivity(handle, (a) => a.state === State.PENDING_ACTIVITY_STATE_PAUSED);
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      const handle = second.client.workflow.getHandle(workflowId);
      const paused = await pendingActivity(handle, () => true);
      expect(paused).toMatchObject({ state: State.PENDING_ACTIVITY_STATE_PAUSED, attempt: 2, paused: true });
      expect(paused.pauseInfo?.manual).toMatchObject({ identity: 'operator', reason: 'before a restart' });
      await second.client.workflowService.unpauseActivity({
        namespace: 'default',
        execution: { workflowId },
        id: '1',
      });
      await expect(handle.result()).resolves.toEqual({ result: { attempt: 2, heartbeatDetails: 'beat-1' } });
    } finally {
      await second.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
