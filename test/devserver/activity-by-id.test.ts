/**
 * The async-completion calls by id (RespondActivityTaskCompletedById / FailedById / CanceledById,
 * RecordActivityTaskHeartbeatById) through the SDK's AsyncCompletionClient, as the SDK's own
 * test-async-completion does with a full activity id `{ workflowId, runId, activityId }`.
 */
import { ActivityCancelledError, ActivityNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';
import type { ActivityCall } from './workflows/conformance';

const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const t = useConformanceEnv();

/** The activity's full id once its attempt is started (handed to the worker, which left it open). */
async function startedActivity(handle: WorkflowHandle) {
  const d = await eventually(
    () => handle.describe(),
    (x) => x.raw.pendingActivities?.[0]?.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
  );
  return {
    workflowId: handle.workflowId,
    runId: d.runId,
    activityId: d.raw.pendingActivities![0]!.activityId!,
  };
}

describeEachCacheMode(t, (w) => {
  const run = (call: Partial<ActivityCall>) =>
    t.env.client.workflow.start('runActivity', {
      taskQueue: w.taskQueue,
      workflowId: uid('by-id'),
      args: [{ name: 'completeAsync', maximumAttempts: 1, ...call } as ActivityCall],
    });

  test('complete by id: heartbeat, then the result reaches the workflow', async () => {
    const handle = await run({});
    const id = await startedActivity(handle);
    await t.env.client.activity.heartbeat(id, 'half way');
    const d = await handle.describe();
    expect(d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads).toHaveLength(1);
    await t.env.client.activity.complete(id, 'done by id');
    await expect(handle.result()).resolves.toEqual({ result: 'done by id' });
    // The attempt is gone: a second answer is NOT_FOUND.
    await expect(t.env.client.activity.complete(id, 'again')).rejects.toBeInstanceOf(ActivityNotFoundError);
  });

  test('complete by id with the current run (no run id)', async () => {
    const handle = await run({});
    const { runId: _runId, ...id } = await startedActivity(handle);
    await t.env.client.activity.complete(id, 'current run');
    await expect(handle.result()).resolves.toEqual({ result: 'current run' });
  });

  test('fail by id: the failure reaches the workflow (no retry left)', async () => {
    const handle = await run({});
    const id = await startedActivity(handle);
    await t.env.client.activity.fail(id, new Error('failed by id'));
    await expect(handle.result()).resolves.toMatchObject({
      failure: 'ApplicationFailure',
      message: 'failed by id',
    });
  });

  test('heartbeat by id tells of a cancellation; cancel by id closes the activity', async () => {
    const handle = await run({ cancelAfterMs: 100 });
    const id = await startedActivity(handle);
    const answer = await eventually(
      () =>
        t.env.client.activity.heartbeat(id).then(
          () => 'not cancelled',
          (err: unknown) => err,
        ),
      (x) => x !== 'not cancelled',
    );
    expect(answer).toBeInstanceOf(ActivityCancelledError);
    await t.env.client.activity.reportCancellation(id, 'cancelled by id');
    await expect(handle.result()).resolves.toMatchObject({ failure: 'CancelledFailure' });
  });

  test('an unknown activity id or workflow is NOT_FOUND', async () => {
    const handle = await run({});
    const id = await startedActivity(handle);
    await expect(
      t.env.client.activity.complete({ ...id, activityId: 'no-such-activity' }, 'x'),
    ).rejects.toBeInstanceOf(ActivityNotFoundError);
    await expect(
      t.env.client.activity.heartbeat({ ...id, workflowId: uid('nobody'), runId: undefined }),
    ).rejects.toBeInstanceOf(ActivityNotFoundError);
    await t.env.client.activity.complete(id, 'finally');
    await expect(handle.result()).resolves.toEqual({ result: 'finally' });
  });
});
