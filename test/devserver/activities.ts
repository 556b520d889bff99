/* Activities for the conformance suite. */
import { ApplicationFailure, CancelledFailure, CompleteAsyncError, Context } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `hello ${name}`;
}

/** Fails until attempt `succeedOn`, then returns the attempt number. */
export async function flaky(succeedOn: number, errorType = 'FlakyError'): Promise<number> {
  const { attempt } = Context.current().info;
  if (attempt < succeedOn)
    throw ApplicationFailure.create({ message: `attempt ${attempt} failed`, type: errorType });
  return attempt;
}

/** Heartbeats its progress, fails on the first attempt, resumes from the heartbeat details after. */
export async function resumable(): Promise<{ attempt: number; resumedFrom: unknown }> {
  const ctx = Context.current();
  const resumedFrom = ctx.info.heartbeatDetails ?? null;
  ctx.heartbeat(`progress-${ctx.info.attempt}`);
  if (ctx.info.attempt === 1) {
    await ctx.sleep(50);
    throw ApplicationFailure.create({ message: 'crash after heartbeat' });
  }
  return { attempt: ctx.info.attempt, resumedFrom };
}

/** Heartbeats until cancelled; reports the cancellation it saw. */
export async function heartbeatUntilCancelled(): Promise<string> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    try {
      await ctx.sleep(50);
    } catch (err) {
      if (err instanceof CancelledFailure) throw err;
      throw err;
    }
  }
}

/** Sleeps (real time) for `ms`, heartbeating only if asked. */
export async function slow(ms: number, heartbeat = false): Promise<string> {
  const ctx = Context.current();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (heartbeat) ctx.heartbeat();
    await ctx.sleep(Math.min(50, Math.max(1, until - Date.now())));
  }
  return 'done';
}

/** The priority the activity's task carried. */
export async function reportPriority(): Promise<unknown> {
  return Context.current().info.priority ?? null;
}

/** Infos of the async activities started, by workflow id (the test reads them in this process). */
export const asyncActivities = new Map<string, { activityId: string; taskToken: Uint8Array }>();

/** Completes asynchronously: the test completes, fails or cancels it through the client. */
export async function completeAsync(): Promise<string> {
  const { info } = Context.current();
  asyncActivities.set(info.workflowExecution?.workflowId ?? '', {
    activityId: info.activityId,
    taskToken: info.taskToken,
  });
  throw new CompleteAsyncError();
}

/** A result of `size` characters (the blob size limit's tests). */
export async function sized(size: number): Promise<string> {
  return 'r'.repeat(size);
}

/** Heartbeats details of `size` characters, then waits to be cancelled (the blob size limit's tests). */
export async function heartbeatSized(size: number): Promise<string> {
  const ctx = Context.current();
  ctx.heartbeat('h'.repeat(size));
  await ctx.cancelled;
  return 'not cancelled';
}

/** Fails with a message of `size` characters (the blob size limit's tests). */
export async function failSized(size: number): Promise<never> {
  throw ApplicationFailure.create({ message: 'm'.repeat(size), type: 'Sized' });
}

/** What each run of `pausable` saw, by workflow id (the test reads them in this process). */
export const pausableRuns = new Map<
  string,
  { attempt: number; heartbeatDetails: unknown; cancellation?: Record<string, boolean> }[]
>();

/**
 * Its first run heartbeats until the server stops it (an operator's pause or reset: the SDK then
 * fails the attempt) and records why; every later run returns its attempt and heartbeat details.
 */
export async function pausable(): Promise<{ attempt: number; heartbeatDetails: unknown }> {
  const ctx = Context.current();
  const workflowId = ctx.info.workflowExecution?.workflowId ?? '';
  const runs = pausableRuns.get(workflowId) ?? [];
  pausableRuns.set(workflowId, runs);
  const run: (typeof runs)[number] = {
    attempt: ctx.info.attempt,
    heartbeatDetails: ctx.info.heartbeatDetails ?? null,
  };
  runs.push(run);
  if (runs.length > 1) return { attempt: run.attempt, heartbeatDetails: run.heartbeatDetails };
  try {
    for (;;) {
      ctx.heartbeat(`beat-${ctx.info.attempt}`);
      await ctx.sleep(50);
    }
  } finally {
    const d = ctx.cancellationDetails;
    if (d) run.cancellation = { paused: d.paused, reset: d.reset, cancelRequested: d.cancelRequested };
  }
}
