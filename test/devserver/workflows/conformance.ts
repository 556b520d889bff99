/* Workflows driving the conformance suite (bundled once per test file). */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  startChild,
  type RootWorkflowInfo,
  type WorkflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributes } from '@temporalio/common';
import type * as activities from '../activities';

export const addItem = defineSignal<[string]>('addItem');
export const finish = defineSignal('finish');
export const rollover = defineSignal('rollover');
export const itemsQuery = defineQuery<string[]>('items');
export const addItemUpdate = defineUpdate<number, [string]>('addItemUpdate');

export async function echo(value: string): Promise<string> {
  return value;
}

/** Sleeps and reports how much workflow time passed. */
export async function sleeper(ms: number): Promise<number> {
  const before = Date.now();
  await sleep(ms);
  return Date.now() - before;
}

/** Collects signals (and updates) until `finish`; answers the `items` query. */
export async function collector(): Promise<string[]> {
  const items: string[] = [];
  let done = false;
  setHandler(addItem, (v) => void items.push(v));
  setHandler(finish, () => void (done = true));
  setHandler(itemsQuery, () => items);
  setHandler(
    addItemUpdate,
    (v) => {
      items.push(v);
      return items.length;
    },
    {
      validator: (v) => {
        if (!v) throw new Error('empty item rejected');
      },
    },
  );
  await condition(() => done);
  return items;
}

/** Starts a long timer, cancels it, then sleeps briefly. */
export async function timerCancel(): Promise<string> {
  const scope = new CancellationScope();
  const long = scope.run(() => sleep('1 day'));
  await sleep(10);
  scope.cancel();
  try {
    await long;
    return 'timer fired';
  } catch (err) {
    return isCancellation(err) ? 'timer cancelled' : `unexpected ${String(err)}`;
  }
}

export interface ActivityCall {
  name: keyof typeof activities;
  args?: unknown[];
  startToCloseMs?: number;
  scheduleToCloseMs?: number;
  scheduleToStartMs?: number;
  heartbeatMs?: number;
  maximumAttempts?: number;
  nonRetryable?: string[];
  cancelAfterMs?: number;
  taskQueue?: string;
}

/** Runs one activity and reports its result or its failure (type, cause, attempts). */
export async function runActivity(call: ActivityCall): Promise<unknown> {
  const acts = proxyActivities<typeof activities>({
    startToCloseTimeout: call.startToCloseMs ?? (call.scheduleToCloseMs ? undefined : 10_000),
    scheduleToCloseTimeout: call.scheduleToCloseMs,
    scheduleToStartTimeout: call.scheduleToStartMs,
    heartbeatTimeout: call.heartbeatMs,
    taskQueue: call.taskQueue,
    // Waiting for the activity's own answer shows that the cancellation reached it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: 10,
      backoffCoefficient: 2,
      maximumAttempts: call.maximumAttempts ?? 3,
      nonRetryableErrorTypes: call.nonRetryable,
    },
  });
  const fn = acts[call.name] as (...args: unknown[]) => Promise<unknown>;
  try {
    if (call.cancelAfterMs === undefined) return { result: await fn(...(call.args ?? [])) };
    const scope = new CancellationScope();
    const p = scope.run(() => fn(...(call.args ?? [])));
    await sleep(call.cancelAfterMs);
    scope.cancel();
    return { result: await p };
  } catch (err) {
    if (err instanceof ActivityFailure) {
      const cause = err.cause as Error & { type?: string; timeoutType?: number; failure?: unknown };
      return {
        failure: cause?.name,
        type: cause?.type,
        message: cause?.message,
        timeoutType: cause?.timeoutType,
      };
    }
    throw err;
  }
}

/** Waits until cancelled; cancellation propagates, so the run ends CANCELLED. */
export async function waitForCancel(): Promise<void> {
  await sleep('30 days');
}

/** Fails its first workflow task (a bug that goes away on retry): the server must retry it. */
export async function failsFirstTask(): Promise<number> {
  if (workflowInfo().historyLength <= 3) throw new Error('first task fails');
  return workflowInfo().historyLength;
}

export async function child(n: number): Promise<number> {
  await sleep(100);
  return n * 2;
}

export async function failingChild(): Promise<void> {
  throw ApplicationFailure.nonRetryable('child failed', 'ChildError');
}

