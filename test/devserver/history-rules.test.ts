/**
 * Unit tests of the history and mutable-state rules (no server, no SDK): what the worker's
 * history checks require, driven directly on an Execution with a fake host.
 */
import { VirtualClock } from '../../devserver/clock/virtualClock';
import type { OutstandingWork, WorkLock } from '../../devserver/clock/timeSkippingLock';
import { parseArgs } from '../../devserver/cli';
import { EventType, type Attrs, type HistoryEvent } from '../../devserver/history/events';
import { historyEvents } from '../../devserver/history/encodedHistory';
import { dropHeldBackTimerFired, isContiguous, partialHistoryStart } from '../../devserver/history/rules';
import { Execution, type ExecutionHost } from '../../devserver/state/execution';
import { resolveDynamicConfig } from '../../devserver/dynamicConfig';
import { nextRetry, RetryState, withDefaults } from '../../devserver/state/retry';
import type { ActivityTaskRef, QueryTaskRef, WorkflowTaskRef } from '../../devserver/state/taskRefs';
import { decodeTaskToken } from '../../devserver/state/taskRefs';

class FakeHost implements ExecutionHost {
  /** Skipping is not used here: tests move time with advanceBy. */
  clock = new VirtualClock();
  dynamicConfig = resolveDynamicConfig();
  workflowTasks: { queue: string; ref: WorkflowTaskRef | QueryTaskRef }[] = [];
  activityTasks: ActivityTaskRef[] = [];
  enqueueWorkflowTask(queue: string, ref: WorkflowTaskRef | QueryTaskRef) {
    this.workflowTasks.push({ queue, ref });
  }
  enqueueActivityTask(_queue: string, ref: ActivityTaskRef) {
    this.activityTasks.push(ref);
  }
  changed() {}
  closed() {}
  continueAsNew() {}
  retryRun() {}
  runById() {
    return undefined;
  }
  startChild() {
    return { runId: 'child' };
  }
  signalExternal() {
    return true;
  }
  cancelExternal() {
    return true;
  }
  newRunId() {
    return 'next-run';
  }
  typedSearchAttributes<F>(fields: F): F {
    return fields;
  }
}

let host: FakeHost;
afterEach(() => host?.clock.close());

function newExecution(): Execution {
  host = new FakeHost();
  return new Execution(host, {
    namespace: 'default',
    workflowId: 'wf',
    runId: 'run',
    workflowType: 'type',
    taskQueue: 'tq',
  });
}

/** Polls the latest queued workflow task, as a worker on that queue would. */
function startTask(exec: Execution, sticky = false): Attrs {
  const next = host.workflowTasks.pop();
  if (!next || next.ref.kind !== 'workflow') throw new Error('no workflow task queued');
  const task = exec.startWorkflowTask(next.ref, 'worker', sticky);
  if (!task) throw new Error('stale task');
  return task;
}

const token = (task: Attrs) => decodeTaskToken(task.taskToken, ['w', 'a']);
const types = (events: readonly HistoryEvent[]) => events.map((e) => e.eventType);
/** The events a task or page carries (sent as encoded bytes). */
const eventsOf = (task: Attrs) => historyEvents(task.history);
const cmd = (commandType: number, field: string, attrs: Attrs) => ({ commandType, [field]: attrs });
const startTimer = (timerId: string, seconds: number) =>
  cmd(3, 'startTimerCommandAttributes', { timerId, startToFireTimeout: { seconds } });
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a run starts with WorkflowExecutionStarted, WorkflowTaskScheduled, then WorkflowTaskStarted when polled', () => {
  const exec = newExecution();
  expect(types(exec.history.events())).toEqual([
    EventType.WorkflowExecutionStarted,
    EventType.WorkflowTaskScheduled,
  ]);
  const task = startTask(exec);
  expect(task.startedEventId).toBe(3);
  expect(types(eventsOf(task))).toEqual([1, 5, 6]);
  expect(isContiguous(eventsOf(task))).toBe(true);
});

test('events arriving while a task is started are held back and written after its completion', () => {
  const exec = newExecution();
  const task = startTask(exec);
  exec.signal('s', null, 'client');
  expect(exec.history.length).toBe(3);
  exec.completeWorkflowTask(token(task), { commands: [startTimer('t1', 60)] });
  expect(types(exec.history.events())).toEqual([
    EventType.WorkflowExecutionStarted,
    EventType.WorkflowTaskScheduled,
    EventType.WorkflowTaskStarted,
    EventType.WorkflowTaskCompleted,
    EventType.TimerStarted,
    EventType.WorkflowExecutionSignaled,
    EventType.WorkflowTaskScheduled,
  ]);
});

