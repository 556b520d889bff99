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
} from '@temporalio/workflow';
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
