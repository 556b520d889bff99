/* Activities for the conformance suite. */
import { ApplicationFailure, Context, CancelledFailure, CompleteAsyncError } from '@temporalio/activity';

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

/** Leaves its completion to a client (AsyncCompletionClient, by id or by task token). */
export async function completeAsync(): Promise<string> {
  throw new CompleteAsyncError();
}
