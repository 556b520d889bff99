// Helpers that use the Temporal activity context when there is one. Activities are also called
// directly (tests, scripts), where there is no context: heartbeats are then simply skipped.
import { asyncLocalStorage, type Context } from '@temporalio/activity';

function currentContext(): Context | undefined {
  return asyncLocalStorage.getStore();
}

/** Records a heartbeat when running as an activity; a no-op otherwise. */
export function heartbeat(details?: unknown): void {
  currentContext()?.heartbeat(details);
}

/**
 * Awaits `work`, heartbeating every `intervalMs` meanwhile, so a slow call (a panel, an SMTP
 * server) keeps a heartbeat timeout from firing while a dead worker is still noticed quickly.
 * Only when the activity was scheduled with a heartbeat timeout: without one the server ignores
 * liveness, and each heartbeat would still cost a round trip to it. The first one waits for the
 * interval too: the timeout counts from the attempt's start, so a call that answers before then
 * (the usual case) needs none.
 */
export async function withHeartbeats<T>(work: Promise<T>, details?: unknown, intervalMs = 1_000): Promise<T> {
  const context = currentContext();
  if (!context?.info.heartbeatTimeoutMs) return work;
  const every = Math.min(intervalMs, Math.max(100, Math.floor(context.info.heartbeatTimeoutMs / 3)));
  const timer = setInterval(() => context.heartbeat(details), every);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** The attempt number of the running activity (1 for the first); undefined outside an activity. */
export function activityAttempt(): number | undefined {
  return currentContext()?.info.attempt;
}
