import type { OutstandingWork, WorkLock } from '../clock/timeSkippingLock';
import type { Execution } from './execution';
import type { ActivityInfo } from './mutableState';

/**
 * The time-skipping locks runs hold, as the Java test server takes them: one for the workflow task
 * scheduled or started, one for each activity from its scheduling to its close except while it
 * waits out a retry backoff. A closed run holds none, whatever its state says of tasks still out.
 * Recomputed from a run's state at each of its changes (the server's `changed`), never counted up
 * and down: see clock/timeSkippingLock.ts.
 */
export function locksHeldBy(run: Execution): number {
  if (!run.isRunning) return 0;
  let n = workflowTaskLocks(run) ? 1 : 0;
  const acts = run.state.activities;
  if (acts) for (const a of acts.values()) if (holdsLock(a)) n++;
  return n;
}

/**
 * An activity holds a lock unless it waits on the clock (a retry's backoff) or on an operator
 * (paused with no attempt running: nothing would ever end the wait of a test that skips no time).
 */
function holdsLock(a: ActivityInfo): boolean {
  return a.state !== 'backoff' && !(a.state === 'scheduled' && a.paused);
}

/** A workflow task is outstanding (not one of a delayed start waiting for its time). */
function workflowTaskLocks(run: Execution): boolean {
  const s = run.state;
  return !!s.wft && s.executionTime <= run.host.clock.now();
}

/** The locks of every run, by run: kept for the runs that hold one. */
export class RunLocks implements OutstandingWork {
  private readonly byRun = new Map<Execution, number>();
  private total = 0;

  get count(): number {
    return this.total;
  }

  /** A run changed: its locks read again from its state. */
  changed(run: Execution): void {
    this.set(run, locksHeldBy(run));
  }

  /** A run left the server (removed after its retention). */
  removed(run: Execution): void {
    this.set(run, 0);
  }

  /** Rare (an unlock below the clients' own locks): a walk over the runs that hold locks. */
  lend(lent: ReadonlySet<WorkLock>): WorkLock | undefined {
    const free = (lock: RunLock) => ![...lent].some((l) => l instanceof RunLock && l.same(lock));
    let scheduled: RunLock | undefined;
    let task: RunLock | undefined;
    for (const run of this.byRun.keys()) {
      for (const a of run.state.activities?.values() ?? []) {
        if (!holdsLock(a)) continue;
        const lock = new RunLock(run, a.scheduledEventId, a.attempt);
        if (!free(lock)) continue;
        if (a.state === 'started') return lock;
        scheduled ??= lock;
      }
      if (!task && workflowTaskLocks(run)) {
        const lock = new RunLock(run, 0, run.state.wft!.scheduledEventId);
        if (free(lock)) task = lock;
      }
    }
    return scheduled ?? task;
  }

  private set(run: Execution, n: number): void {
    const old = this.byRun.get(run) ?? 0;
    if (n === old) return;
    if (n) this.byRun.set(run, n);
    else this.byRun.delete(run);
    this.total += n - old;
  }
}

/**
 * One lock of a run: an activity's attempt (scheduled event id, attempt), or its workflow task
 * (activity 0, the task's scheduled event id). A retry's next attempt holds a lock of its own.
 */
class RunLock implements WorkLock {
  constructor(
    private readonly run: Execution,
    private readonly activity: number,
    private readonly instance: number,
  ) {}

  get held(): boolean {
    if (!this.run.isRunning) return false;
    const s = this.run.state;
    if (this.activity === 0) return workflowTaskLocks(this.run) && s.wft!.scheduledEventId === this.instance;
    const a = s.activities?.get(this.activity);
    return !!a && a.state !== 'backoff' && a.attempt === this.instance;
  }

  same(other: RunLock): boolean {
    return this.run === other.run && this.activity === other.activity && this.instance === other.instance;
  }
}
