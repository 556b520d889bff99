/**
 * Task tokens in Temporal's own format (temporal.server.api.token.v1.Task), as the SDK's
 * test-async-completion builds one for "Non existing activity async completion / failure /
 * cancellation / heartbeat throws meaningful message": a token this server did not issue answers
 * NOT_FOUND (the client's ActivityNotFoundError) and changes nothing; bytes that are no token at
 * all stay INVALID_ARGUMENT.
 */
import { randomUUID } from 'node:crypto';
import { ActivityCompletionError, ActivityNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Writer } from 'protobufjs/minimal';
import { eventually } from '../helpers/eventually';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';
import type { ActivityCall } from './workflows/conformance';

const PendingActivityState = temporal.api.enums.v1.PendingActivityState;
const EventType = temporal.api.enums.v1.EventType;
const t = useConformanceEnv();

interface TemporalTask {
  namespaceId: string;
  workflowId: string;
  runId: string;
  scheduledEventId: number;
  attempt: number;
  activityId: string;
  activityType: string;
}

/** Temporal's Task token message, field by field (1-6 and 8, as the SDK test's bytes). */
function temporalTaskToken(task: TemporalTask): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 2).string(task.namespaceId);
  w.uint32((2 << 3) | 2).string(task.workflowId);
  w.uint32((3 << 3) | 2).string(task.runId);
  w.uint32(4 << 3).int64(task.scheduledEventId);
  w.uint32(5 << 3).int32(task.attempt);
  w.uint32((6 << 3) | 2).string(task.activityId);
  w.uint32((8 << 3) | 2).string(task.activityType);
  return w.finish();
}

async function defaultNamespaceId(): Promise<string> {
  const { namespaceInfo } = await t.env.client.workflowService.describeNamespace({ namespace: 'default' });
  return namespaceInfo!.id!;
}

/** Each of the four async-completion calls, with the same token. */
function allCalls(token: Uint8Array): [string, () => Promise<unknown>][] {
  const activity = t.env.client.activity;
  return [
    ['complete', () => activity.complete(token, 'success')],
    ['fail', () => activity.fail(token, new Error('failure'))],
    ['reportCancellation', () => activity.reportCancellation(token, 'cancelled')],
    ['heartbeat', () => activity.heartbeat(token, 'details')],
  ];
}

test("the namespace id has the form of Temporal's (a UUID), the same on every call", async () => {
  const id = await defaultNamespaceId();
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await expect(defaultNamespaceId()).resolves.toBe(id);
});

test('a Temporal token for an activity that does not exist: ActivityNotFoundError on each call', async () => {
  const token = temporalTaskToken({
    namespaceId: await defaultNamespaceId(),
    workflowId: randomUUID(),
    runId: randomUUID(),
    scheduledEventId: 5,
    attempt: 1,
    activityId: '1',
    activityType: 'completeAsync',
  });
  for (const [, call] of allCalls(token)) {
    await expect(call()).rejects.toBeInstanceOf(ActivityNotFoundError);
  }
});

test('a Temporal token naming an unknown namespace id: NamespaceNotFoundError', async () => {
  const token = temporalTaskToken({
    namespaceId: randomUUID(),
    workflowId: randomUUID(),
    runId: randomUUID(),
    scheduledEventId: 5,
    attempt: 1,
    activityId: '1',
    activityType: 'completeAsync',
  });
  await expect(t.env.client.activity.complete(token, 'x')).rejects.toBeInstanceOf(NamespaceNotFoundError);
});

test('bytes that are no token stay INVALID_ARGUMENT (malformed)', async () => {
  const whole = temporalTaskToken({
    namespaceId: await defaultNamespaceId(),
    workflowId: 'w',
    runId: 'r',
    scheduledEventId: 5,
    attempt: 1,
    activityId: '1',
    activityType: 'x',
  });
  // The SDK tests' placeholder token, and a Temporal token cut inside its run id.
  for (const bytes of [new Uint8Array([1]), whole.subarray(0, 45)]) {
    for (const [, call] of allCalls(bytes)) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActivityCompletionError);
      expect((err as Error).message).toContain('taskToken is malformed');
    }
  }
});

describeEachCacheMode(t, (w) => {
  async function startedActivity(handle: WorkflowHandle) {
    const d = await eventually(
      () => handle.describe(),
      (x) => x.raw.pendingActivities?.[0]?.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
    const history = await handle.fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    )!;
    return {
      runId: d.runId,
      scheduledEventId: Number(scheduled.eventId),
      pending: d.raw.pendingActivities![0]!,
    };
  }

  test('a Temporal token naming a started activity is not ours: NOT_FOUND, the activity untouched', async () => {
    const handle = await t.env.client.workflow.start('runActivity', {
      taskQueue: w.taskQueue,
      workflowId: uid('temporal-token'),
      args: [{ name: 'completeAsync', maximumAttempts: 1 } as ActivityCall],
    });
    const { runId, scheduledEventId, pending } = await startedActivity(handle);
    const token = temporalTaskToken({
      namespaceId: await defaultNamespaceId(),
      workflowId: handle.workflowId,
      runId,
      scheduledEventId,
      attempt: 1,
      activityId: pending.activityId!,
      activityType: pending.activityType!.name!,
    });
    for (const [, call] of allCalls(token)) {
      await expect(call()).rejects.toBeInstanceOf(ActivityNotFoundError);
    }
    const after = await handle.describe();
    expect(after.raw.pendingActivities?.[0]?.state).toBe(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    expect(after.raw.pendingActivities?.[0]?.heartbeatDetails).toBeFalsy();
    // Still completable by the worker's own handle on it.
    await t.env.client.activity.complete(
      { workflowId: handle.workflowId, runId, activityId: pending.activityId! },
      'ok',
    );
    await expect(handle.result()).resolves.toEqual({ result: 'ok' });
  });
});
