import { condition } from '@temporalio/workflow';

/**
 * Waits until `done()` or the deadline (epoch ms, workflow time); true when `done()` won. Without a
 * deadline it waits for `done()` only. The timer is cancelled when `done()` wins first.
 */
export async function waitUntil(done: () => boolean, deadline: number | undefined): Promise<boolean> {
  if (deadline === undefined) {
    await condition(done);
    return true;
  }
  for (;;) {
    if (done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    if (await condition(done, left)) return true;
  }
}

/** The workflow's clock (deterministic inside the sandbox). */
export const now = (): Date => new Date(Date.now());