test('sdkMetadata of a completion is copied into WorkflowTaskCompleted', () => {
  const exec = newExecution();
  const task = startTask(exec);
  const sdkMetadata = { coreUsedFlags: [1, 2], langUsedFlags: [3], sdkName: 'sdk', sdkVersion: '1' };
  exec.completeWorkflowTask(token(task), { commands: [startTimer('t', 5)], sdkMetadata });
  expect(exec.history.events()[3]?.workflowTaskCompletedEventAttributes).toMatchObject({ sdkMetadata });
});

test('ActivityTaskStarted is written when the activity completes, right before its result', () => {
  const exec = newExecution();
  const task = startTask(exec);
  exec.completeWorkflowTask(token(task), {
    commands: [
      cmd(1, 'scheduleActivityTaskCommandAttributes', {
        activityId: '1',
        activityType: { name: 'act' },
        startToCloseTimeout: { seconds: 10 },
      }),
    ],
  });
  const activity = exec.startActivityTask(host.activityTasks.pop()!, 'worker')!;
  expect(activity.scheduleToCloseTimeout).toBeDefined();
  expect(types(exec.history.events())).not.toContain(EventType.ActivityTaskStarted);
  exec.completeActivity(token(activity), { payloads: [] }, 'worker');
  const [started, completed] = exec.history.events().slice(-3, -1);
  expect(started?.eventType).toBe(EventType.ActivityTaskStarted);
  expect(completed?.eventType).toBe(EventType.ActivityTaskCompleted);
  expect(completed?.activityTaskCompletedEventAttributes).toMatchObject({ startedEventId: started?.eventId });
  expect(exec.lastEvent.eventType).toBe(EventType.WorkflowTaskScheduled);
});

test('timers fire on their own deadlines after one between them is cancelled', () => {
  const exec = newExecution();
  exec.completeWorkflowTask(token(startTask(exec)), {
    commands: [startTimer('t1', 5), startTimer('t2', 10), startTimer('t3', 15)],
  });
  const startedIds = new Map(
    exec.history
      .events()
      .filter((e) => e.eventType === EventType.TimerStarted)
      .map((e) => [e.timerStartedEventAttributes?.timerId, e.eventId]),
  );
  const fired = () =>
    exec.history
      .events()
      .filter((e) => e.eventType === EventType.TimerFired)
      .map((e) => e.timerFiredEventAttributes);
  host.clock.advanceBy(5000);
  expect(fired()).toMatchObject([{ timerId: 't1', startedEventId: startedIds.get('t1') }]);
  exec.completeWorkflowTask(token(startTask(exec)), {
    commands: [cmd(6, 'cancelTimerCommandAttributes', { timerId: 't2' })],
  });
  host.clock.advanceBy(5000);
  expect(fired()).toHaveLength(1);
  expect(exec.wft).toBeNull();
  host.clock.advanceBy(5000);
  expect(fired()).toMatchObject([
    { timerId: 't1', startedEventId: startedIds.get('t1') },
    { timerId: 't3', startedEventId: startedIds.get('t3') },
  ]);
  expect(exec.state.timers).toBeUndefined();
  expect(exec.timerHandles).toBeUndefined();
});

test('a TimerFired held back is dropped when the worker cancels that timer', () => {
  const exec = newExecution();
  exec.completeWorkflowTask(token(startTask(exec)), { commands: [startTimer('t1', 5)] });
  exec.signal('wake', null, 'client');
  const second = startTask(exec);
  host.clock.advanceBy(5000); // the timer fires while the task is in flight
  expect(exec.wft?.state).toBe('started');
  expect(types(exec.history.events())).not.toContain(EventType.TimerFired);
  exec.completeWorkflowTask(token(second), {
    commands: [cmd(6, 'cancelTimerCommandAttributes', { timerId: 't1' })],
  });
  expect(types(exec.history.events())).toContain(EventType.TimerCanceled);
  expect(types(exec.history.events())).not.toContain(EventType.TimerFired);
  expect(exec.wft).toBeNull();
});

test('a failed workflow task is retried as a transient task, persisted only once it succeeds', () => {
  const exec = newExecution();
  const first = startTask(exec);
  exec.failWorkflowTask(token(first), { cause: 22, failure: { message: 'boom' } });
  expect(exec.lastEvent.eventType).toBe(EventType.WorkflowTaskFailed);
  const lengthAfterFailure = exec.history.length;
  const retry = startTask(exec);
  expect(retry.attempt).toBe(2);
  expect(exec.history.length).toBe(lengthAfterFailure);
  expect(types(eventsOf(retry)).slice(-2)).toEqual([
    EventType.WorkflowTaskScheduled,
    EventType.WorkflowTaskStarted,
  ]);
  expect(retry.startedEventId).toBe(lengthAfterFailure + 2);
  exec.failWorkflowTask(token(retry), { cause: 22 });
  expect(exec.history.length).toBe(lengthAfterFailure);
  const third = startTask(exec);
  expect(third.attempt).toBe(3);
  exec.completeWorkflowTask(token(third), {
    commands: [cmd(4, 'completeWorkflowExecutionCommandAttributes', {})],
  });
  expect(types(exec.history.events()).slice(lengthAfterFailure)).toEqual([
    EventType.WorkflowTaskScheduled,
    EventType.WorkflowTaskStarted,
    EventType.WorkflowTaskCompleted,
    EventType.WorkflowExecutionCompleted,
  ]);
  expect(isContiguous(exec.history.events())).toBe(true);
});

