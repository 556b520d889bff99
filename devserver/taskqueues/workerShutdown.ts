/**
 * Workers that said they are shutting down (ShutdownWorker with their instance key), as Temporal's
 * matching remembers them: their polls still waiting are answered "no task" at once, and polls
 * they send for a while after are answered the same, so a worker that stops is never handed a
 * task it would not run (the namespace advertises worker_poll_complete_on_shutdown, and the SDK's
 * core then lets its polls end this way instead of cancelling them).
 */
export class ShutdownWorkers {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs = 30_000) {}

  add(key: string): void {
    const now = Date.now();
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
    this.until.set(key, now + this.ttlMs);
  }

  has(key: string | null | undefined): boolean {
    if (!key) return false;
    const t = this.until.get(key);
    return t !== undefined && t > Date.now();
  }
}
