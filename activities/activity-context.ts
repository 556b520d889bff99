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
 */
export async function withHeartbeats<T>(work: Promise<T>, details?: unknown, intervalMs = 1_000): Promise<T> {
  const context = currentContext();
  if (!context) return work;
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