export async function parent(n: number): Promise<unknown> {
  const doubled = await executeChild(child, { args: [n], workflowId: `${workflowInfo().workflowId}-child` });
  try {
    await executeChild(failingChild, { workflowId: `${workflowInfo().workflowId}-failing` });
    return { doubled, failed: false };
  } catch (err) {
    return { doubled, failed: err instanceof ChildWorkflowFailure };
  }
}

export async function chain(n: number, seen: string[] = []): Promise<string[]> {
  const runs = [...seen, workflowInfo().runId];
  if (n > 0) await continueAsNew<typeof chain>(n - 1, runs);
  return runs;
}

/**
 * Collects items like `collector`; on `rollover` (or at once when started with `rollNow`) it
 * continues as new with its items and a 'handed over' mark. The `items` query answers the run's items.
 */
export async function handOver(items: string[] = [], rollNow = false): Promise<string[]> {
  let roll = rollNow;
  let done = false;
  setHandler(addItem, (v) => void items.push(v));
  setHandler(rollover, () => void (roll = true));
  setHandler(finish, () => void (done = true));
  setHandler(itemsQuery, () => items);
  await condition(() => roll || done);
  if (done) return items;
  return continueAsNew<typeof handOver>([...items, 'handed over'], false);
}

/** Upserts search attributes and memo, then waits for `finish`. */
export async function tagged(value: string): Promise<void> {
  let done = false;
  setHandler(finish, () => void (done = true));
  upsertSearchAttributes({ CustomKeywordField: [value] });
  upsertMemo({ note: value });
  await condition(() => done);
}

/**
 * Holds its first workflow task in flight for `holdMs` of real time (a long local computation, as
 * far as the server can tell), then waits for `finish`; the `items` query answers what it did.
 */
export async function slowFirstTask(holdMs: number): Promise<string[]> {
  const items = ['first task'];
  let done = false;
  setHandler(itemsQuery, () => items);
  setHandler(addItem, (v) => void items.push(v));
  setHandler(finish, () => void (done = true));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, holdMs);
  await condition(() => done);
  return items;
}

// ------------------------------------------------------------------ fidelity (fidelity.test.ts)

export const argsSignal = defineSignal<[number, string]>('argsSignal');

/** Waits forever for signals (the SDK's signalTarget / conflictId). */
export async function signalTarget(): Promise<void> {
  setHandler(argsSignal, () => undefined);
  await condition(() => false);
}

export async function successString(): Promise<string> {
  return 'success';
}

/**
 * The SDK's childWorkflowStartFail: a child started with REJECT_DUPLICATE completes, and a second
 * child with its id is refused (WorkflowExecutionAlreadyStartedError in the workflow).
 */
