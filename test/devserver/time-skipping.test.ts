/**
 * The TestService's time-skipping lock as the Java test server keeps it (issue 18, item 13):
 * outstanding work holds a lock, so an activity calling the test environment's `sleep()` while the
 * test waits in `result()` skips time (sdk-typescript test-testenvironment.ts, "TestEnvironment
 * sleep can be used to delay activity completion"), and the locks stay balanced whatever ends the
 * work: the activity's timeout, a retry's backoff, its run closing, continuing as new, reset,
 * terminated or cancelled.
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import * as activities from './activities';
import { CACHE_MODES, startWorker, uid, useConformanceEnv, type RunningWorker } from './support';
import type { EnvSleepCall, TestEnvActivities } from './workflows/conformance';

const EventType = temporal.api.enums.v1.EventType;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const t = useConformanceEnv();

/** An envSleep attempt in the worker: resolved when it starts and when its sleep returns. */
interface Attempt {
  started: Promise<void>;
  ended: Promise<void>;
}

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  let w: RunningWorker;
  const attempts = new Map<string, Attempt>();
  const track = (workflowId: string) => {
    const marks: { started?: () => void; ended?: () => void } = {};
    const attempt: Attempt = {
      started: new Promise((resolve) => (marks.started = resolve)),
      ended: new Promise((resolve) => (marks.ended = resolve)),
    };
    attempts.set(workflowId, attempt);
    return marks;
  };
  const envActivities: TestEnvActivities = {
    async envSleep(ms, failBelow = 0) {
      const { info } = Context.current();
      const marks = track(info.workflowExecution?.workflowId ?? '');
      marks.started!();
      try {
        await t.env.sleep(ms);
      } finally {
        marks.ended!();
      }
      if (info.attempt < failBelow) throw ApplicationFailure.create({ message: `attempt ${info.attempt}` });
      return info.attempt;
    },
  };
  const opts = (prefix: string) => ({ taskQueue: w.taskQueue, workflowId: uid(prefix) });
  const attemptOf = async (workflowId: string) => {
    while (!attempts.has(workflowId)) await new Promise((resolve) => setTimeout(resolve, 10));
    return attempts.get(workflowId)!;
  };

  /** Nothing holds a lock any more: the client's own lock is the only one (one unlock, then refused). */
  const expectBalanced = async () => {
    const ts = t.env.connection.testService!;
    await ts.unlockTimeSkipping({});
    await expect(ts.unlockTimeSkipping({})).rejects.toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
    await ts.lockTimeSkipping({});
  };

  /** Time skipping still works: a 3-day timer is skipped over while result() waits. */
  const expectSkipping = async () => {
    const slept = await t.env.client.workflow.execute('sleeper', { ...opts('after'), args: [3 * DAY] });
    expect(slept).toBeGreaterThanOrEqual(3 * DAY);
  };

  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle, {
      maxCachedWorkflows,
      activities: { ...activities, ...envActivities },
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test("env.sleep() inside an activity skips time while result() waits (the SDK's raceActivityAndTimer)", async () => {
    for (const winner of ['activity', 'timer'] as const) {
      const handle = await t.env.client.workflow.start('raceActivityAndTimer', {
        ...opts('race'),
        args: [winner],
      });
      await expect(handle.result()).resolves.toBe(winner);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)).toBe(false);
    }
    await expectBalanced();
  });

  test('an activity sleeping past its start-to-close timeout times out; no workflow task is skipped over', async () => {
    const call: EnvSleepCall = { sleepMs: 2 * HOUR, startToCloseMs: HOUR };
    const handle = await t.env.client.workflow.start('envSleepActivity', {
      ...opts('timeout'),
      args: [call],
    });
    const outcome = (await handle.result()) as Record<string, number | string>;
    expect(outcome).toMatchObject({ failure: 'TimeoutFailure', timeoutType: 'START_TO_CLOSE' });
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(HOUR);
    // The sleep lent the activity's lock; the timeout ended the activity, so the workflow task that
    // followed held time skipping until the worker completed it.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)).toBe(false);
    // The activity still sleeps in the worker: the next wait skips past it.
    await expectSkipping();
    await (
      await attemptOf(handle.workflowId)
    ).ended;
    await expectBalanced();
  });

  test("a retry's backoff is skipped: the failed attempt's lock is released until the next attempt", async () => {
    const call: EnvSleepCall = {
      sleepMs: 30 * 60_000,
      startToCloseMs: HOUR,
      maximumAttempts: 2,
      backoffMs: HOUR,
      failBelow: 2,
    };
    const outcome = await t.env.client.workflow.execute('envSleepActivity', {
      ...opts('retry'),
      args: [call],
    });
    expect(outcome).toMatchObject({ attempt: 2 });
    expect((outcome as { elapsedMs: number }).elapsedMs).toBeGreaterThanOrEqual(2 * HOUR);
    await expectBalanced();
  });

  test('a run that closes with its activity still sleeping holds no lock after', async () => {
    const handle = await t.env.client.workflow.start('closesWithActivityRunning', {
      ...opts('closes'),
      args: [DAY, HOUR],
    });
    await expect(handle.result()).resolves.toBe('closed');
    const attempt = await attemptOf(handle.workflowId);
    await expectSkipping();
    await attempt.ended;
    await expectBalanced();
  });

  test('a run that continues as new with its activity still sleeping holds no lock after', async () => {
    const handle = await t.env.client.workflow.start('closesWithActivityRunning', {
      ...opts('continues'),
      args: [DAY, HOUR, true],
    });
    const first = await attemptOf(handle.workflowId);
    await expect(handle.result()).resolves.toBe('closed');
    await expectSkipping();
    await first.ended;
    await expectBalanced();
  });

  test('a run reset with its activity sleeping holds no lock after; nor does the new run once terminated', async () => {
    const handle = await t.env.client.workflow.start('closesWithActivityRunning', {
      ...opts('reset'),
      args: [DAY, 30 * DAY],
    });
    const first = await attemptOf(handle.workflowId);
    const firstTask = (await handle.fetchHistory()).events!.find(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    )!;
    const { runId } = await t.env.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
      reason: 'reset with an activity running',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
    });
    // The new run schedules the activity again: a second attempt sleeps beside the first.
    while (attempts.get(handle.workflowId) === first) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = attempts.get(handle.workflowId)!;
    await t.env.client.workflow.getHandle(handle.workflowId, runId ?? undefined).terminate('done');
    await Promise.all([first.ended, second.ended]);
    await expectBalanced();
    await expectSkipping();
    await expectBalanced();
  });

  test.each(['terminate', 'cancel'] as const)(
    'a run ended by %s with its activity sleeping holds no lock after',
    async (how) => {
      const handle = await t.env.client.workflow.start('closesWithActivityRunning', {
        ...opts(how),
        args: [DAY, 30 * DAY],
      });
      const attempt = await attemptOf(handle.workflowId);
      await attempt.started;
      // The activity's sleep took the client's lock, its own lock still holds time: the close releases it.
      if (how === 'terminate') await handle.terminate('ends with its activity running');
      else await handle.cancel();
      await attempt.ended;
      await expectBalanced();
      await expectSkipping();
      await expectBalanced();
    },
  );
});
