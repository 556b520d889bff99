/**
 * The TestService's time-skipping lock, counted as the Java test server counts it: the clients'
 * locks (Lock/UnlockTimeSkipping; 1 at start) plus one lock for each piece of outstanding work (a
 * workflow task, an activity not waiting out a retry backoff). Time may skip while the sum is 0.
 *
 * The work's locks are not counted up and down by the code that changes a run: they are read from
 * the runs' state (OutstandingWork), so a run that closes, times out, is reset or restored holds
 * exactly what its state says, and nothing can be released twice or forgotten.
 *
 * A client may unlock below its own locks while work is outstanding: an activity calling the test
 * environment's `sleep()` while the test waits in `result()` (that client lock is already
 * released). Its unlock then takes one of the work's locks on loan, so time skips while the
 * sleeping activity is the only work left. A loan lasts while its lock exists: once that work
 * ends (the activity completes or times out, its run closes), the loan stops counting, and the
 * caller's later lock returns it rather than adding a lock of its own.
 */

/** One lock held by outstanding work, lent to a caller that unlocked below its own locks. */
export interface WorkLock {
  /** Whether the work still holds this lock (read from its state). */
  readonly held: boolean;
}

/** The locks of the server's outstanding work. */
export interface OutstandingWork {
  /** How many locks outstanding work holds. */
  readonly count: number;
  /** A held lock that is not in `lent`, preferring one a running activity holds (the likely caller). */
  lend(lent: ReadonlySet<WorkLock>): WorkLock | undefined;
}

/** What an unlock took: one of the clients' locks, or a loan of a work lock. */
type Taken = 'client' | WorkLock;

const NO_WORK: OutstandingWork = { count: 0, lend: () => undefined };

export class TimeSkippingLock {
  private clients = 1;
  /** Loans of work locks still held by their work: each cancels one of the work's locks. */
  private readonly live = new Set<WorkLock>();
  /** Loans taken by plain unlocks (no caller identity), live or ended, until a plain lock returns one. */
  private readonly plainLoans: WorkLock[] = [];

  constructor(private readonly work: OutstandingWork = NO_WORK) {}

  /** Whether time skipping is locked: a client lock, or work whose lock is not lent. */
  get locked(): boolean {
    return this.clients > 0 || this.work.count > this.live.size;
  }

  /** The sum the Java test server keeps (diagnostics and tests). */
  get count(): number {
    return this.clients + this.work.count - this.live.size;
  }

  /** LockTimeSkipping: returns a loan a plain unlock took (an ended one first), else adds a lock. */
  lock(): void {
    const i = this.plainLoans.findIndex((l) => !this.live.has(l));
    const loan = i >= 0 ? this.plainLoans.splice(i, 1)[0] : this.plainLoans.pop();
    if (loan) this.live.delete(loan);
    else this.clients++;
  }

  /** UnlockTimeSkipping. Throws when nothing is locked, as the TestService does. */
  unlock(): void {
    const taken = this.take();
    if (taken !== 'client') this.plainLoans.push(taken);
  }

  /** An unlock whose caller locks again itself (UnlockTimeSkippingWithSleep): returns that relock. */
  unlockUntilRelock(): () => void {
    const taken = this.take();
    let relocked = false;
    return () => {
      if (relocked) return;
      relocked = true;
      if (taken === 'client') this.clients++;
      else this.live.delete(taken);
    };
  }

  /** Outstanding work changed: loans whose work ended stop counting. */
  workChanged(): void {
    for (const loan of this.live) if (!loan.held) this.live.delete(loan);
  }

  private take(): Taken {
    if (this.clients > 0) {
      this.clients--;
      return 'client';
    }
    this.workChanged();
    const loan = this.work.lend(this.live);
    if (!loan) throw new Error('Time skipping is already unlocked (lock count is 0)');
    this.live.add(loan);
    return loan;
  }
}