test('a sticky worker gets the history from the previous WorkflowTaskCompleted; the normal queue gets all of it', () => {
  const exec = newExecution();
  exec.completeWorkflowTask(token(startTask(exec)), {
    commands: [startTimer('t', 60)],
    stickyAttributes: { workerTaskQueue: { name: 'sticky-1' }, scheduleToStartTimeout: { seconds: 10 } },
  });
  exec.signal('s', null, 'client');
  expect(host.workflowTasks.at(-1)?.queue).toBe('sticky-1');
  const sticky = startTask(exec, true);
  expect(sticky.previousStartedEventId).toBe(3);
  expect(eventsOf(sticky)[0]?.eventId).toBe(4);
  expect(eventsOf(sticky).at(-1)?.eventId).toBe(sticky.startedEventId);
  expect(exec.history.events(partialHistoryStart(3))[0]?.eventType).toBe(EventType.WorkflowTaskCompleted);
  // The sticky queue goes away (ShutdownWorker): the next task is served in full on the normal queue.
  exec.completeWorkflowTask(token(sticky), {
    commands: [],
    stickyAttributes: { workerTaskQueue: { name: 'sticky-1' }, scheduleToStartTimeout: { seconds: 10 } },
  });
  exec.signal('s2', null, 'client');
  exec.stickyQueueGone('sticky-1');
  expect(host.workflowTasks.at(-1)?.queue).toBe('tq');
  expect(eventsOf(startTask(exec))[0]?.eventId).toBe(1);
});

test('a close command while new events wait is refused with UnhandledCommand and a new task', () => {
  const exec = newExecution();
  const task = startTask(exec);
  exec.signal('late', null, 'client');
  expect(() =>
    exec.completeWorkflowTask(token(task), {
      commands: [cmd(4, 'completeWorkflowExecutionCommandAttributes', {})],
    }),
  ).toThrow('UnhandledCommand');
  expect(exec.isRunning).toBe(true);
  expect(types(exec.history.events()).slice(-3)).toEqual([
    EventType.WorkflowTaskFailed,
    EventType.WorkflowExecutionSignaled,
    EventType.WorkflowTaskScheduled,
  ]);
});

test('dropHeldBackTimerFired removes only the fired event of that timer', () => {
  const buffered = [
    { type: 'TimerFired' as const, attributes: { timerId: 'a' }, time: 0 },
    { type: 'WorkflowExecutionSignaled' as const, attributes: {}, time: 0 },
  ];
  expect(dropHeldBackTimerFired(buffered, 'b')).toBe(false);
  expect(dropHeldBackTimerFired(buffered, 'a')).toBe(true);
  expect(buffered.map((e) => e.type)).toEqual(['WorkflowExecutionSignaled']);
});

describe('activity retry policy', () => {
  const policy = withDefaults({
    initialInterval: { seconds: 1 },
    backoffCoefficient: 2,
    maximumInterval: { seconds: 5 },
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['Fatal'],
  });

  test('backoff grows by the coefficient and is capped at the maximum interval', () => {
    expect([1, 2, 3, 4].map((attempt) => nextRetry(policy, attempt, {}, 0, 0).delayMs)).toEqual([
      1000, 2000, 4000, 5000,
    ]);
  });

  test('maximum attempts, non-retryable types and the schedule-to-close deadline stop retries', () => {
    expect(nextRetry(policy, 5, {}, 0, 0)).toMatchObject({
      retry: false,
      state: RetryState.MaximumAttemptsReached,
    });
    expect(nextRetry(policy, 1, { type: 'Fatal' }, 0, 0)).toMatchObject({
      retry: false,
      state: RetryState.NonRetryableFailure,
    });
    expect(nextRetry(policy, 1, { nonRetryable: true }, 0, 0).retry).toBe(false);
    expect(nextRetry(policy, 1, {}, 0, 500)).toMatchObject({ retry: false, state: RetryState.Timeout });
  });

  test('defaults: 1 s initial interval, coefficient 2, 100x cap, unlimited attempts', () => {
    const d = withDefaults(undefined);
    expect(d).toMatchObject({ backoffCoefficient: 2, maximumAttempts: 0, initialInterval: { seconds: 1 } });
    expect(nextRetry(d, 1000, {}, 0, 0)).toMatchObject({ retry: true, delayMs: 100_000 });
  });
});