export async function childWorkflowStartFail(): Promise<string> {
  const first = await startChild(successString, { workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  await first.result();
  try {
    await startChild(successString, {
      workflowId: first.workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return 'started a duplicate';
  } catch (err) {
    // The workflow sandbox's error classes match by name (SymbolBasedInstanceOfError).
    return (err as Error).name === 'WorkflowExecutionAlreadyStartedError'
      ? 'already started'
      : `unexpected ${String(err)}`;
  }
}

/** The SDK's `parent`: a second child with the id of one still running fails the workflow. */
export async function twoChildrenOneId(): Promise<void> {
  const id = `${workflowInfo().workflowId}-child`;
  await startChild(waitForCancel, { workflowId: id });
  await startChild(waitForCancel, { workflowId: id });
}

export const getWorkflowInfo = defineQuery<WorkflowInfo>('getWorkflowInfo');
export const mutateSearchAttributes = defineSignal<[SearchAttributes]>('mutateSearchAttributes');

/** The SDK's changeSearchAttributes (test-typed-search-attributes.ts): upserts what it is sent. */
export async function changeSearchAttributes(): Promise<void> {
  let isComplete = false;
  setHandler(getWorkflowInfo, () => workflowInfo());
  setHandler(finish, () => void (isComplete = true));
  setHandler(mutateSearchAttributes, (attrs) => upsertSearchAttributes(attrs));
  await condition(() => isComplete);
}

export const neverReturningUpdate = defineUpdate<void, []>('neverReturningUpdate');

/** An update handler that waits forever (the SDK's updateThatShouldFail / never-returning update). */
export async function holdsUpdates(): Promise<void> {
  setHandler(neverReturningUpdate, async () => {
    await condition(() => false);
  });
  await condition(() => false);
}

/** The SDK's ChildWorkflowInfo: reports its root once `finish` arrives. */
export async function childReportingRoot(): Promise<RootWorkflowInfo | undefined> {
  let go = false;
  setHandler(finish, () => void (go = true));
  await condition(() => go);
  return workflowInfo().root;
}

/** The SDK's WithChildWorkflow. */
export async function withChildWorkflow(childId: string): Promise<RootWorkflowInfo | undefined> {
  return executeChild(childReportingRoot, { workflowId: childId });
}

/** The SDK's rootWorkflow: a run without a parent has no root; its child names it. */
export async function rootWorkflow(): Promise<string> {
  let result = workflowInfo().root ? workflowInfo().root!.workflowId : 'empty';
  if (!workflowInfo().parent) result += ` ${await executeChild(rootWorkflow)}`;
  return result;
}

export const done = defineSignal('done');

/** The SDK's userMetadataWorkflow: an activity and a timer with summaries, a child with static metadata. */
export async function userMetadataWorkflow(): Promise<{ childWorkflowId: string; childRunId: string }> {
  let isDone = false;
  setHandler(done, () => void (isDone = true));
  const { greet } = proxyActivities<typeof activities>({ scheduleToCloseTimeout: '10s' });
  await greet.executeWithOptions({ summary: 'activity summary', scheduleToCloseTimeout: '10s' }, ['x']);
  await sleep(5, { summary: 'timer summary' });
  const child = await startChild(signalTarget, {
    staticSummary: 'child summary',
    staticDetails: 'child details',
  });
  await condition(() => isDone);
  return { childWorkflowId: child.workflowId, childRunId: child.firstExecutionRunId };
}

/**
 * The SDK's priorityWorkflow: checks its own priority, starts two children with theirs and runs
 * an activity with its own; returns what the activities saw.
 */
export async function priorityWorkflow(stopAfterCheck: boolean, expected?: number): Promise<unknown> {
  const info = workflowInfo();
  if (!info.priority) throw new Error('undefined priority');
  if (info.priority.priorityKey !== expected)
    throw ApplicationFailure.nonRetryable(`priority ${info.priority.priorityKey}, expected ${expected}`);
  if (stopAfterCheck) return null;
  await executeChild(priorityWorkflow, {
    args: [true, 4],
    priority: { priorityKey: 4, fairnessKey: 'child-workflow-1', fairnessWeight: 2.5 },
  });
  const child = await startChild(priorityWorkflow, {
    args: [true, 2],
    priority: { priorityKey: 2, fairnessKey: 'child-workflow-2', fairnessWeight: 1.0 },
  });
  await child.result();
  // A child without its own priority inherits the workflow's.
  await executeChild(priorityWorkflow, { args: [true, info.priority.priorityKey] });
  const { reportPriority } = proxyActivities<typeof activities>({
    startToCloseTimeout: '5s',
    priority: { priorityKey: 5, fairnessKey: 'fair-activity', fairnessWeight: 4.2 },
  });
  const { reportPriority: inherited } = proxyActivities<typeof activities>({ startToCloseTimeout: '5s' });
  return { own: await reportPriority(), inherited: await inherited() };
}

export const update = defineUpdate<string[], [string]>('update');
export const doneUpdate = defineUpdate<void, []>('done-update');

/** The SDK's workflowWithUpdates (test-integration-update.ts). */
export async function workflowWithUpdates(): Promise<string[]> {
  const state: string[] = [];
  setHandler(update, async (arg: string) => {
    state.push(arg);
    return state;
  });
  setHandler(doneUpdate, () => void state.push('done'));
  await condition(() => state.includes('done'));
  state.push('$');
  return state;
}

/** The SDK's runAnAsyncActivity: an activity completed from outside; cancelled after a moment if asked. */
export async function runAnAsyncActivity(cancel = false): Promise<string> {
  const { completeAsync } = proxyActivities<typeof activities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: '1m',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  });
  if (!cancel) return completeAsync();
  const scope = new CancellationScope();
  const result = scope.run(() => completeAsync());
  await sleep(100);
  scope.cancel();
  return result;
}

/** Fails (retryably, or not) until its attempt under the workflow retry policy reaches `succeedOn`. */
export async function failsUntilAttempt(succeedOn: number, nonRetryable = false): Promise<number> {
  const { attempt } = workflowInfo();
  if (attempt < succeedOn) {
    throw ApplicationFailure.create({ message: `attempt ${attempt} failed`, nonRetryable });
  }
  return attempt;
}

/** Fails (or, with `hang`, outlives its run timeout) until attempt `succeedOn`; reports what a retry sees. */
export async function retriedWorkflow(succeedOn: number, hang = false): Promise<Record<string, unknown>> {
  const info = workflowInfo();
  if (info.attempt < succeedOn) {
    if (hang) await sleep('1 day');
    throw ApplicationFailure.create({ message: `attempt ${info.attempt} failed`, type: 'WorkflowFlaky' });
  }
  return {
    attempt: info.attempt,
    lastFailure: info.lastFailure?.message,
    firstExecutionRunId: info.firstExecutionRunId,
    continuedFromExecutionRunId: info.continuedFromExecutionRunId,
    runId: info.runId,
  };
}

/** One run of a cron workflow: what it sees of its schedule, and when it ran (workflow time). */
export async function cronTick(): Promise<Record<string, unknown>> {
  const info = workflowInfo();
  return { cronSchedule: info.cronSchedule, lastResult: info.lastResult ?? null, ranAt: Date.now() };
}

/** What each workflow task told the workflow about its history (SDK test: 'ContinueAsNew is suggested'). */
export interface HistoryInfoStep {
  historyLength: number;
  historySize: number;
  continueAsNewSuggested: boolean;
  reasons: string[] | undefined;
}

/** Sleeps `steps` times, recording workflowInfo()'s history figures at each workflow task. */
export async function historyInfoSteps(steps: number): Promise<HistoryInfoStep[]> {
  const seen: HistoryInfoStep[] = [];
  for (let i = 0; i <= steps; i += 1) {
    const info = workflowInfo();
    seen.push({
      historyLength: info.historyLength,
      historySize: info.historySize,
      continueAsNewSuggested: info.continueAsNewSuggested,
      reasons: info.suggestedContinueAsNewReasons?.map(String),
    });
    if (i < steps) await sleep(1);
  }
  return seen;
}

/** sdk-typescript's payloadSizeLimitsWorkflow: an activity with a large input, then a large result. */
export async function payloadSizeLimits(input: {
  activityInputDataSize: number;
  workflowOutputDataSize: number;
}): Promise<string> {
  if (input.activityInputDataSize > 0) {
    const { greet } = proxyActivities<typeof activities>({ scheduleToCloseTimeout: '5s' });
    await greet('i'.repeat(input.activityInputDataSize));
  }
  return 'o'.repeat(input.workflowOutputDataSize);
}

/** sdk-typescript's suggestedCAN: timers in batches of 1000 until the server suggests continue-as-new. */
export async function suggestedCAN(): Promise<boolean> {
  const maxEvents = 40_000;
  const batchSize = 1000;
  if (workflowInfo().continueAsNewSuggested) return false;
  while (workflowInfo().historyLength < maxEvents) {
    await Promise.all(Array.from({ length: batchSize }, () => sleep(1)));
    if (workflowInfo().continueAsNewSuggested) return true;
  }
  return false;
}

/** Activities a test gives its worker itself: they call that test's TestWorkflowEnvironment. */
export interface TestEnvActivities {
  /** Sleeps with the environment's `sleep()` (UnlockTimeSkippingWithSleep); fails below attempt `failBelow`. */
  envSleep(ms: number, failBelow?: number): Promise<number>;
}

/** The SDK's raceActivityAndTimer (test-testenvironment.ts): a timer against an activity sleeping in virtual time. */
export async function raceActivityAndTimer(expectedWinner: 'timer' | 'activity'): Promise<string> {
  const acts = proxyActivities<TestEnvActivities>({ startToCloseTimeout: 2_000_000 });
  const timerShouldWin = expectedWinner === 'timer';
  const timerPromise = sleep(timerShouldWin ? 1_000_000 : 1_500_000).then(() => 'timer');
  const activityPromise = acts.envSleep(timerShouldWin ? 1_500_000 : 1_000_000).then(() => 'activity');
  const winner = await Promise.race([timerPromise, activityPromise]);
  await activityPromise;
  return winner;
}

export interface EnvSleepCall {
  sleepMs: number;
  startToCloseMs: number;
  maximumAttempts?: number;
  backoffMs?: number;
  failBelow?: number;
}

/** Runs envSleep once; reports its attempt or its timeout, and the workflow time it took. */
export async function envSleepActivity(call: EnvSleepCall): Promise<Record<string, unknown>> {
  const acts = proxyActivities<TestEnvActivities>({
    startToCloseTimeout: call.startToCloseMs,
    retry: { initialInterval: call.backoffMs ?? 1000, maximumAttempts: call.maximumAttempts ?? 1 },
  });
  const before = Date.now();
  try {
    const attempt = await acts.envSleep(call.sleepMs, call.failBelow);
    return { attempt, elapsedMs: Date.now() - before };
  } catch (err) {
    const cause = (err as ActivityFailure).cause as Error & { timeoutType?: number };
    return { failure: cause?.name, timeoutType: cause?.timeoutType, elapsedMs: Date.now() - before };
  }
}

/**
 * Leaves an activity running (abandoned) and closes after `closeAfterMs` of workflow time, or at
 * `finish`; with `thenContinue`, by continuing as a run whose activity returns at once.
 */
export async function closesWithActivityRunning(
  activityMs: number,
  closeAfterMs: number,
  thenContinue = false,
): Promise<string> {
  const acts = proxyActivities<TestEnvActivities>({
    startToCloseTimeout: '30 days',
    cancellationType: ActivityCancellationType.ABANDON,
    retry: { maximumAttempts: 1 },
  });
  void acts.envSleep(activityMs).catch(() => undefined);
  let finished = false;
  setHandler(finish, () => void (finished = true));
  await condition(() => finished, closeAfterMs);
  if (thenContinue) await continueAsNew<typeof closesWithActivityRunning>(0, 1);
  return 'closed';
}

/** The SDK's executeEagerActivity (integration-workflows-common.ts): 30 activities, each run by the workflow's worker. */
export async function executeEagerActivity(): Promise<void> {
  const scheduleActivity = () =>
    proxyActivities<{ testActivity(): Promise<string> }>({
      scheduleToCloseTimeout: '5s',
      allowEagerDispatch: true,
    })
      .testActivity()
      .then((res) => {
        if (res !== 'workflow-and-activity-worker')
          throw ApplicationFailure.nonRetryable('Activity was not eagerly dispatched');
      });
  for (let i = 0; i < 10; i++) {
    // Three at a time: the core's default eager reservations per workflow task.
    await Promise.all([scheduleActivity(), scheduleActivity(), scheduleActivity()]);
  }
}

/** The SDK's dontExecuteEagerActivity. */
export async function dontExecuteEagerActivity(): Promise<string> {
  return (await proxyActivities<{ testActivity(): Promise<string> }>({
    scheduleToCloseTimeout: '5s',
    allowEagerDispatch: true,
  })
    .testActivity()
    .catch(() => 'failed')) as string;
}

/** Runs a collector as its child (id `<parent id>-child`) and returns what the child collected. */
export async function collectorParent(): Promise<string[]> {
  return executeChild(collector, { workflowId: `${workflowInfo().workflowId}-child` });
}

export const unblock = defineSignal('unblock');
export const childIdsQuery = defineQuery<string[]>('childIds');

/**
 * The shape of the SDK's randomStreamResetWorkflow (test-random-stream-reset): a child started,
 * a timer, another child started, then a wait for a signal; the child ids started are queryable.
 */
export async function childTimerChild(): Promise<string[]> {
  const ids: string[] = [];
  let unblocked = false;
  setHandler(childIdsQuery, () => ids);
  setHandler(unblock, () => void (unblocked = true));
  ids.push((await startChild(successString)).workflowId);
  await sleep(1);
  ids.push((await startChild(successString)).workflowId);
  await condition(() => unblocked);
  return ids;
}

export const getBuildIdQuery = defineQuery<string>('getBuildId');

/** The SDK's buildIdTester: reports the build that completed its latest task, waits for `unblock`. */
export async function buildIdTester(): Promise<void> {
  let blocked = true;
  setHandler(unblock, () => void (blocked = false));
  setHandler(getBuildIdQuery, () => workflowInfo().currentBuildId ?? '');
  await condition(() => !blocked);
  await condition(() => false);
}