describe('virtual clock', () => {
  /** Outstanding work as a set of named locks (the server reads them from the runs' state). */
  class FakeWork implements OutstandingWork {
    readonly held = new Map<string, WorkLock>();
    hold(name: string): void {
      const lock: WorkLock = { held: true };
      this.held.set(name, lock);
    }
    release(name: string): void {
      const lock = this.held.get(name);
      if (lock) (lock as { held: boolean }).held = false;
      this.held.delete(name);
    }
    get count() {
      return this.held.size;
    }
    lend(lent: ReadonlySet<WorkLock>) {
      return [...this.held.values()].find((l) => !lent.has(l));
    }
  }

  test('skips to the next deadline only when unlocked and no work holds a lock', async () => {
    const work = new FakeWork();
    work.hold('activity');
    const clock = new VirtualClock(work);
    try {
      const fired: string[] = [];
      const start = clock.now();
      clock.after(86_400_000, () => fired.push('day'));
      await turn();
      expect(fired).toEqual([]); // locked
      clock.unlock();
      await turn();
      expect(fired).toEqual([]); // the activity holds a lock
      work.release('activity');
      clock.timeSkipping.workChanged();
      clock.requestSkipCheck();
      await turn();
      expect(fired).toEqual(['day']);
      expect(clock.now() - start).toBeGreaterThanOrEqual(86_400_000);
      expect(() => clock.unlock()).toThrow(/already unlocked/);
    } finally {
      clock.close();
    }
  });

  test("an unlock below the clients' locks borrows a work lock, which stops counting when that work ends", () => {
    const work = new FakeWork();
    const lock = new VirtualClock(work).timeSkipping;
    lock.unlock(); // the test waits in result()
    work.hold('activity');
    work.hold('workflow task');
    const relock = lock.unlockUntilRelock(); // the activity sleeps
    expect(lock.count).toBe(1); // the workflow task
    expect(() => lock.unlockUntilRelock()).not.toThrow(); // a second sleeper borrows the task's lock
    expect(lock.locked).toBe(false);
    expect(() => lock.unlock()).toThrow(/already unlocked/); // nothing left to lend
    // The borrowed work ends (the run closes): its loans stop counting, nothing goes negative.
    work.release('activity');
    work.release('workflow task');
    lock.workChanged();
    expect(lock.count).toBe(0);
    relock();
    relock(); // once only
    expect(lock.count).toBe(0);
    lock.lock(); // result() returned
    expect(lock.count).toBe(1);
    // Balanced: one unlock allowed, the next refused.
    lock.unlock();
    expect(() => lock.unlock()).toThrow(/already unlocked/);
  });

  test('a plain unlock that borrowed is returned by the next plain lock, whether its work ended or not', () => {
    const work = new FakeWork();
    const lock = new VirtualClock(work).timeSkipping;
    work.hold('a');
    work.hold('b');
    lock.unlock();
    lock.unlock(); // borrows a
    lock.unlock(); // borrows b
    expect(lock.locked).toBe(false);
    work.release('a');
    lock.workChanged();
    lock.lock(); // returns the ended loan first: b still lent
    expect(lock.count).toBe(0);
    lock.lock(); // returns b's loan
    expect(lock.count).toBe(1);
    lock.lock();
    expect(lock.count).toBe(2);
  });
});

describe('command line', () => {
  test('the time-skipping test server form: PORT then extra args', () => {
    expect(parseArgs(['7777', '--search-attribute', 'A=Keyword'])).toMatchObject({
      form: 'test-server',
      port: 7777,
      searchAttributes: ['A=Keyword'],
    });
  });

  test('the start-dev form with the flags the SDK passes; unknown flags only warn', () => {
    const opts = parseArgs([
      'server',
      'start-dev',
      '--port',
      '7233',
      '--namespace',
      'ns',
      '--ip',
      '127.0.0.1',
      '--log-format',
      'pretty',
      '--log-level',
      'warn',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--headless',
      '--db-filename',
      '/tmp/x.db',
      '--search-attribute=OrderStatus=Keyword',
      '--made-up',
      'value',
    ]);
    expect(opts).toMatchObject({
      form: 'start-dev',
      port: 7233,
      namespace: 'ns',
      host: '127.0.0.1',
      dbFilename: '/tmp/x.db',
    });
    expect(opts.searchAttributes).toEqual(['OrderStatus=Keyword']);
    expect(opts.warnings).toEqual(['ignoring unknown flag "--made-up"']);
  });
});
